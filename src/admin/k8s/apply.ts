/**
 * `POST /apply`, Ricochet's own (issue 5): a multi-document YAML (or JSON) bundle applied
 * atomically. Every document is read and validated first; if any is invalid the answer is one
 * 422 listing every problem with its document, field and line, and nothing is stored. Otherwise
 * the changed objects go to the store in ONE commit and each document is answered `created`,
 * `configured` or `unchanged`; a bundle that changes nothing writes nothing, so the same bytes
 * applied twice make no new resourceVersion and no new xDS version.
 *
 * Query: `dryRun=All` (validate and compile only), `fieldValidation=Strict|Warn|Ignore`,
 * `namespace=<ns>` (for documents that name none; default `default`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Diagnostic } from '../../lib/errors';
import type { SourceDocument } from '../../sources/document';
import { readHeader } from '../../sources/header';
import { objectKey } from '../../sources/object';
import type { KubeObject, ObjectKey, StoreOp } from '../../store/types';
import { bodyText, JSON_TYPES, mediaType, parseYamlDocuments, YAML_TYPES } from './body';
import { compileWithChanges } from './compileCheck';
import { isStoreRefusal, type ApiContext } from './context';
import { isJsonMap, jsonProblem, own } from './json';
import type { Query } from './reads';
import { resourceForKind, type ApiResource } from './resources';
import { addWarnings } from './respond';
import { singleParam } from './selectors';
import { ApiError, badRequest, conflict, failure, qualifiedKind, unsupportedMediaType, type StatusCause } from './status';
import { isUniversalDocument } from './universal';
import { causeOf, checkObject, parseFieldValidation, urlNamespaceProblem, warningText, type Checked } from './validate';
import { parseDryRun, userContent } from './writes';
import { deepEqual } from './json';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

/** One document's outcome. */
export interface ApplyResultItem {
  /** 0-based index of the document in the bundle. */
  index: number;
  apiVersion: string;
  kind: string;
  /** Absent for cluster-scoped kinds. */
  namespace?: string;
  name: string;
  action: ApplyAction;
  /** The object's resourceVersion after the apply (absent on a dry run of a new object). */
  resourceVersion?: string;
  generation?: number;
  /** As kubectl prints it: `virtualservice.networking.istio.io/reviews created`. */
  text: string;
}

/** The answer to `POST /apply`. */
export interface ApplyResult {
  kind: 'ApplyResult';
  apiVersion: 'ricochet.io/v1';
  dryRun: boolean;
  /** The store's resourceVersion after the apply. */
  resourceVersion: string;
  results: ApplyResultItem[];
  /** Validation and compile warnings (also sent as `Warning:` headers). */
  warnings: string[];
}

/** File name the bundle's documents report in locations; the CLI may name its file with `?source=`. */
const BUNDLE = 'bundle';

interface Planned {
  index: number;
  resource: ApiResource;
  key: ObjectKey;
  checked?: Checked;
  action: ApplyAction;
  op?: StoreOp;
}

export async function applyBundle(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, query: Query): Promise<ApplyResult> {
  const type = mediaType(req.headers['content-type']);
  if (type !== '' && !JSON_TYPES.includes(type) && !YAML_TYPES.includes(type)) throw unsupportedMediaType(type, [...YAML_TYPES, ...JSON_TYPES]);
  const dryRun = parseDryRun(query.dryRun);
  const fieldValidation = parseFieldValidation(singleParam(query.fieldValidation, 'fieldValidation'));
  const defaultNamespace = singleParam(query.namespace, 'namespace') ?? 'default';
  const nsProblem = urlNamespaceProblem(defaultNamespace);
  if (nsProblem) throw badRequest(`namespace: ${nsProblem}`);
  const file = singleParam(query.source, 'source') ?? BUNDLE;
  const s = ctx.store;
  const parsed = parseYamlDocuments(file, bodyText(req.body));
  const causes: StatusCause[] = parsed.diagnostics.map((d) => bundleCause(d, d.location?.document ?? 0));
  if (parsed.documents.length === 0 && causes.length === 0) throw badRequest('the bundle holds no objects');

  const checkedDocs: Array<{ index: number; resource: ApiResource; checked: Checked } | undefined> = [];
  const seen = new Map<string, number>();
  for (const document of parsed.documents) {
    const one = checkDocument(ctx, document, defaultNamespace, fieldValidation, causes);
    if (!one) continue;
    const id = objectKey(one.checked.source);
    const first = seen.get(id);
    if (first !== undefined) {
      causes.push({ reason: 'FieldValueDuplicate', field: 'metadata.name', message: `document ${document.index + 1}: ${describe(one.resource, one.checked.source)} is already defined by document ${first + 1}` });
      continue;
    }
    seen.set(id, document.index);
    checkedDocs.push({ index: document.index, resource: one.resource, checked: one.checked });
  }
  if (causes.length > 0) throw invalidBundle(causes);

  return ctx.exclusive(async () => {
    const plan = checkedDocs.filter((d): d is NonNullable<typeof d> => d !== undefined).map((d) => planOne(ctx, d.index, d.resource, d.checked));
    const changes = plan.filter((p) => p.op && p.checked).map((p) => ({ key: p.key, source: p.checked?.source }));
    const warnings = [...new Set([
      ...plan.flatMap((p) => p.checked?.warnings.map((w) => `document ${p.index + 1}: ${w}`) ?? []),
      ...compileWithChanges(ctx.controlPlane, ctx.optionalStore, changes, plan.flatMap((p) => p.checked?.findings ?? [])).map((d) => `document ${(d.location?.document ?? 0) + 1}: ${warningText(d, 'yaml')}`),
    ])];
    const ops = plan.flatMap((p) => (p.op ? [p.op] : []));
    const written = new Map<string, KubeObject>();
    if (!dryRun && ops.length > 0) {
      try {
        for (const e of await s.commit(ops)) written.set(objectKey(e.object.key), e.object.object);
      } catch (err) {
        if (isStoreRefusal(err)) throw conflict({ group: err.key.group, plural: err.key.kind, kind: err.key.kind }, err.key.name, `${err.message}; nothing of the bundle was applied, apply it again`);
        throw err;
      }
    }
    addWarnings(reply, warnings);
    return {
      kind: 'ApplyResult', apiVersion: 'ricochet.io/v1', dryRun, resourceVersion: String(s.resourceVersion),
      results: plan.map((p) => resultItem(ctx, p, written.get(objectKey(p.key)), dryRun)), warnings,
    };
  });
}

/** Header, kind, namespace and validation of one document; problems go to `causes`. */
function checkDocument(ctx: ApiContext, document: SourceDocument, namespace: string, fieldValidation: ReturnType<typeof parseFieldValidation>, causes: StatusCause[]) {
  const n = document.index;
  const value = document.value;
  if (jsonProblem(value)) {
    causes.push({ reason: 'FieldValueInvalid', message: `document ${n + 1}: ${jsonProblem(value)}` });
    return undefined;
  }
  // A namespaced document that names no namespace goes to ?namespace= (kubectl's -n), before the header is read.
  if (!isUniversalDocument(value) && isJsonMap(value) && isJsonMap(own(value, 'metadata'))) {
    const metadata = value.metadata as Record<string, unknown>;
    if (metadata.namespace === undefined || metadata.namespace === null || metadata.namespace === '') metadata.namespace = namespace;
  }
  const header = readHeader(document);
  if (!header.object) {
    causes.push(...header.diagnostics.map((d) => bundleCause(d, n)));
    return undefined;
  }
  const source = header.object;
  const resource = resourceForKind(source.group, source.kind);
  if (!resource || resource.derived || !resource.versions.includes(source.version)) {
    causes.push({ reason: 'FieldValueNotSupported', field: 'kind', message: `document ${n + 1}: ${source.kind} (${source.apiVersion}) is not a kind Ricochet serves${line(document, ['kind'])}` });
    return undefined;
  }
  if (isUniversalDocument(value) && resource.namespaced) {
    causes.push({ reason: 'FieldValueNotSupported', field: 'type', message: `document ${n + 1}: a universal (kumactl) ${source.kind} names no namespace; apply it in the Kubernetes form (apiVersion ${source.apiVersion}, kind ${source.kind}, metadata.namespace)${line(document, ['type'])}` });
    return undefined;
  }
  const file = ctx.catalog.fileOwner({ group: source.group, kind: source.kind, namespace: source.namespace, name: source.name });
  if (file) {
    causes.push({ reason: 'FieldValueForbidden', field: 'metadata.name', message: `document ${n + 1}: ${describe(resource, source)} is defined by the file ${file} (--sources); change it there${line(document, ['metadata', 'name'])}` });
    return undefined;
  }
  try {
    const checked = checkObject({ resource, version: source.version, namespace: source.namespace, document, format: 'yaml', fieldValidation });
    return { resource, checked };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const inner = err.status.details?.causes ?? [];
    if (inner.length === 0) causes.push({ reason: 'FieldValueInvalid', message: `document ${n + 1}: ${err.status.message ?? ''}` });
    for (const c of inner) causes.push({ ...c, message: `document ${n + 1}: ${c.message}` });
    return undefined;
  }
}

function line(document: SourceDocument, path: string[]): string {
  const at = document.locate(path).line;
  return at === undefined ? '' : ` (line ${at})`;
}

function bundleCause(d: Diagnostic, index: number): StatusCause {
  const c = causeOf(d, 'yaml');
  return { ...c, message: `document ${index + 1}: ${c.message}` };
}

function describe(resource: ApiResource, o: { namespace: string; name: string }): string {
  return `${qualifiedKind(resource)} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

function invalidBundle(causes: StatusCause[]): ApiError {
  const message = `the bundle is invalid, nothing was applied: [${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ')}]`;
  return new ApiError(failure(422, 'Invalid', message, { name: '', kind: 'Bundle', causes }));
}

function planOne(ctx: ApiContext, index: number, resource: ApiResource, checked: Checked): Planned {
  const source = checked.source;
  const key = { group: resource.group, kind: resource.kind, namespace: resource.namespaced ? source.namespace : '', name: source.name };
  const existing = ctx.store.get(key);
  if (!existing) return { index, resource, key, checked, action: 'created', op: { op: 'put', key, object: checked.object, create: true } };
  if (deepEqual(userContent(existing.object, key), userContent(checked.object, key))) return { index, resource, key, checked, action: 'unchanged' };
  return { index, resource, key, checked, action: 'configured', op: { op: 'put', key, object: checked.object, expectResourceVersion: existing.resourceVersion } };
}

function resultItem(ctx: ApiContext, p: Planned, written: KubeObject | undefined, dryRun: boolean): ApplyResultItem {
  const current = written ?? ctx.store.get(p.key)?.object;
  const item: ApplyResultItem = {
    index: p.index,
    apiVersion: p.checked?.source.apiVersion ?? '',
    kind: p.resource.kind,
    name: p.key.name,
    action: p.action,
    text: `${p.resource.kind.toLowerCase()}${p.resource.group ? `.${p.resource.group}` : ''}/${p.key.name} ${p.action}${dryRun ? ' (server dry run)' : ''}`,
  };
  if (p.key.namespace) item.namespace = p.key.namespace;
  if (current?.metadata.resourceVersion) item.resourceVersion = current.metadata.resourceVersion;
  if (typeof current?.metadata.generation === 'number') item.generation = current.metadata.generation;
  return item;
}
