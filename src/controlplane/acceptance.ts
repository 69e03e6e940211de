import { Codes, type Diagnostic } from '../lib/errors';
import type { SourceDocument } from '../sources/document';
import { objectKey, type SourceObject } from '../sources/object';
import { readObjects, validateObject } from '../sources';

/** Objects accepted so far, by identity; the memory that lets a bad edit keep the last good version. */
export type AcceptedObjects = ReadonlyMap<string, SourceObject>;

export interface AcceptanceResult {
  accepted: AcceptedObjects;
  diagnostics: Diagnostic[];
}

/**
 * Decides which objects are served. A valid object replaces its previous version. An invalid one
 * is rejected with its errors; if an earlier version of the same object from the same file was
 * accepted, that version keeps being served (as Envoy keeps its last good config on a NACK).
 * Objects from a file that could not be read or parsed this time are kept as they were.
 */
export function acceptObjects(
  documents: SourceDocument[],
  unreadableFiles: ReadonlySet<string>,
  previous: AcceptedObjects,
): AcceptanceResult {
  const { objects, diagnostics } = readObjects(documents);
  const accepted = new Map<string, SourceObject>();
  for (const object of objects) {
    const key = objectKey(object);
    const first = accepted.get(key);
    if (first && first.document.file !== object.document.file) {
      diagnostics.push(duplicateDiagnostic(object, first));
      continue;
    }
    const problems = validateObject(object);
    diagnostics.push(...problems);
    if (!problems.some((d) => d.severity === 'Error')) {
      accepted.set(key, object);
      continue;
    }
    const last = previous.get(key);
    if (last && last.document.file === object.document.file && !accepted.has(key)) {
      accepted.set(key, last);
      diagnostics.push(keptDiagnostic(object));
    }
  }
  for (const [key, last] of previous) {
    if (!accepted.has(key) && unreadableFiles.has(last.document.file)) {
      accepted.set(key, last);
      diagnostics.push(keptDiagnostic(last));
    }
  }
  return { accepted, diagnostics };
}

function ref(o: SourceObject): Diagnostic['object'] {
  return { kind: o.kind, namespace: o.namespace, name: o.name };
}

function keptDiagnostic(o: SourceObject): Diagnostic {
  return {
    severity: 'Warning',
    code: Codes.KeptLastGood,
    object: ref(o),
    message: 'the new version is invalid; the last valid version keeps being served',
    location: { file: o.document.file, document: o.document.index },
  };
}

function duplicateDiagnostic(o: SourceObject, first: SourceObject): Diagnostic {
  return {
    severity: 'Error',
    code: Codes.DuplicateObject,
    object: ref(o),
    message: `already defined in ${first.document.file} (document ${first.document.index + 1}); this copy is ignored`,
    location: o.document.locate(['metadata', 'name']),
  };
}
