import { Codes } from '../../lib/errors';
import { lookupType } from '../../lib/protos/envoyProtos';
import type { Json, JsonObject } from '../../lib/protos/protoJson';
import { parseProtoDuration } from '../../lib/duration';
import type { DpUnsupportedField } from './model';
import { ConfigError, findField, protoNameOf, snakeToJsonName } from './normalize';

/**
 * The field-by-field walk over canonical proto3 JSON. Every config function names, per message,
 * the fields it implements; every other field present is reported as a DpUnsupportedField with
 * its path: `ignored` when Envoy would behave the same for the traffic (observability, tuning,
 * features that only act with another feature this proxy rejects anyway), `rejected` when
 * ignoring it would change what happens to requests — and then the whole config is refused.
 * Paths use Envoy's proto field names (snake_case), as Envoy's own errors and docs do.
 */
export class Findings {
  readonly fields: DpUnsupportedField[] = [];

  ignore(path: string, reason: string): void {
    this.fields.push({ path, effect: 'ignored', reason });
  }

  reject(path: string, reason: string): void {
    this.fields.push({ path, effect: 'rejected', reason });
  }

  get rejected(): DpUnsupportedField[] {
    return this.fields.filter((f) => f.effect === 'rejected');
  }

  get ignored(): DpUnsupportedField[] {
    return this.fields.filter((f) => f.effect === 'ignored');
  }

  addAll(other: readonly DpUnsupportedField[]): void {
    this.fields.push(...other);
  }
}

/** How the fields of one message are treated. Names are proto (snake_case) names. */
export interface FieldRules {
  /** Implemented (or read by the caller). */
  handled: readonly string[];
  /** No effect on traffic when left out: reported, never fatal. */
  ignored?: Readonly<Record<string, string>>;
  /** Reported as rejected: the config is refused. */
  rejected?: Readonly<Record<string, string>>;
  /** Present in the message but meaningless on their own (metadata, names of things): not reported. */
  silent?: readonly string[];
}

/** Default reason for a field nobody listed: the safe answer is to refuse it. */
const UNLISTED = 'not implemented by Ricochet\'s data plane, and ignoring it could change how requests are handled';

const checked = new WeakMap<FieldRules, Map<string, { effect: 'handled' | 'silent' | 'ignored' | 'rejected'; reason?: string }>>();

function rulesIndex(typeName: string, rules: FieldRules): Map<string, { effect: 'handled' | 'silent' | 'ignored' | 'rejected'; reason?: string }> {
  let index = checked.get(rules);
  if (index) return index;
  index = new Map();
  const type = lookupType(typeName);
  const add = (name: string, effect: 'handled' | 'silent' | 'ignored' | 'rejected', reason?: string): void => {
    const field = findField(type, name);
    // A rule naming a field the schema doesn't have is a bug in these tables: fail loudly.
    if (!field) throw new Error(`field rules for ${typeName} name unknown field "${name}"`);
    index?.set(snakeToJsonName(protoNameOf(field)), { effect, reason });
  };
  for (const n of rules.handled) add(n, 'handled');
  for (const n of rules.silent ?? []) add(n, 'silent');
  for (const [n, r] of Object.entries(rules.ignored ?? {})) add(n, 'ignored', r);
  for (const [n, r] of Object.entries(rules.rejected ?? {})) add(n, 'rejected', r);
  checked.set(rules, index);
  return index;
}

/** Reports every field of `obj` (a canonical message of `typeName`) that `rules` doesn't handle. */
export function checkFields(obj: JsonObject, typeName: string, path: string, rules: FieldRules, f: Findings): void {
  const index = rulesIndex(typeName, rules);
  const type = lookupType(typeName);
  for (const key of Object.keys(obj)) {
    if (key === '@type') continue;
    const rule = index.get(key);
    const field = findField(type, key);
    const fpath = at(path, field ? protoNameOf(field) : key);
    if (!rule) f.reject(fpath, UNLISTED);
    else if (rule.effect === 'ignored') f.ignore(fpath, rule.reason ?? '');
    else if (rule.effect === 'rejected') f.reject(fpath, rule.reason ?? UNLISTED);
  }
}

/** Reports every field present in `obj` (but `skip`, JSON names) as ignored with one reason (a tuning block, say). */
export function ignoreAll(obj: JsonObject | undefined, typeName: string, path: string, reason: string, f: Findings, skip: readonly string[] = []): void {
  if (!obj) return;
  const type = lookupType(typeName);
  for (const key of Object.keys(obj)) {
    if (key === '@type' || skip.includes(key)) continue;
    const field = findField(type, key);
    f.ignore(at(path, field ? protoNameOf(field) : key), reason);
  }
}

export function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

export function mapKey(path: string, key: string): string {
  return `${path}["${key}"]`;
}

// ---- typed reads of canonical proto3 JSON --------------------------------------------------------

export function obj(v: Json | undefined): JsonObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

export function objs(v: Json | undefined): JsonObject[] {
  return Array.isArray(v) ? v.filter((x): x is JsonObject => x !== null && typeof x === 'object' && !Array.isArray(x)) : [];
}

export function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function strs(v: Json | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function num(v: Json | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

export function bool(v: Json | undefined): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** A canonical Duration (`"1.5s"`) in milliseconds. */
export function durationMs(v: Json | undefined): number | undefined {
  return typeof v === 'string' ? parseProtoDuration(v) : undefined;
}

/** The `@type` of an Any, without the `type.googleapis.com/` prefix. */
export function anyType(v: Json | undefined): string | undefined {
  const o = obj(v);
  const t = o ? o['@type'] : undefined;
  if (typeof t !== 'string') return undefined;
  return t.slice(t.lastIndexOf('/') + 1);
}

/** An Any's body without `@type`. */
export function anyBody(v: Json | undefined): JsonObject {
  const { ['@type']: _t, ...rest } = obj(v) ?? {};
  return rest;
}

/** An invalid value Envoy's validation would refuse: a coded error naming the path. */
export function invalid(path: string, message: string): never {
  throw new ConfigError(message, path);
}

/** The error thrown when a config has rejected fields: every one, by path, with the reason. */
export class UnsupportedConfigError extends ConfigError {
  constructor(readonly what: string, readonly unsupported: DpUnsupportedField[]) {
    const rejected = unsupported.filter((u) => u.effect === 'rejected');
    super(
      `${what} rejected: ${rejected.length} field${rejected.length === 1 ? '' : 's'} that Ricochet's data plane does not implement would change behaviour if ignored: `
        + rejected.map((r) => `${r.path} (${r.reason})`).join('; '),
      '',
      undefined,
      Codes.UnsupportedField,
    );
    this.name = 'UnsupportedConfigError';
  }
}

/** Throws UnsupportedConfigError when anything was rejected. */
export function throwIfRejected(what: string, f: Findings): void {
  if (f.rejected.length > 0) throw new UnsupportedConfigError(what, f.fields);
}
