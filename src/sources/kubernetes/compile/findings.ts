import type { Code, Diagnostic, Severity } from '../../../lib/errors';
import type { FieldPath } from '../../document';
import type { SourceObject } from '../../object';

/** Cross-object findings of the registry stage, each about one field of one object. */
export class Findings {
  readonly diagnostics: Diagnostic[] = [];

  add(severity: Severity, object: SourceObject, code: Code, path: FieldPath, message: string): void {
    const { kind, namespace, name, document } = object;
    this.diagnostics.push({ severity, code, message, object: { kind, namespace, name }, location: document.locate(path) });
  }

  warn(object: SourceObject, code: Code, path: FieldPath, message: string): void {
    this.add('Warning', object, code, path, message);
  }
}
