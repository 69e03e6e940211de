import * as protobuf from 'protobufjs';
import { Codes, RicochetError } from '../errors';
import { lookupType, TYPE_PREFIX, typeNameFromUrl } from './envoyProtos';
import { formatProtoDuration, parseProtoDuration } from '../duration';

/**
 * Conversion between proto3 canonical JSON (what Envoy's /config_dump prints and what our
 * translator emits) and protobuf bytes, driven by the reflected Envoy schema.
 * protobufjs's own fromObject/toObject do not speak proto3 JSON for Duration, Struct, wrappers
 * or Any, so the walk is done here; it also rejects unknown fields, so a translator typo fails
 * loudly in tests instead of being silently dropped.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const WRAPPERS = new Set([
  'google.protobuf.DoubleValue', 'google.protobuf.FloatValue', 'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value', 'google.protobuf.Int32Value', 'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue', 'google.protobuf.StringValue', 'google.protobuf.BytesValue',
]);

function fail(path: string, message: string): never {
  throw new RicochetError(Codes.Internal, `proto JSON ${path}: ${message}`);
}

function fullName(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, '');
}

/** Encodes a proto3 JSON object as `typeName` into bytes. */
export function encodeJson(typeName: string, json: JsonObject): Uint8Array {
  const type = lookupType(typeName);
  const message = type.fromObject(toProtobufjs(type, json, typeName) as Record<string, unknown>);
  return type.encode(message).finish();
}

/** Encodes a JSON object carrying `@type` as a google.protobuf.Any message (bytes). */
export function encodeAnyJson(json: JsonObject): Uint8Array {
  const anyType = lookupType('google.protobuf.Any');
  return anyType.encode(anyType.fromObject(anyFromJson(json, '$'))).finish();
}

/** Decodes bytes of `typeName` into proto3 JSON. */
export function decodeJson(typeName: string, bytes: Uint8Array): JsonObject {
  const type = lookupType(typeName);
  return messageToJson(type, type.decode(bytes)) as JsonObject;
}

function anyFromJson(json: JsonObject, path: string): { type_url: string; value: Uint8Array } {
  const typeUrl = json['@type'];
  if (typeof typeUrl !== 'string') fail(path, 'Any without @type');
  const inner = lookupType(typeNameFromUrl(typeUrl));
  const name = fullName(inner);
  let body: Json;
  if (isWellKnownScalar(name)) body = json.value;
  else {
    const { ['@type']: _t, ...rest } = json;
    body = rest;
  }
  const message = inner.fromObject(toProtobufjs(inner, body, path) as Record<string, unknown>);
  return { type_url: typeUrl, value: inner.encode(message).finish() };
}

function isWellKnownScalar(name: string): boolean {
  return WRAPPERS.has(name) || name === 'google.protobuf.Duration' || name === 'google.protobuf.Timestamp'
    || name === 'google.protobuf.Struct' || name === 'google.protobuf.Value' || name === 'google.protobuf.ListValue';
}

/** proto3 JSON → the plain object protobufjs's fromObject accepts (field names as in the loaded root). */
function toProtobufjs(type: protobuf.Type, json: Json, path: string): Record<string, unknown> | unknown {
  const name = fullName(type);
  switch (name) {
    case 'google.protobuf.Any':
      return anyFromJson(json as JsonObject, path);
    case 'google.protobuf.Duration': {
      if (typeof json !== 'string') fail(path, `Duration must be a string like "2s", got ${JSON.stringify(json)}`);
      const ms = parseProtoDuration(json);
      if (ms === undefined) fail(path, `invalid Duration ${JSON.stringify(json)}`);
      const totalNanos = BigInt(Math.round(ms * 1_000_000));
      return { seconds: String(totalNanos / 1_000_000_000n), nanos: Number(totalNanos % 1_000_000_000n) };
    }
    case 'google.protobuf.Timestamp': {
      const ms = Date.parse(String(json));
      if (Number.isNaN(ms)) fail(path, 'invalid Timestamp');
      return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
    }
    case 'google.protobuf.Struct':
      return structFromJson(json as JsonObject);
    case 'google.protobuf.Value':
      return valueFromJson(json);
    case 'google.protobuf.ListValue':
      return { values: (json as Json[]).map(valueFromJson) };
    default:
      break;
  }
  if (WRAPPERS.has(name)) {
    const field = type.fields.value;
    return { value: scalarFromJson(field, json, `${path}.value`) };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail(path, `expected an object for ${name}`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = type.fields[key] ?? Object.values(type.fields).find((f) => jsonName(f) === key);
    if (!field) fail(`${path}.${key}`, `unknown field of ${name}`);
    if (value === null) continue;
    field.resolve();
    const fpath = `${path}.${key}`;
    if (field.map) {
      const m: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as JsonObject)) m[k] = fieldValueFromJson(field, v, `${fpath}.${k}`);
      out[field.name] = m;
    } else if (field.repeated) {
      if (!Array.isArray(value)) fail(fpath, 'expected a list');
      out[field.name] = value.map((v, i) => fieldValueFromJson(field, v, `${fpath}[${i}]`));
    } else {
      out[field.name] = fieldValueFromJson(field, value, fpath);
    }
  }
  return out;
}

function fieldValueFromJson(field: protobuf.Field, value: Json, path: string): unknown {
  if (field.resolvedType instanceof protobuf.Type) return toProtobufjs(field.resolvedType, value, path);
  if (field.resolvedType instanceof protobuf.Enum) {
    if (typeof value === 'number') return value;
    if (typeof value !== 'string' || !(value in field.resolvedType.values)) fail(path, `unknown enum value ${JSON.stringify(value)}`);
    return field.resolvedType.values[value];
  }
  return scalarFromJson(field, value, path);
}

function scalarFromJson(field: protobuf.Field, value: Json, path: string): unknown {
  switch (field.type) {
    case 'bytes':
      if (typeof value !== 'string') fail(path, 'bytes must be base64');
      return Buffer.from(value, 'base64');
    case 'bool':
      if (typeof value !== 'boolean') fail(path, 'expected a boolean');
      return value;
    case 'string':
      if (typeof value !== 'string') fail(path, 'expected a string');
      return value;
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64':
      if (typeof value !== 'string' && typeof value !== 'number') fail(path, 'expected an integer');
      return String(value);
    default:
      if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
      if (typeof value !== 'number') fail(path, `expected a number, got ${JSON.stringify(value)}`);
      return value;
  }
}

function structFromJson(json: JsonObject): unknown {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) fields[k] = valueFromJson(v);
  return { fields };
}

function valueFromJson(v: Json): unknown {
  if (v === null) return { nullValue: 0 };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(valueFromJson) } };
  return { structValue: structFromJson(v) };
}

function jsonName(field: protobuf.Field): string {
  return field.name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** protobufjs message → proto3 JSON (defaults omitted, as Envoy's config dump does). */
function messageToJson(type: protobuf.Type, message: protobuf.Message | Record<string, unknown>): Json {
  const name = fullName(type);
  const m = message as unknown as Record<string, unknown>;
  switch (name) {
    case 'google.protobuf.Any': {
      const typeUrl = String(m.type_url ?? m.typeUrl ?? '');
      const inner = lookupType(typeNameFromUrl(typeUrl));
      const body = messageToJson(inner, inner.decode(m.value as Uint8Array));
      if (isWellKnownScalar(fullName(inner))) return { '@type': typeUrl, value: body };
      return { '@type': typeUrl, ...(body as JsonObject) };
    }
    case 'google.protobuf.Duration': {
      const seconds = Number(String(m.seconds ?? 0));
      return formatProtoDuration(seconds * 1000 + Number(m.nanos ?? 0) / 1_000_000);
    }
    case 'google.protobuf.Timestamp': {
      const seconds = Number(String(m.seconds ?? 0));
      return new Date(seconds * 1000 + Math.floor(Number(m.nanos ?? 0) / 1_000_000)).toISOString();
    }
    case 'google.protobuf.Struct': {
      const out: JsonObject = {};
      for (const [k, v] of Object.entries((m.fields ?? {}) as Record<string, Record<string, unknown>>)) out[k] = valueToJson(v);
      return out;
    }
    case 'google.protobuf.Value':
      return valueToJson(m);
    default:
      break;
  }
  if (WRAPPERS.has(name)) return scalarToJson(type.fields.value, m.value);
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    // protobufjs keeps defaults on the prototype: only own properties were on the wire.
    if (!Object.prototype.hasOwnProperty.call(m, field.name)) continue;
    const value = m[field.name];
    if (value === undefined || value === null) continue;
    field.resolve();
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) continue;
      const mm: JsonObject = {};
      for (const [k, v] of entries) mm[k] = fieldValueToJson(field, v);
      out[jsonName(field)] = mm;
    } else if (field.repeated) {
      const list = value as unknown[];
      if (list.length === 0) continue;
      out[jsonName(field)] = list.map((v) => fieldValueToJson(field, v));
    } else {
      if (!field.partOf && !(field.resolvedType instanceof protobuf.Type) && isDefaultScalar(value)) continue;
      out[jsonName(field)] = fieldValueToJson(field, value);
    }
  }
  return out;
}

function isDefaultScalar(v: unknown): boolean {
  if (v === 0 || v === '' || v === false) return true;
  if (v instanceof Uint8Array) return v.length === 0;
  if (typeof v === 'object' && v !== null && 'low' in v && 'high' in v) return String(v) === '0';
  return false;
}

function fieldValueToJson(field: protobuf.Field, value: unknown): Json {
  if (field.resolvedType instanceof protobuf.Type) return messageToJson(field.resolvedType, value as protobuf.Message);
  if (field.resolvedType instanceof protobuf.Enum) {
    const n = value as number;
    return field.resolvedType.valuesById[n] ?? n;
  }
  return scalarToJson(field, value);
}

function scalarToJson(field: protobuf.Field, value: unknown): Json {
  switch (field.type) {
    case 'bytes':
      return Buffer.from(value as Uint8Array).toString('base64');
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64':
      return String(value);
    case 'double': case 'float':
      return Number(value);
    default:
      return value as Json;
  }
}

function valueToJson(v: Record<string, unknown>): Json {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(v, k);
  if (has('stringValue')) return v.stringValue as string;
  if (has('numberValue')) return v.numberValue as number;
  if (has('boolValue')) return v.boolValue as boolean;
  if (has('structValue')) return messageToJson(lookupType('google.protobuf.Struct'), v.structValue as protobuf.Message);
  if (has('listValue')) return ((v.listValue as { values?: Record<string, unknown>[] }).values ?? []).map(valueToJson);
  return null;
}

export { TYPE_PREFIX };
