/**
 * Kuma's two ways of writing the same object (spec/sources-kuma-fsm.md §1.1): the Kubernetes
 * dialect (`apiVersion`, `kind`, `metadata`; a legacy Retry keeps its fields under `spec` and its
 * mesh at the top) and the universal dialect of `kumactl apply` (`type`, `name`, `mesh`, and a
 * legacy Retry's `sources`/`destinations`/`conf` at the top). header.ts already reads both headers.
 */
import type { FieldPath } from '../document';
import { isMap } from '../fields';
import type { SourceObject } from '../object';
import { DEFAULT_MESH, MESH_LABEL } from './kinds';

/** Universal objects have `type` and no apiVersion (the rule header.ts applies). */
export function isUniversal(object: SourceObject): boolean {
  return object.raw.apiVersion === undefined && object.raw.type !== undefined;
}

/** Where a legacy policy's fields live: under `spec` on Kubernetes, at the top in universal. */
export function legacyRoot(object: SourceObject): FieldPath {
  return isUniversal(object) ? [] : ['spec'];
}

/** `metadata.labels` (Kubernetes) or the top-level `labels` (universal), string values only. */
export function labelsOf(object: SourceObject): Record<string, string> {
  const metadata = object.raw.metadata;
  const raw = isUniversal(object) ? object.raw.labels : isMap(metadata) ? metadata.labels : undefined;
  const out: Record<string, string> = {};
  if (isMap(raw)) for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Whether the top-level `mesh` is a field of the object: universal objects and the Kubernetes legacy Retry. */
export function hasTopLevelMesh(object: SourceObject): boolean {
  return isUniversal(object) || object.kind === 'Retry';
}

/**
 * The mesh an object belongs to: the top-level `mesh` (universal, and a legacy Retry on
 * Kubernetes), else the `kuma.io/mesh` label, else `default`. A MeshRetry on Kubernetes has only
 * the label: its CRD has no top-level `mesh` (spec §1.2), so a stray one is not read (and is
 * warned about by the MeshRetry validation).
 */
export function meshOf(object: SourceObject): string {
  const top = object.raw.mesh;
  if (hasTopLevelMesh(object) && typeof top === 'string' && top !== '') return top;
  return labelsOf(object)[MESH_LABEL] || DEFAULT_MESH;
}

/**
 * When the object was created: Kubernetes `metadata.creationTimestamp` or universal
 * `creationTime`, as written; undefined when neither is set.
 */
export function createdOf(object: SourceObject): string | undefined {
  const metadata = object.raw.metadata;
  const value = isUniversal(object) ? object.raw.creationTime : isMap(metadata) ? metadata.creationTimestamp : undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  return undefined;
}
