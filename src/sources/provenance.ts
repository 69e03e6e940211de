import type { Provenance } from '../ir/model';
import type { FieldPath } from './document';
import type { SourceObject } from './object';

/** Provenance of something an object's field produced, pointing at that field's line. */
export function provenanceOf(object: SourceObject, path: FieldPath = []): Provenance {
  const loc = object.document.locate(path);
  const out: Provenance = { kind: object.kind, apiVersion: object.apiVersion, namespace: object.namespace, name: object.name };
  if (loc.file !== undefined) out.file = loc.file;
  if (loc.line !== undefined) out.line = loc.line;
  const metadata = object.raw.metadata;
  const created = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>).creationTimestamp : undefined;
  if (typeof created === 'string') out.created = created;
  else if (created instanceof Date) out.created = created.toISOString();
  return out;
}

/** Orders objects by (namespace, name), the tie-break every "first one wins" rule uses. */
export function byNamespaceName(a: SourceObject, b: SourceObject): number {
  return compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
}

/** Code-unit string order, independent of the host's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
