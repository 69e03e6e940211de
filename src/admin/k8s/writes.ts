/**
 * POST (create), PUT (replace), PATCH and DELETE of one object (spec/kubectl-1.20.md §4, §7, §10).
 * Every write: the URL names a served kind and a valid namespace and name; an object a
 * `--sources` file defines is refused (403, naming the file); the body is validated with the
 * owning system's rules and compiled with the rest of the configuration; `dryRun=All` (query, or
 * in a DELETE's body, §11 pitfall 7) stops there and answers the would-be object; otherwise one
 * store commit. A write that changes nothing is not committed (no new resourceVersion, no new
 * xDS version) and answers the current object.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SourceDocument } from '../../sources/document';
import { statusIsInput } from '../../store/metadata';
import type { KubeObject, ObjectKey, StoredObject } from '../../store/types';
import { bodyText, checkJson, decodeObjectBody, mediaType, parseJsonText, parseYamlText, REQUEST_BODY, type BodyFormat } from './body';
import { keyOf, type ServedObject } from './catalog';
import { compileWithChanges } from './compileCheck';
import { isStoreRefusal, storeRefusal, type ApiContext } from './context';
import { deepClone, deepEqual, isJsonMap, own, type JsonMap } from './json';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import type { ObjectPath } from './paths';
import type { Query } from './reads';
import { listResourceVersion } from './watch';
import { addWarnings } from './respond';
import { matchesFilter, parseFilter, singleParam } from './selectors';
import { alreadyExists, badRequest, conflict, forbidden, invalid, methodNotAllowed, notFound, unsupportedMediaType, type ApiError } from './status';
import { isUniversalDocument, universalToKubernetes } from './universal';
import { apiVersionOf, checkObject, parseFieldValidation, urlNameProblem, urlNamespaceProblem, warningText, type Checked, type FieldValidation } from './validate';

/** `?dryRun=All`; any other value is refused, as the apiserver does. */
export function parseDryRun(value: unknown): boolean {
  if (value === undefined || value === '') return false;
  const values = Array.isArray(value) ? value : [value];
  if (values.every((v) => v === 'All')) return true;
  throw badRequest(`dryRun must be All, got ${JSON.stringify(value)}`);
}

interface WriteTarget {
  path: ObjectPath;
  key: ObjectKey;
}

/** The URL's namespace and name must be ones an object can have (422 otherwise, issue 5 "Safety"). */
function targetOf(path: ObjectPath, name: string): WriteTarget {
  const { resource } = path;
  if (resource.derived) throw methodNotAllowed('write', `${resource.plural}: namespaces are derived from the objects that use them, so they are read-only`);
  const namespace = resource.namespaced ? (path.namespace as string) : '';
  const causes = [];
  if (resource.namespaced) {
    const problem = urlNamespaceProblem(namespace);
    if (problem) causes.push({ reason: 'FieldValueInvalid', message: problem, field: 'metadata.namespace' });
  }
  if (name !== '') {
    const problem = urlNameProblem(name);
    if (problem) causes.push({ reason: 'FieldValueInvalid', message: problem, field: 'metadata.name' });
  }
  if (causes.length > 0) throw invalid(resource, name, causes);
  return { path, key: keyOf(resource, namespace, name) };
}

/** An object whose identity a `--sources` file defines belongs to that file. */
function refuseFileManaged(ctx: ApiContext, target: WriteTarget): void {
  const file = ctx.catalog.fileOwner(target.key);
  if (file) {
    throw forbidden(target.path.resource, target.key.name, `it is defined by the file ${file} (--sources); change it there, the API only manages objects written through it`);
  }
}

/** The body as a document to validate: JSON or YAML, universal Kuma turned Kubernetes-shaped. */
function candidate(body: unknown, contentType: string | undefined): { document: SourceDocument; format: BodyFormat } {
  const decoded = decodeObjectBody(body, contentType);
  if (isUniversalDocument(decoded.value)) return { document: SourceDocument.fromValue(universalToKubernetes(decoded.value), REQUEST_BODY), format: 'json' };
  return { document: decoded.document, format: decoded.format };
}

function options(query: Query): { dryRun: boolean; fieldValidation: FieldValidation } {
  return { dryRun: parseDryRun(query.dryRun), fieldValidation: parseFieldValidation(singleParam(query.fieldValidation, 'fieldValidation')) };
}

/** Validation and compile warnings, deduplicated. */
function warningsOf(ctx: ApiContext, target: WriteTarget, checked: Checked, format: BodyFormat | 'patch'): string[] {
  const compiled = compileWithChanges(ctx.controlPlane, ctx.optionalStore, [{ key: target.key, source: checked.source }], checked.findings).map((d) => warningText(d, format));
  return [...new Set([...checked.warnings, ...compiled])];
}

/** Server-side metadata and (except where it is input) status do not count as a change. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink'];

export function userContent(object: Record<string, unknown>, key: ObjectKey): JsonMap {
  const { status, ...rest } = object;
  // A Pod's status is what the user wrote (src/store/types.ts): part of the content.
  if (statusIsInput(key) && status !== undefined) rest.status = status;
  const metadata = isJsonMap(rest.metadata) ? { ...rest.metadata } : {};
  for (const f of SERVER_METADATA) delete metadata[f];
  return { ...rest, metadata };
}

/** A dry run's answer: what would be stored, with the server-side fields it would get. */
function wouldBe(key: ObjectKey, object: KubeObject, existing: StoredObject | undefined): KubeObject {
  const out = deepClone(object);
  const previous = existing?.object.metadata;
  const { status: _a, ...before } = existing ? userContent(existing.object, key) : {};
  const { status: _b, ...after } = userContent(out, key);
  const specChanged = !existing || !deepEqual({ ...before, metadata: {} }, { ...after, metadata: {} });
  const generation = typeof previous?.generation === 'number' ? previous.generation : 0;
  out.metadata = {
    ...out.metadata,
    uid: previous?.uid ?? out.metadata.uid,
    creationTimestamp: previous?.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    generation: specChanged ? generation + 1 : generation,
  };
  if (previous?.resourceVersion) out.metadata.resourceVersion = previous.resourceVersion;
  else delete out.metadata.resourceVersion;
  if (!out.metadata.uid) delete out.metadata.uid;
  return out;
}

/** Stores (or, dry, only answers) a validated object; unchanged content is not written. */
async function persist(ctx: ApiContext, reply: FastifyReply, target: WriteTarget, checked: Checked, existing: StoredObject | undefined, dryRun: boolean, format: BodyFormat | 'patch'): Promise<unknown> {
  addWarnings(reply, warningsOf(ctx, target, checked, format));
  const served = (object: KubeObject) => ctx.present({ key: target.key, object, origin: 'api' });
  if (existing && deepEqual(userContent(existing.object, target.key), userContent(checked.object, target.key))) return served(existing.object);
  if (dryRun) {
    reply.code(existing ? 200 : 201);
    return served(wouldBe(target.key, checked.object, existing));
  }
  const op = existing
    ? { op: 'put' as const, key: target.key, object: checked.object, expectResourceVersion: existing.resourceVersion }
    : { op: 'put' as const, key: target.key, object: checked.object, create: true };
  const events = await commit(ctx, target, [op]);
  reply.code(existing ? 200 : 201);
  return served(events[0].object.object);
}

async function commit(ctx: ApiContext, target: WriteTarget, ops: Parameters<ApiContext['store']['commit']>[0]) {
  try {
    return await ctx.store.commit(ops);
  } catch (err) {
    if (isStoreRefusal(err)) throw storeRefusal(err, target.path.resource);
    throw err;
  }
}

/** `metadata.resourceVersion` in a body or patch is a precondition: stale → 409 Conflict. */
function checkPrecondition(target: WriteTarget, sent: unknown, existing: StoredObject): void {
  if (sent === undefined || sent === null || sent === '') return;
  if (String(sent) !== String(existing.resourceVersion)) {
    throw conflict(target.path.resource, target.key.name, `the object has been modified (resourceVersion ${String(sent)} was sent, the current one is ${existing.resourceVersion}); please apply your changes to the latest version and try again`);
  }
}

function sentResourceVersion(value: unknown): unknown {
  const metadata = isJsonMap(value) ? own(value, 'metadata') : undefined;
  return isJsonMap(metadata) ? own(metadata, 'resourceVersion') : undefined;
}

export async function createObject(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, path: ObjectPath, query: Query): Promise<unknown> {
  const { dryRun, fieldValidation } = options(query);
  const s = ctx.store;
  const { document, format } = candidate(req.body, req.headers['content-type']);
  const namespace = path.resource.namespaced ? (path.namespace as string) : '';
  if (path.resource.namespaced && path.namespace === undefined) throw methodNotAllowed('POST', `${path.resource.plural} across all namespaces; post to /namespaces/<ns>/${path.resource.plural}`);
  targetOf(path, '');
  const checked = checkObject({ resource: path.resource, version: path.version, namespace, document, format, fieldValidation });
  const target = targetOf(path, checked.source.name);
  refuseFileManaged(ctx, target);
  return ctx.exclusive(async () => {
    const existing = s.get(target.key);
    if (existing) throw withWarnings(alreadyExists(path.resource, target.key.name), checked.warnings);
    return persist(ctx, reply, target, checked, undefined, dryRun, format);
  });
}

function withWarnings(err: ApiError, warnings: string[]): ApiError {
  err.warnings = warnings;
  return err;
}

export async function replaceObject(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, path: ObjectPath & { name: string }, query: Query): Promise<unknown> {
  const { dryRun, fieldValidation } = options(query);
  const s = ctx.store;
  const target = targetOf(path, path.name);
  const { document, format } = candidate(req.body, req.headers['content-type']);
  const precondition = sentResourceVersion(document.value);
  const checked = checkObject({ resource: path.resource, version: path.version, namespace: target.key.namespace, name: path.name, document, format, fieldValidation });
  refuseFileManaged(ctx, target);
  return ctx.exclusive(async () => {
    const existing = s.get(target.key);
    if (!existing) throw notFound(path.resource, path.name);
    checkPrecondition(target, precondition, existing);
    return persist(ctx, reply, target, checked, existing, dryRun, format);
  });
}

const PATCH_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml'];

/** Applies a PATCH body of the given media type to the current object. */
function patched(kind: string, core: boolean, type: string, current: unknown, body: unknown): unknown {
  const text = bodyText(body);
  switch (type) {
    case 'application/merge-patch+json': return mergePatch(current, parseJsonText(text));
    case 'application/json-patch+json': return jsonPatch(current, parseJsonText(text));
    case 'application/strategic-merge-patch+json':
      // As the apiserver: custom resources take merge patches only (kubectl sends SMP for core kinds, §4.2).
      if (!core) throw unsupportedMediaType(type, PATCH_TYPES.filter((t) => !t.includes('strategic')));
      return strategicMergePatch(kind, current, parseJsonText(text));
    case 'application/apply-patch+yaml': {
      // Server-side apply, approximated: the sent object is merged over the current one (no field ownership).
      const value = parseYamlText(text).value;
      checkJson(value);
      return mergePatch(current, value);
    }
    default: throw unsupportedMediaType(type, PATCH_TYPES);
  }
}

/** Group names of the core kinds (strategic merge patch); every other group is a custom resource. */
const CORE_GROUPS = new Set(['', 'discovery.k8s.io']);

export async function patchObject(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, path: ObjectPath & { name: string }, query: Query): Promise<unknown> {
  const { dryRun, fieldValidation } = options(query);
  const s = ctx.store;
  const target = targetOf(path, path.name);
  const type = mediaType(req.headers['content-type']);
  if (!PATCH_TYPES.includes(type)) throw unsupportedMediaType(type, PATCH_TYPES);
  refuseFileManaged(ctx, target);
  return ctx.exclusive(async () => {
    const existing = s.get(target.key);
    const serverSideCreate = !existing && type === 'application/apply-patch+yaml';
    if (!existing && !serverSideCreate) throw notFound(path.resource, path.name);
    const base = existing ? userContent(existing.object, target.key) : {};
    const result = patched(path.resource.kind, CORE_GROUPS.has(path.resource.group), type, base, req.body);
    if (existing) checkPrecondition(target, sentResourceVersion(result), existing);
    if (isJsonMap(result) && isJsonMap(result.metadata)) delete result.metadata.resourceVersion;
    const document = SourceDocument.fromValue(result, REQUEST_BODY);
    const checked = checkObject({ resource: path.resource, version: path.version, namespace: target.key.namespace, name: path.name, document, format: 'patch', fieldValidation });
    return persist(ctx, reply, target, checked, existing, dryRun, 'patch');
  });
}

/** DeleteOptions from the body (kubectl puts `dryRun: ["All"]` there, §7) and the query. */
function deleteOptions(body: unknown, query: Query): { dryRun: boolean; resourceVersion?: unknown; uid?: unknown } {
  const text = bodyText(body);
  let dryRun = parseDryRun(query.dryRun);
  if (text.trim() === '') return { dryRun };
  const value = parseJsonText(text);
  if (!isJsonMap(value)) throw badRequest('DeleteOptions must be a JSON object');
  const bodyDry = own(value, 'dryRun');
  if (bodyDry !== undefined && bodyDry !== null) {
    if (!Array.isArray(bodyDry)) throw badRequest('DeleteOptions.dryRun must be a list, e.g. ["All"]');
    dryRun = parseDryRun(bodyDry.length === 0 ? undefined : bodyDry) || dryRun;
  }
  const pre = own(value, 'preconditions');
  if (pre !== undefined && pre !== null && !isJsonMap(pre)) throw badRequest('DeleteOptions.preconditions must be an object');
  return { dryRun, resourceVersion: isJsonMap(pre) ? own(pre, 'resourceVersion') : undefined, uid: isJsonMap(pre) ? own(pre, 'uid') : undefined };
}

export async function deleteObject(ctx: ApiContext, req: FastifyRequest, _reply: FastifyReply, path: ObjectPath & { name: string }, query: Query): Promise<unknown> {
  if (path.resource.derived) throw methodNotAllowed('DELETE', `${path.resource.plural}: namespaces are derived from the objects that use them, so they are read-only`);
  const opts = deleteOptions(req.body, query);
  const s = ctx.store;
  const namespace = path.resource.namespaced ? (path.namespace as string) : '';
  if (urlNameProblem(path.name) || (path.resource.namespaced && urlNamespaceProblem(namespace))) throw notFound(path.resource, path.name);
  const target: WriteTarget = { path, key: keyOf(path.resource, namespace, path.name) };
  refuseFileManaged(ctx, target);
  return ctx.exclusive(async () => {
    const existing = s.get(target.key);
    if (!existing) throw notFound(path.resource, path.name);
    checkPrecondition(target, opts.resourceVersion, existing);
    if (opts.uid !== undefined && opts.uid !== null && opts.uid !== existing.object.metadata.uid) {
      throw conflict(path.resource, path.name, `the UID in the precondition (${String(opts.uid)}) does not match the UID in record (${String(existing.object.metadata.uid)}); the object might have been deleted and then recreated`);
    }
    const served = { key: target.key, object: existing.object, origin: 'api' as const };
    if (opts.dryRun) return ctx.present(served);
    const events = await commit(ctx, target, [{ op: 'delete', key: target.key, expectResourceVersion: existing.resourceVersion }]);
    ctx.tracker.forget(target.key);
    // The deleted object (with the deletion's resourceVersion) is what kubectl expects back (§7).
    return ctx.present({ ...served, object: events[0]?.object.object ?? existing.object });
  });
}

/**
 * DELETE on a collection (`deletecollection`, advertised by discovery): every API object of the
 * collection that matches the selectors, in one commit. Objects of `--sources` files are not
 * the API's to delete and are left alone (named in a Warning). Answers the deleted objects as a list.
 */
export async function deleteCollection(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, path: ObjectPath, query: Query): Promise<unknown> {
  if (path.resource.derived) throw methodNotAllowed('DELETE', `${path.resource.plural}: namespaces are derived from the objects that use them, so they are read-only`);
  const opts = deleteOptions(req.body, query);
  const filter = parseFilter(query);
  const s = ctx.store;
  const namespace = path.resource.namespaced ? path.namespace : undefined;
  const matching = (served: ServedObject): boolean => matchesFilter(filter, served.object.metadata);
  const files = ctx.catalog.list(path.resource, namespace).filter((o) => o.origin === 'file' && matching(o));
  addWarnings(reply, files.map((o) => `${o.key.namespace ? `${o.key.namespace}/` : ''}${o.key.name} is defined by the file ${o.file ?? '?'} (--sources) and was not deleted`));
  return ctx.exclusive(async () => {
    const victims = s.list({ group: path.resource.group, kind: path.resource.kind, namespace })
      .filter((stored) => !ctx.catalog.fileOwner(stored.key) && matching({ key: stored.key, object: stored.object, origin: 'api' }));
    const target: WriteTarget = { path, key: keyOf(path.resource, namespace ?? '', '') };
    let items: KubeObject[] = victims.map((v) => v.object);
    if (!opts.dryRun && victims.length > 0) {
      const events = await commit(ctx, target, victims.map((v) => ({ op: 'delete' as const, key: v.key, expectResourceVersion: v.resourceVersion })));
      items = events.map((e) => e.object.object);
      for (const v of victims) ctx.tracker.forget(v.key);
    }
    return {
      kind: `${path.resource.kind}List`, apiVersion: apiVersionOf(path.resource.group, path.version), metadata: { resourceVersion: listResourceVersion(ctx.optionalStore) },
      items: items.map((object) => ctx.present({ key: keyOf(path.resource, object.metadata.namespace ?? '', object.metadata.name), object, origin: 'api' })),
    };
  });
}
