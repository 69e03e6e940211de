import * as protobuf from 'protobufjs';
import { Codes, RicochetError } from '../../lib/errors';
import { envoyProtos, lookupType, typeNameFromUrl } from '../../lib/protos/envoyProtos';
import { formatProtoDuration, parseProtoDuration } from '../../lib/duration';
import type { Json, JsonObject } from '../../lib/protos/protoJson';

/**
 * Envoy config as users write it → canonical proto3 JSON (what `decodeJson` of the same message's
 * bytes gives, and what xDS resources look like once decoded), driven by the reflected Envoy schema.
 *
 * Envoy accepts both proto field names (`connect_timeout`, as in YAML bootstraps) and JSON names
 * (`connectTimeout`); so does this. Unknown fields, wrong types, two members of one oneof and bad
 * enum values are errors naming the path, as Envoy rejects them. Map keys and the contents of
 * `google.protobuf.Struct`/`Value` are never converted. Scalars at their proto3 default are dropped
 * (as decoding from bytes drops them), durations get their canonical spelling, int64 become strings.
 *
 * An `Any` whose type is not among Ricochet's compiled Envoy protos is kept as written (opaque):
 * the config walkers then reject or ignore it by its `@type`, with a reason, instead of failing
 * with "unknown type".
 */

export interface NormalizeOptions {
  /** Path prefix for error messages, e.g. `static_resources.clusters[0]`. */
  path?: string;
  /** The file the config came from, for error locations. */
  file?: string;
}

export class ConfigError extends RicochetError {
  constructor(message: string, readonly configPath: string, file?: string, code: (typeof Codes)[keyof typeof Codes] = Codes.SchemaValidation) {
    super(code, configPath ? `${configPath}: ${message}` : message, { path: configPath, ...(file ? { file } : {}) });
    this.name = 'ConfigError';
  }
}

const WRAPPERS = new Set([
  'google.protobuf.DoubleValue', 'google.protobuf.FloatValue', 'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value', 'google.protobuf.Int32Value', 'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue', 'google.protobuf.StringValue', 'google.protobuf.BytesValue',
]);
const WELL_KNOWN_SCALAR = new Set([
  ...WRAPPERS, 'google.protobuf.Duration', 'google.protobuf.Timestamp', 'google.protobuf.Struct',
  'google.protobuf.Value', 'google.protobuf.ListValue', 'google.protobuf.FieldMask',
]);

/** Normalises `json` as message `typeName` (full proto name) into canonical proto3 JSON. */
export function normalizeMessage(typeName: string, json: unknown, opts: NormalizeOptions = {}): JsonObject {
  ensureExtraTypes();
  const type = lookupType(typeName);
  const out = canon(type, json, opts.path ?? '', opts.file);
  if (out === null || typeof out !== 'object' || Array.isArray(out)) {
    throw new ConfigError(`expected an object for ${typeName}`, opts.path ?? '', opts.file);
  }
  return out as JsonObject;
}

/** True when `typeUrl` (or full name) names a message Ricochet's compiled protos know. */
export function isKnownType(typeUrlOrName: string): boolean {
  ensureExtraTypes();
  try {
    lookupType(typeNameFromUrl(typeUrlOrName));
    return true;
  } catch {
    return false;
  }
}

/** Field name rules: protobufjs keeps lowerCamel names (`acceptHttp_10`); JSON names follow protoc (`acceptHttp10`). */
export function jsonNameOf(field: protobuf.Field): string {
  return field.name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The proto (snake_case) name of a field: `acceptHttp_10` → `accept_http_10`. */
export function protoNameOf(field: protobuf.Field): string {
  return field.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** snake_case (or JSON name) → JSON name, as protoc derives it. */
export function snakeToJsonName(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

const fieldIndex = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

/** Looks a key up by protobufjs name, JSON name or proto (snake_case) name. */
export function findField(type: protobuf.Type, key: string): protobuf.Field | undefined {
  let index = fieldIndex.get(type);
  if (!index) {
    index = new Map();
    for (const f of type.fieldsArray) {
      index.set(f.name, f);
      index.set(jsonNameOf(f), f);
      index.set(protoNameOf(f), f);
    }
    fieldIndex.set(type, index);
  }
  return index.get(key);
}

function fullName(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, '');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function canon(type: protobuf.Type, json: unknown, path: string, file: string | undefined): Json {
  const fail = (message: string, at = path): never => {
    throw new ConfigError(message, at, file);
  };
  const name = fullName(type);
  switch (name) {
    case 'google.protobuf.Any':
      return canonAny(json, path, file);
    case 'google.protobuf.Duration': {
      if (typeof json !== 'string') return fail(`a Duration must be a string like "1s" or "0.25s", got ${describe(json)}`);
      const ms = parseProtoDuration(json.trim());
      if (ms === undefined) return fail(`invalid Duration ${JSON.stringify(json)}: write seconds with an "s" suffix, e.g. "1s", "0.25s"`);
      return formatProtoDuration(ms);
    }
    case 'google.protobuf.Timestamp': {
      const ms = typeof json === 'string' ? Date.parse(json) : NaN;
      if (Number.isNaN(ms)) return fail(`invalid Timestamp ${JSON.stringify(json)} (RFC 3339 expected)`);
      return new Date(ms).toISOString();
    }
    case 'google.protobuf.Struct':
      if (json === null || typeof json !== 'object' || Array.isArray(json)) return fail(`a Struct must be an object, got ${describe(json)}`);
      return structuredClone(json) as Json;
    case 'google.protobuf.Value':
      return structuredClone(json ?? null) as Json;
    case 'google.protobuf.ListValue':
      if (!Array.isArray(json)) return fail(`a ListValue must be a list, got ${describe(json)}`);
      return structuredClone(json) as Json;
    case 'google.protobuf.FieldMask':
      if (typeof json !== 'string') return fail(`a FieldMask must be a string, got ${describe(json)}`);
      return json;
    default:
      break;
  }
  if (WRAPPERS.has(name)) return scalar(type.fields.value, json, path, file);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return fail(`expected an object (${name}), got ${describe(json)}`);
  }
  const given = new Map<protobuf.Field, { key: string; value: unknown }>();
  const oneofs = new Map<string, string>();
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const field = findField(type, key);
    if (!field) return fail(unknownFieldMessage(type, key), join(path, key));
    if (given.has(field)) return fail(`field given twice (as "${given.get(field)?.key}" and "${key}")`, join(path, key));
    if (value === null || value === undefined) continue;
    if (field.partOf && !isSyntheticOneof(field.partOf)) {
      const other = oneofs.get(field.partOf.name);
      if (other !== undefined) {
        return fail(`only one of ${field.partOf.oneof.map((n) => snake(n)).join(', ')} may be set; "${other}" is already set`, join(path, key));
      }
      oneofs.set(field.partOf.name, key);
    }
    given.set(field, { key, value });
  }
  const out: JsonObject = {};
  // Declaration order, as decoding from bytes produces it.
  for (const field of type.fieldsArray) {
    const g = given.get(field);
    if (!g) continue;
    field.resolve();
    const fpath = join(path, g.key);
    const outKey = jsonNameOf(field);
    if (field.map) {
      if (g.value === null || typeof g.value !== 'object' || Array.isArray(g.value)) fail(`expected a map (object), got ${describe(g.value)}`, fpath);
      const entries = Object.entries(g.value as Record<string, unknown>);
      if (entries.length === 0) continue;
      const m: JsonObject = {};
      for (const [k, v] of entries) m[k] = fieldValue(field, v, `${fpath}["${k}"]`, file);
      out[outKey] = m;
    } else if (field.repeated) {
      if (!Array.isArray(g.value)) fail(`expected a list, got ${describe(g.value)}`, fpath);
      const list = g.value as unknown[];
      if (list.length === 0) continue;
      out[outKey] = list.map((v, i) => fieldValue(field, v, `${fpath}[${i}]`, file));
    } else {
      const v = fieldValue(field, g.value, fpath, file);
      // Proto3 drops singular scalars at their default unless they sit in a oneof (or are `optional`).
      if (!field.partOf && isDefaultFor(field, v)) continue;
      out[outKey] = v;
    }
  }
  return out;
}

function isSyntheticOneof(oneof: protobuf.OneOf): boolean {
  // proto3 `optional` fields live in a one-member oneof named `_<field>`.
  return oneof.oneof.length === 1 && oneof.name.startsWith('_');
}

function snake(protobufjsName: string): string {
  return protobufjsName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function isDefaultFor(field: protobuf.Field, v: Json): boolean {
  if (field.resolvedType instanceof protobuf.Type) return false;
  if (field.resolvedType instanceof protobuf.Enum) return v === 0 || (typeof v === 'string' && field.resolvedType.values[v] === 0);
  switch (field.type) {
    case 'string': case 'bytes': return v === '';
    case 'bool': return v === false;
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64': return v === '0';
    default: return v === 0;
  }
}

function unknownFieldMessage(type: protobuf.Type, key: string): string {
  const names = type.fieldsArray.map(protoNameOf);
  const wanted = snake(key).toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const n of names) {
    const d = editDistance(wanted, n);
    if (d < bestDistance) {
      bestDistance = d;
      best = n;
    }
  }
  const hint = best !== undefined && bestDistance <= Math.max(2, Math.floor(wanted.length / 4)) ? `; did you mean "${best}"?` : '';
  return `unknown field "${key}" of ${fullName(type)}${hint}`;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

function fieldValue(field: protobuf.Field, value: unknown, path: string, file: string | undefined): Json {
  if (field.resolvedType instanceof protobuf.Type) return canon(field.resolvedType, value, path, file);
  if (field.resolvedType instanceof protobuf.Enum) {
    const e = field.resolvedType;
    if (typeof value === 'number' && Number.isInteger(value)) return e.valuesById[value] ?? value;
    if (typeof value === 'string' && value in e.values) return value;
    throw new ConfigError(`unknown enum value ${JSON.stringify(value)} of ${fullName(e)}; accepted: ${Object.keys(e.values).join(', ')}`, path, file);
  }
  return scalar(field, value, path, file);
}

const INT_RANGES: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647], sint32: [-2147483648, 2147483647], sfixed32: [-2147483648, 2147483647],
  uint32: [0, 4294967295], fixed32: [0, 4294967295],
};

function scalar(field: protobuf.Field, value: unknown, path: string, file: string | undefined): Json {
  const fail = (message: string): never => {
    throw new ConfigError(message, path, file);
  };
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') return fail(`expected a string, got ${describe(value)}`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') return fail(`expected true or false, got ${describe(value)}`);
      return value;
    case 'bytes':
      if (typeof value !== 'string') return fail(`expected base64 bytes (a string), got ${describe(value)}`);
      return Buffer.from(value, 'base64').toString('base64');
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64': {
      const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : typeof value === 'string' ? value.trim() : undefined;
      if (text === undefined || !/^-?\d+$/.test(text)) return fail(`expected an integer, got ${describe(value)}`);
      const big = BigInt(text);
      if (field.type.startsWith('u') || field.type === 'fixed64') {
        if (big < 0n) fail(`expected a non-negative integer, got ${text}`);
      }
      return big.toString();
    }
    case 'double': case 'float': {
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
      return fail(`expected a number, got ${describe(value)}`);
    }
    default: {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isInteger(n)) return fail(`expected an integer, got ${describe(value)}`);
      const range = INT_RANGES[field.type];
      if (range && (n < range[0] || n > range[1])) fail(`${n} is out of range for ${field.type} (${range[0]}..${range[1]})`);
      return n;
    }
  }
}

function canonAny(json: unknown, path: string, file: string | undefined): Json {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError(`an Any must be an object with "@type", got ${describe(json)}`, path, file);
  }
  const obj = json as Record<string, unknown>;
  const typeUrl = obj['@type'];
  if (typeof typeUrl !== 'string' || typeUrl === '') throw new ConfigError('an Any needs "@type" (e.g. "type.googleapis.com/envoy...")', path, file);
  let inner: protobuf.Type;
  try {
    inner = lookupType(typeNameFromUrl(typeUrl));
  } catch {
    // Not compiled into Ricochet's protos: kept as written; the config walkers decide (see header).
    return structuredClone(obj) as Json;
  }
  const innerName = fullName(inner);
  if (WELL_KNOWN_SCALAR.has(innerName)) {
    return { '@type': typeUrl, value: canon(inner, obj.value, join(path, 'value'), file) };
  }
  const { ['@type']: _t, ...rest } = obj;
  const body = canon(inner, rest, path, file) as JsonObject;
  return { '@type': typeUrl, ...body };
}

/**
 * Canonical proto3 JSON (lowerCamel keys) → the same with proto field names (snake_case), the way
 * Envoy's admin endpoints print messages. Map keys, Struct contents and opaque Anys are untouched.
 */
export function toProtoFieldNames(typeName: string, json: JsonObject): JsonObject {
  ensureExtraTypes();
  return renameKeys(lookupType(typeName), json) as JsonObject;
}

function renameKeys(type: protobuf.Type, json: Json): Json {
  const name = fullName(type);
  if (name === 'google.protobuf.Any') {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return json;
    const typeUrl = json['@type'];
    if (typeof typeUrl !== 'string') return json;
    let inner: protobuf.Type;
    try {
      inner = lookupType(typeNameFromUrl(typeUrl));
    } catch {
      return json;
    }
    if (WELL_KNOWN_SCALAR.has(fullName(inner))) return json;
    const { ['@type']: _t, ...rest } = json;
    return { '@type': typeUrl, ...(renameKeys(inner, rest) as JsonObject) };
  }
  if (WELL_KNOWN_SCALAR.has(name) || json === null || typeof json !== 'object' || Array.isArray(json)) return json;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(json)) {
    const field = findField(type, key);
    if (!field) {
      out[key] = value;
      continue;
    }
    field.resolve();
    const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    let v: Json = value;
    if (sub) {
      if (field.map && value && typeof value === 'object' && !Array.isArray(value)) {
        v = Object.fromEntries(Object.entries(value).map(([k, x]) => [k, renameKeys(sub, x)]));
      } else if (Array.isArray(value)) {
        v = value.map((x) => renameKeys(sub, x));
      } else {
        v = renameKeys(sub, value);
      }
    }
    out[protoNameOf(field)] = v;
  }
  return out;
}

let extraTypesRegistered = false;

/**
 * Envoy messages the data plane reads that `src/lib/protos/roots.json` does not compile yet,
 * declared here by their published field numbers so encode/decode/normalise all know them.
 * (The proper home is roots.json — `envoy/extensions/access_loggers/file/v3/file.proto`; once it
 * is listed there, this becomes a no-op because the type already exists.)
 */
export function ensureExtraTypes(): void {
  if (extraTypesRegistered) return;
  extraTypesRegistered = true;
  const root = envoyProtos();
  try {
    root.lookupType('envoy.extensions.access_loggers.file.v3.FileAccessLog');
    return;
  } catch {
    // not compiled: declare it below
  }
  const ns = root.define('envoy.extensions.access_loggers.file.v3');
  const t = new protobuf.Type('FileAccessLog');
  t.add(new protobuf.Field('path', 1, 'string'));
  t.add(new protobuf.Field('format', 2, 'string'));
  t.add(new protobuf.Field('jsonFormat', 3, '.google.protobuf.Struct'));
  t.add(new protobuf.Field('typedJsonFormat', 4, '.google.protobuf.Struct'));
  t.add(new protobuf.Field('logFormat', 5, '.envoy.config.core.v3.SubstitutionFormatString'));
  t.add(new protobuf.OneOf('accessLogFormat', ['format', 'jsonFormat', 'typedJsonFormat', 'logFormat']));
  ns.add(t);
  t.resolveAll();
}
