/**
 * Status conditions in the Gateway API vocabulary (ObjectCondition), collected per object. Every
 * condition whose status is not True is also a Warning diagnostic at the field it is about, so
 * `serve` logs it and `translate` prints it with file and line.
 */
import { Codes, type Code, type Diagnostic } from '../../lib/errors';
import type { Condition, ObjectCondition } from '../../ir/model';
import type { FieldPath } from '../document';
import type { SourceObject } from '../object';

/** Reasons whose failures are about an unsupported value rather than a missing reference. */
const UNSUPPORTED_REASONS = new Set(['UnsupportedProtocol', 'InvalidKind', 'UnsupportedValue', 'InvalidRouteKinds']);

function codeFor(reason: string): Code {
  if (reason === 'Conflicted') return Codes.ConflictingPolicies;
  if (UNSUPPORTED_REASONS.has(reason)) return Codes.UnsupportedField;
  return Codes.ReferencedResourceNotFound;
}

export class StatusCollector {
  readonly conditions: ObjectCondition[] = [];
  readonly diagnostics: Diagnostic[] = [];

  /** Records a condition on `object`; `path` is the field a failure points at. */
  set(object: SourceObject, condition: Condition, path: FieldPath = []): void {
    const { group, kind, namespace, name, document } = object;
    this.conditions.push({ object: { group, kind, namespace, name }, condition });
    if (condition.status === 'True') return;
    this.diagnostics.push({
      severity: 'Warning',
      code: codeFor(condition.reason),
      message: `${condition.type} ${condition.status} (${condition.reason}): ${condition.message}`,
      object: { kind, namespace, name },
      location: document.locate(path),
    });
  }

  ok(object: SourceObject, type: string, reason: string, message: string): void {
    this.set(object, { type, status: 'True', reason, message });
  }

  fail(object: SourceObject, type: string, reason: string, message: string, path: FieldPath = []): void {
    this.set(object, { type, status: 'False', reason, message }, path);
  }

  /**
   * One False condition for several problems (e.g. ResolvedRefs over every backendRef): the
   * condition takes the first problem's reason and lists them all; each problem is its own
   * diagnostic, with its own reason, at its own field.
   */
  failMany(object: SourceObject, type: string, reason: string, problems: ReadonlyArray<{ path: FieldPath; message: string; reason?: string }>): void {
    const { group, kind, namespace, name, document } = object;
    const message = problems.map((p) => p.message).join('; ');
    this.conditions.push({ object: { group, kind, namespace, name }, condition: { type, status: 'False', reason, message } });
    for (const p of problems) {
      this.diagnostics.push({
        severity: 'Warning',
        code: codeFor(p.reason ?? reason),
        message: `${type} False (${p.reason ?? reason}): ${p.message}`,
        object: { kind, namespace, name },
        location: document.locate(p.path),
      });
    }
  }
}
