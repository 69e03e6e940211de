/**
 * Compiles the object set a write would produce, before the write (issue 5: `?dryRun=All`
 * "validates and compiles without storing"). Every write goes through it, dry or not: the
 * cross-object findings about the written objects (a route to an unknown host, a policy that
 * loses to another) come back as `Warning:` headers, and nothing that would break the control
 * plane's compile ever reaches the store.
 */
import { compileRevision } from '../../controlplane/compile';
import type { ControlPlane } from '../../controlplane/controlPlane';
import type { Diagnostic } from '../../lib/errors';
import type { SourceDocument } from '../../sources/document';
import { readHeader } from '../../sources/header';
import { objectKey, type SourceObject } from '../../sources/object';
import { storeDocument } from '../../providers/store';
import type { ObjectKey, ObjectStore } from '../../store/types';
import { internalError } from './status';

export interface Change {
  key: ObjectKey;
  /** The new version; absent for a delete. */
  source?: SourceObject;
}

/** Identity of a finding, to leave out what validation already reported. */
function findingKey(d: Diagnostic): string {
  return `${d.code}\u0000${d.location?.path ?? ''}\u0000${d.message}\u0000${d.object?.kind}/${d.object?.namespace}/${d.object?.name}`;
}

/**
 * The objects a write lands among: the served file objects, and the store's objects as committed
 * now. Not the control plane's last compiled revision for API objects: it trails the store by a
 * debounce, and `kubectl apply -f DIR` sends its objects back to back, so the Service committed a
 * moment ago must already count when its Endpoints arrive.
 */
function currentDocuments(controlPlane: ControlPlane, store: ObjectStore | undefined, changed: ReadonlySet<string>): SourceDocument[] {
  const fromFiles = [...controlPlane.acceptedObjects.values()].filter((o) => !store || !o.document.file.startsWith('api:'));
  const served = new Set(fromFiles.map((o) => objectKey(o)));
  const documents = fromFiles.filter((o) => !changed.has(objectKey(o))).map((o) => o.document);
  for (const stored of store?.all() ?? []) {
    const document = storeDocument(stored);
    const { object } = readHeader(document);
    // A file's copy wins over the store's (CompositeProvider's priority order).
    if (object && !served.has(objectKey(object)) && !changed.has(objectKey(object))) documents.push(document);
  }
  return documents;
}

/** Warnings the compile of the would-be object set has about the changed objects, minus `known` (validation's own). */
export function compileWithChanges(controlPlane: ControlPlane, store: ObjectStore | undefined, changes: readonly Change[], known: readonly Diagnostic[] = []): Diagnostic[] {
  const changed = new Set(changes.map((c) => objectKey(c.key)));
  const documents = currentDocuments(controlPlane, store, changed);
  for (const c of changes) if (c.source) documents.push(c.source.document);
  let diagnostics: Diagnostic[];
  try {
    diagnostics = compileRevision({ documents, diagnostics: [], unreadableFiles: new Set() }, new Map(), controlPlane.compileOptions).diagnostics;
  } catch (err) {
    throw internalError(`compiling the would-be configuration failed: ${(err as Error).message}`);
  }
  const about = new Set(changes.filter((c) => c.source).map((c) => `${c.key.kind}/${c.key.namespace}/${c.key.name}`));
  const reported = new Set(known.map(findingKey));
  return diagnostics.filter((d) => d.severity === 'Warning' && d.object && about.has(`${d.object.kind}/${d.object.namespace}/${d.object.name}`) && !reported.has(findingKey(d)));
}
