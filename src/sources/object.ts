import type { SourceDocument } from './document';

/**
 * A source object as read from a file or the API: its identity (group, kind, namespace, name),
 * the raw document value and the document it came from (for line numbers in errors).
 * What its `spec` means is the business of the source system's folder.
 */
export interface SourceObject {
  apiVersion: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  /** The whole object as written (apiVersion, kind, metadata, spec, ...). */
  raw: Record<string, unknown>;
  document: SourceDocument;
}

/** Identity used for "same object" comparisons: `group/Kind/namespace/name`. */
export function objectKey(o: Pick<SourceObject, 'group' | 'kind' | 'namespace' | 'name'>): string {
  return `${o.group}/${o.kind}/${o.namespace}/${o.name}`;
}
