/**
 * New-style policy targetRefs (`spec.targetRef`, `spec.to[].targetRef`) with the rules of Kuma's
 * ValidateTargetRef (kumahq/kuma v2.14.3 pkg/core/resources/apis/mesh/validators; spec
 * sources-kuma-fsm.md §1.2.2). An absent top-level targetRef means `kind: Mesh`.
 *
 * Every field of Kuma's TargetRef is accepted; those Ricochet does not act on at a place are
 * warned about (RCO0133) instead of being dropped without a word.
 */
import { Codes } from '../../lib/errors';
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';
import { isUniversal } from './dialect';

export interface TargetRef {
  kind: string;
  name?: string;
  namespace?: string;
  sectionName?: string;
  tags?: Record<string, string>;
  labels?: Record<string, string>;
  /** `proxyTypes` as written (top level only), when it is a non-empty list. */
  proxyTypes?: string[];
}

/** Where a targetRef sits: the top level picks proxies, a `to[]` entry names destinations. */
export type TargetRefPlace = 'top' | 'to';

const FIELDS = ['kind', 'name', 'namespace', 'sectionName', 'tags', 'labels', 'mesh', 'proxyTypes'] as const;
const NEEDS_NAME = new Set(['MeshService', 'MeshHTTPRoute', 'MeshServiceSubset', 'MeshGateway', 'MeshExternalService', 'MeshMultiZoneService']);
/** Kinds Kuma also lets `labels` select (real resources), instead of a `name`. */
const BY_LABELS = new Set(['MeshService', 'MeshHTTPRoute', 'MeshExternalService', 'MeshMultiZoneService']);
const NO_TAGS = new Set(['Mesh', 'MeshService', 'MeshHTTPRoute', 'MeshExternalService', 'MeshMultiZoneService']);
/** Kuma's TargetRefProxyType enum (the CRD's `Enum=Sidecar;Gateway`). */
export const PROXY_TYPES = ['Sidecar', 'Gateway'] as const;
/** The kinds whose proxy selection honours `proxyTypes` (Kuma's matchers: Mesh, MeshSubset). */
export const PROXY_TYPE_KINDS = new Set(['Mesh', 'MeshSubset']);

/** Reads a targetRef at `path`; `supported` kinds are enforced with Kuma's message. */
export function readTargetRef(r: FieldReader, path: FieldPath, supported: readonly string[], place: TargetRefPlace): TargetRef | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, { supported: FIELDS });
  const kind = r.string([...path, 'kind']);
  if (!kind) {
    if (kind === '' || !r.has([...path, 'kind'])) r.error([...path, 'kind'], 'must be set');
    return undefined;
  }
  if (!supported.includes(kind)) {
    r.error([...path, 'kind'], `value '${kind}' is not supported`);
    return undefined;
  }
  const ref: TargetRef = { kind };
  for (const f of ['name', 'namespace', 'sectionName'] as const) {
    const v = r.string([...path, f]);
    if (v) ref[f] = v;
  }
  if (r.has([...path, 'tags'])) ref.tags = r.stringMap([...path, 'tags']);
  if (r.has([...path, 'labels'])) ref.labels = r.stringMap([...path, 'labels']);
  const proxyTypes = readProxyTypes(r, [...path, 'proxyTypes']);
  if (proxyTypes && proxyTypes.length > 0) ref.proxyTypes = proxyTypes;
  checkKindFields(r, path, ref);
  if (place === 'top') warnIgnoredTop(r, path, ref);
  else warnIgnoredTo(r, path, ref);
  return ref;
}

function checkKindFields(r: FieldReader, path: FieldPath, ref: TargetRef): void {
  const { kind } = ref;
  const byLabels = BY_LABELS.has(kind) && ref.labels !== undefined && Object.keys(ref.labels).length > 0;
  if (kind === 'Mesh' && ref.name) r.error([...path, 'name'], `using name with kind ${kind} is not yet supported`);
  if (kind === 'MeshSubset' && ref.name) r.error([...path, 'name'], `cannot be set with kind ${kind}`);
  if (NEEDS_NAME.has(kind) && !ref.name && !byLabels) r.error([...path, 'name'], `must be set with kind ${kind}`);
  if (NO_TAGS.has(kind) && ref.tags && Object.keys(ref.tags).length > 0) r.error([...path, 'tags'], `cannot be set with kind ${kind}`);
  for (const [key, value] of Object.entries(ref.tags ?? {})) {
    if (key === '') r.error([...path, 'tags'], 'tag name must be non-empty');
    if (value === '') r.error([...path, 'tags', key], 'tag value must be non-empty');
  }
}

/**
 * `proxyTypes`: items from Kuma's enum. On Kubernetes the CRD refuses others; in universal Kuma
 * takes them, and such an item matches no proxy (a warning). An empty list means "every type".
 */
function readProxyTypes(r: FieldReader, path: FieldPath): string[] | undefined {
  if (!r.has(path)) return undefined;
  const items = r.stringList(path);
  items.forEach((item, i) => {
    if ((PROXY_TYPES as readonly string[]).includes(item)) return;
    const message = `Unsupported value: ${JSON.stringify(item)}: supported values: ${PROXY_TYPES.map((t) => JSON.stringify(t)).join(', ')}`;
    if (isUniversal(r.object)) r.warn([...path, i], `${message}; Kuma accepts it in universal, where it matches no proxy`, Codes.SchemaValidation);
    else r.error([...path, i], message);
  });
  return items;
}

const ignored = (r: FieldReader, path: FieldPath, field: string, why: string): void => {
  if (r.has([...path, field])) r.warn([...path, field], `${field} is ignored: ${why}`, Codes.UnsupportedField);
};

const MESH_WHY = "Kuma reserves targetRef.mesh for references across meshes; the MeshRetry's own mesh (its kuma.io/mesh label, or mesh: in universal) is the one used";

/** Top level: Ricochet selects proxies by their tags (node metadata LABELS) and nothing else. */
function warnIgnoredTop(r: FieldReader, path: FieldPath, ref: TargetRef): void {
  ignored(r, path, 'namespace', 'Ricochet selects the proxies of a MeshRetry by their tags (node metadata LABELS), which carry no namespace');
  ignored(r, path, 'sectionName', "it would narrow the selection to one section (port) of the selected proxies; Ricochet applies a MeshRetry to all of a proxy's outbound traffic");
  ignored(r, path, 'mesh', MESH_WHY);
  if (ref.kind !== 'Dataplane') {
    ignored(r, path, 'labels', `only kind Dataplane selects proxies by labels in Ricochet; with kind ${ref.kind} ${ref.kind === 'MeshService' ? 'it would select Kuma MeshService objects, which Ricochet does not know; name the service with name' : 'Kuma does not use them either'}`);
  }
  if (!PROXY_TYPE_KINDS.has(ref.kind)) ignored(r, path, 'proxyTypes', `Kuma applies proxyTypes only with kind Mesh or MeshSubset, not with kind ${ref.kind}`);
}

/** A `to[]` entry names destinations: registry services, by name (and namespace, sectionName). */
function warnIgnoredTo(r: FieldReader, path: FieldPath, ref: TargetRef): void {
  ignored(r, path, 'mesh', MESH_WHY);
  ignored(r, path, 'proxyTypes', 'proxyTypes selects proxies, and a to[] targetRef names destinations');
  if (ref.kind === 'Mesh') {
    ignored(r, path, 'namespace', 'kind Mesh names every destination');
    ignored(r, path, 'sectionName', 'kind Mesh names every destination');
    ignored(r, path, 'labels', 'kind Mesh names every destination');
    return;
  }
  const what = ref.name ? `Ricochet names the destination by name (${ref.name})` : 'this entry names no destination Ricochet knows and configures nothing; name the Service with name (and namespace)';
  ignored(r, path, 'labels', `labels select Kuma ${ref.kind} objects, which Ricochet does not know (it reads Kubernetes Services); ${what}`);
}
