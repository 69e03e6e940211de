import { Codes, type Code, type Diagnostic, type Severity } from '../lib/errors';
import { formatPath, type FieldPath } from './document';
import type { SourceObject } from './object';

/** A plain YAML mapping as read from a document. */
export type YamlMap = Record<string, unknown>;

/** What a mapping may contain, for `FieldReader.checkFields`. */
export interface FieldPolicy {
  /** Fields this system reads and honours. */
  supported: readonly string[];
  /** Fields the anchor system knows but Ricochet does not honour yet: field → what happens instead. */
  notYet?: Readonly<Record<string, string>>;
  /** Targeted hints for fields users commonly put in the wrong place: field → hint. */
  misplaced?: Readonly<Record<string, string>>;
}

/** Describes a value for an error message: `"3" (a string)`, `3.5 (a number)`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `${JSON.stringify(value)} (a string)`;
  return `${String(value)} (a ${typeof value})`;
}

export function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Typed, diagnosing access to one source object's fields. Every reader takes a field path from
 * the document root, returns `undefined` when the field is absent (YAML `null` counts as absent,
 * as it does for a protobuf message), and records a coded diagnostic with the field's line when
 * the value has the wrong type. Validation and compilation read through the same reader, so
 * they can never disagree about what a field means.
 */
export class FieldReader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly object: SourceObject) {}

  /** The raw value at `path`, or undefined. */
  at(path: FieldPath): unknown {
    let cur: unknown = this.object.raw;
    for (const key of path) {
      if (typeof key === 'number') cur = Array.isArray(cur) ? cur[key] : undefined;
      else cur = isMap(cur) ? cur[key] : undefined;
      if (cur === undefined || cur === null) return undefined;
    }
    return cur;
  }

  has(path: FieldPath): boolean {
    return this.at(path) !== undefined;
  }

  report(severity: Severity, code: Code, path: FieldPath, message: string): void {
    const { kind, namespace, name, document } = this.object;
    this.diagnostics.push({ severity, code, message, object: { kind, namespace, name }, location: document.locate(path) });
  }

  error(path: FieldPath, message: string, code: Code = Codes.SchemaValidation): void {
    this.report('Error', code, path, message);
  }

  warn(path: FieldPath, message: string, code: Code = Codes.UnsupportedField): void {
    this.report('Warning', code, path, message);
  }

  private missing(path: FieldPath): void {
    this.error(path, `${formatPath(path.slice(-1))} is required`, Codes.MissingField);
  }

  private wrongType(path: FieldPath, expected: string, value: unknown, hint = ''): void {
    this.error(path, `must be ${expected}, got ${describeValue(value)}${hint}`);
  }

  string(path: FieldPath, opts: { required?: boolean } = {}): string | undefined {
    const value = this.at(path);
    if (value === undefined) {
      if (opts.required) this.missing(path);
      return undefined;
    }
    if (typeof value === 'string') return value;
    // A bare YAML number where a string is expected is the usual slip (`retryOn: 503`).
    const hint = typeof value === 'number' ? `; quote it: "${value}"` : '';
    this.wrongType(path, 'a string', value, hint);
    return undefined;
  }

  /** An integer in [min, max] (defaults: the int32/uint32 span a protobuf field can hold). */
  integer(path: FieldPath, opts: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const value = this.at(path);
    if (value === undefined) {
      if (opts.required) this.missing(path);
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      const hint = typeof value === 'string' && /^-?\d+$/.test(value) ? `; write it unquoted: ${value}` : '';
      this.wrongType(path, 'an integer', value, hint);
      return undefined;
    }
    const min = opts.min ?? -2_147_483_648;
    const max = opts.max ?? 4_294_967_295;
    if (value < min || value > max) {
      this.error(path, `${value} is out of range; accepted: ${min}..${max}`);
      return undefined;
    }
    return value;
  }

  boolean(path: FieldPath): boolean | undefined {
    const value = this.at(path);
    if (value === undefined) return undefined;
    if (typeof value === 'boolean') return value;
    this.wrongType(path, 'true or false', value);
    return undefined;
  }

  mapping(path: FieldPath, opts: { required?: boolean } = {}): YamlMap | undefined {
    const value = this.at(path);
    if (value === undefined) {
      if (opts.required) this.missing(path);
      return undefined;
    }
    if (isMap(value)) return value;
    this.wrongType(path, 'a mapping', value);
    return undefined;
  }

  list(path: FieldPath, opts: { required?: boolean } = {}): unknown[] | undefined {
    const value = this.at(path);
    if (value === undefined) {
      if (opts.required) this.missing(path);
      return undefined;
    }
    if (Array.isArray(value)) return value;
    this.wrongType(path, 'a list', value);
    return undefined;
  }

  /** A list of strings; wrong entries are reported and left out. */
  stringList(path: FieldPath): string[] {
    const items = this.list(path) ?? [];
    const out: string[] = [];
    items.forEach((_, i) => {
      const s = this.string([...path, i], { required: true });
      if (s !== undefined) out.push(s);
    });
    return out;
  }

  /** A string → string mapping (labels); wrong entries are reported and left out. */
  stringMap(path: FieldPath): Record<string, string> {
    const map = this.mapping(path) ?? {};
    const out: Record<string, string> = {};
    for (const key of Object.keys(map)) {
      const s = this.string([...path, key], { required: true });
      if (s !== undefined) out[key] = s;
    }
    return out;
  }

  /** Warns about every field of the mapping at `path` that this system does not honour. */
  checkFields(path: FieldPath, policy: FieldPolicy): void {
    const map = this.at(path);
    if (!isMap(map)) return;
    for (const key of Object.keys(map)) {
      if (policy.supported.includes(key)) continue;
      const where = [...path, key];
      const misplaced = policy.misplaced?.[key];
      const notYet = policy.notYet?.[key];
      if (misplaced) this.warn(where, misplaced);
      else if (notYet) this.warn(where, `${key} is not supported by Ricochet yet; ${notYet}`);
      else this.warn(where, `unknown field ${JSON.stringify(key)} is ignored; accepted here: ${[...policy.supported, ...Object.keys(policy.notYet ?? {})].join(', ')}`);
    }
  }
}
