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
import { objectKey, type SourceObject } from '../../sources/object';
import type { ObjectKey } from '../../store/types';
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

/** Warnings the compile of the would-be object set has about the changed objects, minus `known` (validation's own). */
export function compileWithChanges(controlPlane: ControlPlane, changes: readonly Change[], known: readonly Diagnostic[] = []): Diagnostic[] {
  const changed = new Set(changes.map((c) => objectKey(c.key)));
  const documents = [...controlPlane.acceptedObjects.values()].filter((o) => !changed.has(objectKey(o))).map((o) => o.document);
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
