/**
 * New-style policy targetRefs (`spec.targetRef`, `spec.to[].targetRef`) with the rules of Kuma's
 * ValidateTargetRef (kumahq/kuma v2.14.3 pkg/core/resources/apis/mesh/validators; spec
 * sources-kuma-fsm.md §1.2.2). An absent top-level targetRef means `kind: Mesh`.
 */
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';

export interface TargetRef {
  kind: string;
  name?: string;
  namespace?: string;
  sectionName?: string;
  tags?: Record<string, string>;
  labels?: Record<string, string>;
}

const FIELDS = ['kind', 'name', 'namespace', 'sectionName', 'tags', 'labels', 'mesh', 'proxyTypes'] as const;
const NEEDS_NAME = new Set(['MeshService', 'MeshHTTPRoute', 'MeshServiceSubset', 'MeshGateway', 'MeshExternalService', 'MeshMultiZoneService']);
const NO_TAGS = new Set(['Mesh', 'MeshService', 'MeshHTTPRoute', 'MeshExternalService', 'MeshMultiZoneService']);

/** Reads a targetRef at `path`; `supported` kinds are enforced with Kuma's message. */
export function readTargetRef(r: FieldReader, path: FieldPath, supported: readonly string[]): TargetRef | undefined {
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
  checkKindFields(r, path, ref);
  return ref;
}

function checkKindFields(r: FieldReader, path: FieldPath, ref: TargetRef): void {
  const { kind } = ref;
  if (kind === 'Mesh' && ref.name) r.error([...path, 'name'], `using name with kind ${kind} is not yet supported`);
  if (kind === 'MeshSubset' && ref.name) r.error([...path, 'name'], `cannot be set with kind ${kind}`);
  if (NEEDS_NAME.has(kind) && !ref.name) r.error([...path, 'name'], `must be set with kind ${kind}`);
  if (NO_TAGS.has(kind) && ref.tags && Object.keys(ref.tags).length > 0) r.error([...path, 'tags'], `cannot be set with kind ${kind}`);
  for (const [key, value] of Object.entries(ref.tags ?? {})) {
    if (key === '') r.error([...path, 'tags'], 'tag name must be non-empty');
    if (value === '') r.error([...path, 'tags', key], 'tag value must be non-empty');
  }
}
