/**
 * The part of every object that is the same in every system: apiVersion, kind and metadata.
 * Read before anything knows the object's kind, so errors point at the document and line.
 */
import { Codes, type Code, type Diagnostic, type ObjectRef } from '../lib/errors';
import { formatPath, type FieldPath, type SourceDocument } from './document';
import { describeValue, isMap } from './fields';
import { isDns1123Label, isDns1123Subdomain } from './names';
import type { SourceObject } from './object';
import { lookupKind } from './registry';

/** Namespace of an object that does not name one, as kubectl assumes. */
export const DEFAULT_NAMESPACE = 'default';

class HeaderReader {
  readonly diagnostics: Diagnostic[] = [];
  object?: ObjectRef;

  constructor(readonly document: SourceDocument) {}

  error(path: FieldPath, message: string, code: Code = Codes.SchemaValidation): void {
    const d: Diagnostic = { severity: 'Error', code, message, location: this.document.locate(path) };
    if (this.object) d.object = this.object;
    this.diagnostics.push(d);
  }

  string(root: Record<string, unknown>, path: FieldPath, required: boolean): string | undefined {
    let value: unknown = root;
    for (const key of path) value = isMap(value) ? value[key as string] : undefined;
    if (value === undefined || value === null || value === '') {
      if (required) this.error(path, `${formatPath(path)} is required`, Codes.MissingField);
      return undefined;
    }
    if (typeof value === 'string') return value;
    this.error(path, `must be a string, got ${describeValue(value)}`);
    return undefined;
  }
}

/** Reads one document's header into a SourceObject, or explains why it cannot. */
export function readHeader(document: SourceDocument): { object?: SourceObject; diagnostics: Diagnostic[] } {
  const h = new HeaderReader(document);
  const raw = document.value;
  if (!isMap(raw)) {
    h.error([], `a document must be a mapping with apiVersion, kind and metadata, got ${describeValue(raw)}`);
    return { diagnostics: h.diagnostics };
  }
  if (isUniversal(raw)) return readUniversalHeader(h, raw);
  const apiVersion = h.string(raw, ['apiVersion'], true);
  const kind = h.string(raw, ['kind'], true);
  if (raw.metadata !== undefined && raw.metadata !== null && !isMap(raw.metadata)) h.error(['metadata'], `must be a mapping, got ${describeValue(raw.metadata)}`);
  const name = h.string(raw, ['metadata', 'name'], true);
  const gv = apiVersion ? splitApiVersion(apiVersion) : undefined;
  const clusterScoped = gv !== undefined && kind !== undefined && lookupKind(gv.group, kind).entry?.scope === 'Cluster';
  // A cluster-scoped object has no namespace; one written anyway is ignored, as the API server does.
  const namespace = clusterScoped ? '' : h.string(raw, ['metadata', 'namespace'], false) ?? DEFAULT_NAMESPACE;
  if (kind && name) h.object = { kind, namespace, name };
  if (name && !isDns1123Subdomain(name)) h.error(['metadata', 'name'], `invalid name ${JSON.stringify(name)}: names are lower-case DNS-1123 subdomains (a-z, 0-9, '-', '.')`);
  if (!clusterScoped && !isDns1123Label(namespace)) h.error(['metadata', 'namespace'], `invalid namespace ${JSON.stringify(namespace)}: namespaces are lower-case DNS-1123 labels (a-z, 0-9, '-')`);
  if (apiVersion && !gv) h.error(['apiVersion'], `invalid apiVersion ${JSON.stringify(apiVersion)}; write <group>/<version>, e.g. networking.istio.io/v1`);
  if (h.diagnostics.length > 0 || !apiVersion || !kind || !name || !gv) return { diagnostics: h.diagnostics };
  return { object: { apiVersion, group: gv.group, version: gv.version, kind, namespace, name, raw, document }, diagnostics: [] };
}

/**
 * Kuma's universal dialect (`kumactl apply`): `type`, `name`, `mesh` at the top, no apiVersion,
 * kind or metadata. It is read as `kuma.io/v1alpha1`, cluster-scoped (no namespace).
 */
export const KUMA_UNIVERSAL_API_VERSION = 'kuma.io/v1alpha1';

function isUniversal(raw: Record<string, unknown>): boolean {
  return raw.apiVersion === undefined && raw.kind === undefined && raw.type !== undefined;
}

function readUniversalHeader(h: HeaderReader, raw: Record<string, unknown>): { object?: SourceObject; diagnostics: Diagnostic[] } {
  const kind = h.string(raw, ['type'], true);
  const name = h.string(raw, ['name'], true);
  h.string(raw, ['mesh'], false);
  if (kind && name) h.object = { kind, namespace: '', name };
  if (name && !isDns1123Subdomain(name)) h.error(['name'], `invalid name ${JSON.stringify(name)}: names are lower-case DNS-1123 subdomains (a-z, 0-9, '-', '.')`);
  if (h.diagnostics.length > 0 || !kind || !name) return { diagnostics: h.diagnostics };
  const [group, version] = KUMA_UNIVERSAL_API_VERSION.split('/');
  return { object: { apiVersion: KUMA_UNIVERSAL_API_VERSION, group, version, kind, namespace: '', name, raw, document: h.document }, diagnostics: [] };
}

/** `networking.istio.io/v1` → group and version; `v1` is the core group. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } | undefined {
  const parts = apiVersion.split('/');
  if (parts.length === 1 && parts[0] !== '') return { group: '', version: parts[0] };
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') return { group: parts[0], version: parts[1] };
  return undefined;
}
