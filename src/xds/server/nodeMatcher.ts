import type { Json, JsonObject } from '../../lib/protos/protoJson';
import type { ProxyNode } from '../resources';

/**
 * envoy.type.matcher.v3.NodeMatcher, read from proto3 JSON, as CSDS's ClientStatusRequest carries
 * it: `node_id` (StringMatcher) and every `node_metadatas` entry (StructMatcher on node.metadata)
 * must match; an absent part matches anything. A request's list of matchers is OR-ed (csds.proto).
 * A matcher Ricochet cannot evaluate (a `custom` string matcher, a bad regex) is an error, not a
 * silent "no match", so the caller can answer INVALID_ARGUMENT.
 */
export type NodePredicate = (node: ProxyNode) => boolean;

export class NodeMatcherError extends Error {}

export function nodeMatchers(matchers: readonly Json[]): NodePredicate {
  if (matchers.length === 0) return () => true;
  const predicates = matchers.map((m, i) => nodeMatcher(asObject(m, `node_matchers[${i}]`), `node_matchers[${i}]`));
  return (node) => predicates.some((p) => p(node));
}

function nodeMatcher(m: JsonObject, path: string): NodePredicate {
  const id = m.nodeId === undefined ? undefined : stringMatcher(asObject(m.nodeId, `${path}.node_id`), `${path}.node_id`);
  const metadata = asList(m.nodeMetadatas, `${path}.node_metadatas`).map((s, i) => structMatcher(asObject(s, `${path}.node_metadatas[${i}]`), `${path}.node_metadatas[${i}]`));
  return (node) => (!id || id(node.id)) && metadata.every((p) => p(node.metadata));
}

/** StringMatcher: exact / prefix / suffix / contains (with ignore_case) or safe_regex (a full match). */
export function stringMatcher(m: JsonObject, path: string): (value: string) => boolean {
  const ignoreCase = m.ignoreCase === true;
  const fold = (s: string): string => (ignoreCase ? s.toLowerCase() : s);
  for (const key of ['exact', 'prefix', 'suffix', 'contains'] as const) {
    const raw = m[key];
    if (typeof raw !== 'string') continue;
    const want = fold(raw);
    if (key === 'exact') return (v) => fold(v) === want;
    if (key === 'prefix') return (v) => fold(v).startsWith(want);
    if (key === 'suffix') return (v) => fold(v).endsWith(want);
    return (v) => fold(v).includes(want);
  }
  if (m.safeRegex !== undefined) {
    const regex = asObject(m.safeRegex, `${path}.safe_regex`).regex;
    if (typeof regex !== 'string') throw new NodeMatcherError(`${path}.safe_regex.regex is required`);
    let re: RegExp;
    try {
      // RE2 syntax is (for what node ids need) a subset of JS's; Envoy's safe_regex matches the whole value.
      re = new RegExp(`^(?:${regex})$`, 'u');
    } catch (err) {
      throw new NodeMatcherError(`${path}.safe_regex.regex: ${(err as Error).message}`);
    }
    return (v) => re.test(v);
  }
  if (m.custom !== undefined) throw new NodeMatcherError(`${path}.custom: custom string matchers are not supported`);
  throw new NodeMatcherError(`${path}: one of exact, prefix, suffix, contains or safe_regex is required`);
}

/** StructMatcher: walks `path` keys into the metadata Struct, then applies the ValueMatcher. */
function structMatcher(m: JsonObject, path: string): (metadata: JsonObject) => boolean {
  const keys = asList(m.path, `${path}.path`).map((seg, i) => {
    const key = asObject(seg, `${path}.path[${i}]`).key;
    if (typeof key !== 'string' || key === '') throw new NodeMatcherError(`${path}.path[${i}].key is required`);
    return key;
  });
  if (keys.length === 0) throw new NodeMatcherError(`${path}.path must name at least one key`);
  const value = valueMatcher(asObject(m.value, `${path}.value`), `${path}.value`);
  return (metadata) => {
    let current: Json | undefined = metadata;
    for (const key of keys) {
      current = current !== null && typeof current === 'object' && !Array.isArray(current) ? current[key] : undefined;
    }
    return value(current);
  };
}

/** ValueMatcher on a Struct value; `undefined` is a path that does not resolve (Envoy's KIND_NOT_SET). */
function valueMatcher(m: JsonObject, path: string): (value: Json | undefined) => boolean {
  if (m.nullMatch !== undefined) return (v) => v === null;
  if (m.boolMatch !== undefined) return (v) => v === m.boolMatch;
  // Envoy: present_match: false never matches.
  if (m.presentMatch !== undefined) return (v) => m.presentMatch === true && v !== undefined;
  if (m.stringMatch !== undefined) {
    const s = stringMatcher(asObject(m.stringMatch, `${path}.string_match`), `${path}.string_match`);
    return (v) => typeof v === 'string' && s(v);
  }
  if (m.doubleMatch !== undefined) return doubleMatcher(asObject(m.doubleMatch, `${path}.double_match`), `${path}.double_match`);
  if (m.listMatch !== undefined) {
    const one = valueMatcher(asObject(asObject(m.listMatch, `${path}.list_match`).oneOf, `${path}.list_match.one_of`), `${path}.list_match.one_of`);
    return (v) => Array.isArray(v) && v.some((item) => one(item));
  }
  if (m.orMatch !== undefined) {
    const list = asList(asObject(m.orMatch, `${path}.or_match`).valueMatchers, `${path}.or_match.value_matchers`);
    const any = list.map((x, i) => valueMatcher(asObject(x, `${path}.or_match.value_matchers[${i}]`), `${path}.or_match.value_matchers[${i}]`));
    return (v) => any.some((p) => p(v));
  }
  throw new NodeMatcherError(`${path}: a value matcher is required`);
}

/** DoubleMatcher: exact, or range [start, end). */
function doubleMatcher(m: JsonObject, path: string): (value: Json | undefined) => boolean {
  if (typeof m.exact === 'number') return (v) => v === m.exact;
  if (m.range !== undefined) {
    const r = asObject(m.range, `${path}.range`);
    const start = typeof r.start === 'number' ? r.start : 0;
    const end = typeof r.end === 'number' ? r.end : 0;
    return (v) => typeof v === 'number' && v >= start && v < end;
  }
  throw new NodeMatcherError(`${path}: exact or range is required`);
}

function asObject(v: Json | undefined, path: string): JsonObject {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new NodeMatcherError(`${path}: expected a message`);
  return v;
}

function asList(v: Json | undefined, path: string): Json[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new NodeMatcherError(`${path}: expected a list`);
  return v;
}
