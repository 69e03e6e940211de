import type { Diagnostic } from '../lib/errors';
import type { Mesh } from '../ir/model';
import type { ProviderRevision } from '../providers/provider';
import { compileMesh } from '../sources';
import { acceptObjects, type AcceptedObjects } from './acceptance';

export interface CompileResult {
  accepted: AcceptedObjects;
  mesh: Mesh;
  /** Input, validation and cross-object findings, in that order. */
  diagnostics: Diagnostic[];
}

/** Provider output → accepted objects → IR. Pure: shared by `serve` and `translate`. */
export function compileRevision(
  rev: Pick<ProviderRevision, 'documents' | 'diagnostics' | 'unreadableFiles'>,
  previous: AcceptedObjects,
): CompileResult {
  const acceptance = acceptObjects(rev.documents, rev.unreadableFiles, previous);
  const compiled = compileMesh([...acceptance.accepted.values()]);
  return {
    accepted: acceptance.accepted,
    mesh: compiled.mesh,
    diagnostics: [...rev.diagnostics, ...acceptance.diagnostics, ...compiled.diagnostics],
  };
}
