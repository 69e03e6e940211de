/**
 * What every write goes through before it is stored (issue 5 "Admin REST"): the URL and the body
 * must agree on group, version, kind, namespace and name; the header and the object itself must
 * pass `readHeader` + `validateObject` with the owning system's own rules; unknown fields are
 * handled as `fieldValidation` asks. Errors become one 422 `Invalid` Status whose causes name
 * each field (and the line, for YAML input); warnings become `Warning:` headers.
 */
import { Codes, type Diagnostic } from '../../lib/errors';
import { readHeader } from '../../sources/header';
import { validateObject } from '../../sources';
import { isDns1123Label, isDns1123Subdomain, labelKeyError, labelValueError } from '../../sources/names';
import type { SourceDocument } from '../../sources/document';
import type { SourceObject } from '../../sources/object';
import type { KubeObject } from '../../store/types';
import { isJsonMap, own, type JsonMap } from './json';
import type { ApiResource } from './resources';
import { badRequest, invalid, type ApiError, type StatusCause } from './status';
import type { BodyFormat } from './body';
import { isUniversalDocument, universalToKubernetes } from './universal';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** `?fieldValidation=`; absent means Warn, the apiserver's default. */
export function parseFieldValidation(value: unknown): FieldValidation {
  if (value === undefined || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw badRequest(`fieldValidation must be Strict, Warn or Ignore, got ${JSON.stringify(value)}`);
}

/** `group/version` as an object's apiVersion spells it (`v1` for the core group). */
export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export interface CheckInput {
  resource: ApiResource;
  /** The version in the URL. */
  version: string;
  /** The URL's namespace ('' for cluster-scoped kinds). */
  namespace: string;
  /** The URL's name (replace, patch); absent for a create. */
  name?: string;
  /** The candidate object (its `value` is ours to fill in) and where its lines are. */
  document: SourceDocument;
  format: BodyFormat | 'patch';
  fieldValidation: FieldValidation;
}

export interface Checked {
  source: SourceObject;
  object: KubeObject;
  /** `Warning:` header texts. */
  warnings: string[];
  /** Every validation finding (also those fieldValidation silenced), so a later compile does not report them again. */
  findings: Diagnostic[];
}

/** Checks a candidate object; throws a BadRequest when URL and body disagree, a 422 when it is invalid. */
export function checkObject(input: CheckInput): Checked {
  const value = input.document.value;
  const { resource } = input;
  if (!isJsonMap(value)) throw badRequest(`the body must be a JSON object: a ${resource.kind}`);
  // Kuma's universal form (POST /apply only: the REST routes convert it first) has no metadata to reconcile.
  const universal = isUniversalDocument(value);
  if (!universal) reconcileWithUrl(value, input);
  const header = readHeader(input.document);
  const name = typeof input.name === 'string' ? input.name : nameOf(value);
  if (!header.object) throw invalidFrom(resource, name, header.diagnostics, input.format);
  const findings = [...header.diagnostics, ...metadataFindings(header.object), ...topLevelFindings(header.object), ...validateObject(header.object)];
  const { errors, warnings } = sortFindings(findings, input.fieldValidation);
  if (errors.length > 0) throw invalidFrom(resource, name, errors, input.format);
  return { source: header.object, object: universal ? (universalToKubernetes(value) as KubeObject) : storable(value), warnings: warnings.map((d) => warningText(d, input.format)), findings };
}

function nameOf(value: JsonMap): string {
  const metadata = own(value, 'metadata');
  const name = isJsonMap(metadata) ? own(metadata, 'name') : undefined;
  return typeof name === 'string' ? name : '';
}

/** The URL decides group, version, kind, namespace and name; a body that says otherwise is a BadRequest (as the apiserver). */
function reconcileWithUrl(value: JsonMap, input: CheckInput): void {
  const { resource } = input;
  const expected = apiVersionOf(resource.group, input.version);
  const apiVersion = own(value, 'apiVersion');
  if (typeof apiVersion === 'string' && apiVersion !== '' && apiVersion !== expected) {
    throw badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${expected})`);
  }
  const kind = own(value, 'kind');
  if (typeof kind === 'string' && kind !== '' && kind !== resource.kind) {
    throw badRequest(`the kind in the data (${kind}) does not match the expected kind (${resource.kind})`);
  }
  let metadata = own(value, 'metadata');
  if (metadata === undefined || metadata === null) {
    metadata = {};
    value.metadata = metadata;
  }
  if (!isJsonMap(metadata)) return; // readHeader reports it with its line
  const namespace = own(metadata, 'namespace');
  if (resource.namespaced) {
    if (typeof namespace === 'string' && namespace !== '' && namespace !== input.namespace) {
      throw badRequest(`the namespace of the provided object (${namespace}) does not match the namespace sent on the request (${input.namespace})`);
    }
    if (namespace === undefined || namespace === null || namespace === '') metadata.namespace = input.namespace;
  } else {
    // A cluster-scoped object has no namespace; kubectl drops one written in the file (§4.1).
    delete metadata.namespace;
  }
  if (input.name !== undefined) {
    const name = own(metadata, 'name');
    if (typeof name === 'string' && name !== '' && name !== input.name) {
      throw badRequest(`the name of the object (${name}) does not match the name on the URL (${input.name})`);
    }
    if (name === undefined || name === null || name === '') metadata.name = input.name;
  }
}

/** ObjectMeta fields a client may send (the rest of ObjectMeta is the server's, and harmless). */
const METADATA_FIELDS = [
  'name', 'namespace', 'labels', 'annotations', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'generateName', 'selfLink', 'ownerReferences', 'finalizers',
  'managedFields', 'clusterName',
];

function finding(o: SourceObject, severity: Diagnostic['severity'], code: Diagnostic['code'], path: Array<string | number>, message: string): Diagnostic {
  return { severity, code, message, object: { kind: o.kind, namespace: o.namespace, name: o.name }, location: o.document.locate(path) };
}

function unknownField(o: SourceObject, path: Array<string | number>, key: string, accepted: readonly string[]): Diagnostic {
  return finding(o, 'Warning', Codes.UnsupportedField, [...path, key], `unknown field ${JSON.stringify(key)} is ignored; accepted here: ${accepted.join(', ')}`);
}

/** Labels and annotations as Kubernetes validates them; unknown ObjectMeta fields. */
function metadataFindings(o: SourceObject): Diagnostic[] {
  const out: Diagnostic[] = [];
  const metadata = own(o.raw, 'metadata');
  if (!isJsonMap(metadata)) return out;
  for (const key of Object.keys(metadata)) if (!METADATA_FIELDS.includes(key)) out.push(unknownField(o, ['metadata'], key, METADATA_FIELDS));
  for (const field of ['labels', 'annotations'] as const) {
    const map = own(metadata, field);
    if (map === undefined || map === null) continue;
    if (!isJsonMap(map)) {
      out.push(finding(o, 'Error', Codes.SchemaValidation, ['metadata', field], `must be a map of strings to strings`));
      continue;
    }
    for (const key of Object.keys(map)) {
      const v = map[key];
      const where = ['metadata', field, key];
      if (typeof v !== 'string') out.push(finding(o, 'Error', Codes.SchemaValidation, where, `must be a string, got ${v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v}`));
      const problem = field === 'labels' ? labelKeyError(key) ?? (typeof v === 'string' ? labelValueError(v) : undefined) : annotationKeyError(key);
      if (problem) out.push(finding(o, 'Error', Codes.SchemaValidation, where, problem));
    }
  }
  return out;
}

function annotationKeyError(key: string): string | undefined {
  // Annotation keys follow label-key syntax (a qualified name with an optional DNS prefix).
  return labelKeyError(key)?.replace('label key', 'annotation key');
}

/** Top-level fields each kind has besides apiVersion, kind, metadata, spec and status. */
const TOP_EXTRA: Record<string, readonly string[]> = {
  'kuma.io/*': ['mesh'],
};
/** Kinds whose own validator already checks their top level (Endpoints, EndpointSlice, universal Kuma). */
const TOP_CHECKED = new Set(['/Endpoints', 'discovery.k8s.io/EndpointSlice']);

function topLevelFindings(o: SourceObject): Diagnostic[] {
  if (TOP_CHECKED.has(`${o.group}/${o.kind}`) || own(o.raw, 'apiVersion') === undefined) return [];
  const accepted = ['apiVersion', 'kind', 'metadata', 'spec', 'status', ...(TOP_EXTRA[`${o.group}/${o.kind}`] ?? TOP_EXTRA[`${o.group}/*`] ?? [])];
  return Object.keys(o.raw).filter((k) => !accepted.includes(k)).map((k) => unknownField(o, [], k, accepted));
}

/** The FieldReader's wording for a field its system does not know (src/sources/fields.ts `checkFields`). */
export function isUnknownField(d: Diagnostic): boolean {
  return d.code === Codes.UnsupportedField && d.message.startsWith('unknown field ');
}

/** Errors reject; unknown fields follow fieldValidation; other warnings are reported; Info stays quiet. */
export function sortFindings(findings: readonly Diagnostic[], mode: FieldValidation): { errors: Diagnostic[]; warnings: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  for (const d of findings) {
    if (d.severity === 'Error') errors.push(d);
    else if (isUnknownField(d)) {
      if (mode === 'Strict') errors.push({ ...d, severity: 'Error' });
      else if (mode === 'Warn') warnings.push(d);
    } else if (d.severity === 'Warning') warnings.push(d);
  }
  return { errors, warnings };
}

const CAUSE_REASONS: Partial<Record<Diagnostic['code'], string>> = {
  [Codes.MissingField]: 'FieldValueRequired',
  [Codes.UnsupportedField]: 'FieldValueNotSupported',
  [Codes.DuplicateObject]: 'FieldValueDuplicate',
  [Codes.ReferencedResourceNotFound]: 'FieldValueNotFound',
};

/** `<message> [<code>] (line N)`: the line only when the input had lines (YAML), as issue 5 asks. */
export function causeMessage(d: Diagnostic, format: BodyFormat | 'patch'): string {
  const line = format === 'yaml' && d.location?.line !== undefined ? ` (line ${d.location.line})` : '';
  return `${d.message} [${d.code}]${line}`;
}

export function causeOf(d: Diagnostic, format: BodyFormat | 'patch'): StatusCause {
  const cause: StatusCause = { reason: CAUSE_REASONS[d.code] ?? 'FieldValueInvalid', message: causeMessage(d, format) };
  if (d.location?.path) cause.field = d.location.path;
  return cause;
}

function invalidFrom(resource: ApiResource, name: string, diagnostics: readonly Diagnostic[], format: BodyFormat | 'patch'): ApiError {
  return invalid(resource, name, diagnostics.map((d) => causeOf(d, format)));
}

export function warningText(d: Diagnostic, format: BodyFormat | 'patch'): string {
  const o = d.object ? `${d.object.kind} ${d.object.namespace ? `${d.object.namespace}/` : ''}${d.object.name}: ` : '';
  return `${o}${d.location?.path ? `${d.location.path}: ` : ''}${causeMessage(d, format)}`;
}

/** What goes to the store: the object as sent; the store keeps `status` only where it is input (a Pod's podIP). */
function storable(value: JsonMap): KubeObject {
  return value as KubeObject;
}

/** URL segments: names are DNS-1123 subdomains, namespaces DNS-1123 labels (issue 5 "Safety"). */
export function urlNameProblem(name: string): string | undefined {
  return isDns1123Subdomain(name) ? undefined : `invalid name ${JSON.stringify(name)}: names are lower-case DNS-1123 subdomains (a-z, 0-9, '-', '.')`;
}

export function urlNamespaceProblem(namespace: string): string | undefined {
  return isDns1123Label(namespace) ? undefined : `invalid namespace ${JSON.stringify(namespace)}: namespaces are lower-case DNS-1123 labels (a-z, 0-9, '-')`;
}
