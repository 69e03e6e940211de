/**
 * HTTPRoute: parentRefs, hostnames and rules, validated with the CRD's markers and CEL rules and
 * the upstream webhook's checks (apis/v1/httproute_types.go, shared_types.go,
 * apis/v1/validation/httproute.go). Filters are read for validation only and reported as not
 * supported; everything else is compiled.
 */
import { Codes, type Diagnostic } from '../../lib/errors';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import {
  readBoundedList, readEnum, readGatewayDuration, readGroup, readHeaderName, readHostname, readKind,
  readNamespace, readObjectName, readPortNumber, readSectionName,
} from './fields';
import { readParentRefs, type ParentRefSpec } from './parentRef';
import { readRetry, type RetrySpec } from './retry';

export type PathType = 'Exact' | 'PathPrefix' | 'RegularExpression';
export type ValueMatchType = 'Exact' | 'RegularExpression';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;

export interface ValueMatch {
  type: ValueMatchType;
  name: string;
  value: string;
}

export interface MatchSpec {
  /** Index in `matches`, undefined for the default match of a rule without matches. */
  index?: number;
  path: { type: PathType; value: string };
  headers: ValueMatch[];
  queryParams: ValueMatch[];
  method?: string;
}

export interface BackendRefSpec {
  index: number;
  group: string;
  kind: string;
  name: string;
  namespace?: string;
  port?: number;
  weight: number;
}

export interface RuleSpec {
  index: number;
  name?: string;
  matches: MatchSpec[];
  backendRefs: BackendRefSpec[];
  requestTimeoutMs?: number;
  backendRequestTimeoutMs?: number;
  retry?: RetrySpec;
}

export interface HttpRouteSpec {
  parentRefs: ParentRefSpec[];
  hostnames: string[];
  rules: RuleSpec[];
}

const SPEC_FIELDS = { supported: ['parentRefs', 'hostnames', 'rules'], notYet: { useDefaultGateways: 'routes attach only through parentRefs' } } as const;
const RULE_FIELDS = {
  supported: ['name', 'matches', 'filters', 'backendRefs', 'timeouts', 'retry'],
  notYet: { sessionPersistence: 'requests are load balanced without affinity' },
} as const;
const MATCH_FIELDS = { supported: ['path', 'headers', 'queryParams', 'method'] } as const;
const BACKEND_FIELDS = { supported: ['group', 'kind', 'name', 'namespace', 'port', 'weight', 'filters'] } as const;

/** The upstream webhook's path rules for Exact and PathPrefix (validateHTTPPathMatch). */
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F', '#'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const VALID_PATH = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;
const HEADER_VALUE = /^[!-~]+([\t ]?[!-~]+)*$/;

const MAX_TOTAL_MATCHES = 128;

export function readHttpRoute(r: FieldReader): HttpRouteSpec {
  if (r.mapping(['spec'], { required: true }) === undefined) return { parentRefs: [], hostnames: [], rules: [] };
  r.checkFields(['spec'], SPEC_FIELDS);
  const parentRefs = readParentRefs(r);
  const hostnames: string[] = [];
  readBoundedList(r, ['spec', 'hostnames'], { max: 16 }).forEach((_, i) => {
    const h = readHostname(r, ['spec', 'hostnames', i]);
    if (h !== undefined) hostnames.push(h);
  });
  return { parentRefs, hostnames, rules: readRules(r) };
}

function readRules(r: FieldReader): RuleSpec[] {
  // The CRD defaults a missing `rules` to one rule matching every path (and no backends).
  if (!r.has(['spec', 'rules'])) return [{ index: 0, matches: [defaultMatch()], backendRefs: [] }];
  const rules: RuleSpec[] = [];
  readBoundedList(r, ['spec', 'rules'], { min: 1, max: 16 }).forEach((_, i) => {
    const rule = readRule(r, i);
    if (rule) rules.push(rule);
  });
  const names = new Set<string>();
  for (const rule of rules) {
    if (rule.name === undefined) continue;
    if (names.has(rule.name)) r.error(['spec', 'rules', rule.index, 'name'], `Rule name must be unique within the route: ${JSON.stringify(rule.name)} is used twice`);
    names.add(rule.name);
  }
  const total = rules.reduce((n, rule) => n + rule.matches.filter((m) => m.index !== undefined).length, 0);
  if (total > MAX_TOTAL_MATCHES) {
    r.error(['spec', 'rules'], `While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128 (got ${total})`);
  }
  return rules;
}

function defaultMatch(): MatchSpec {
  return { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] };
}

function readRule(r: FieldReader, i: number): RuleSpec | undefined {
  const at = ['spec', 'rules', i];
  if (r.mapping(at, { required: true }) === undefined) return undefined;
  r.checkFields(at, RULE_FIELDS);
  const name = r.has([...at, 'name']) ? readSectionName(r, [...at, 'name']) : undefined;
  const matches: MatchSpec[] = [];
  readBoundedList(r, [...at, 'matches'], { max: 64 }).forEach((_, j) => {
    const m = readMatch(r, [...at, 'matches', j], j);
    if (m) matches.push(m);
  });
  if (!r.has([...at, 'matches']) || (r.list([...at, 'matches']) ?? []).length === 0) matches.push(defaultMatch());
  checkFilters(r, [...at, 'filters']);
  const backendRefs: BackendRefSpec[] = [];
  readBoundedList(r, [...at, 'backendRefs'], { max: 16 }).forEach((_, j) => {
    const b = readBackendRef(r, [...at, 'backendRefs', j], j);
    if (b) backendRefs.push(b);
  });
  if (backendRefs.length > 0 && backendRefs.every((b) => b.weight === 0)) {
    r.warn([...at, 'backendRefs'], 'every backendRef has weight 0, so no traffic is forwarded; Ricochet leaves the rule out (404) where the Gateway API asks for 500');
  }
  if (backendRefs.length === 0 && !r.has([...at, 'filters'])) {
    r.warn(at, 'rule has no backendRefs; requests it matches get 404 from Ricochet instead of the 500 the Gateway API asks for');
  }
  const rule: RuleSpec = { index: i, matches, backendRefs };
  if (name !== undefined) rule.name = name;
  readTimeouts(r, [...at, 'timeouts'], rule);
  if (r.has([...at, 'retry'])) {
    const retry = readRetry(r, [...at, 'retry']);
    if (retry) rule.retry = retry;
  }
  if (rule.backendRequestTimeoutMs !== undefined && rule.retry === undefined) {
    r.warn([...at, 'timeouts', 'backendRequest'], 'backendRequest takes effect only together with retry on the same rule (Envoy keeps the per-attempt timeout in the retry policy); here it is ignored and timeouts.request bounds the request');
  }
  return rule;
}

function readMatch(r: FieldReader, at: Array<string | number>, j: number): MatchSpec | undefined {
  if (r.mapping(at, { required: true }) === undefined) return undefined;
  r.checkFields(at, MATCH_FIELDS);
  const path = readPathMatch(r, [...at, 'path']);
  const headers = readValueMatches(r, [...at, 'headers'], 4096, 'header');
  const queryParams = readValueMatches(r, [...at, 'queryParams'], 1024, 'query parameter');
  const method = readEnum(r, [...at, 'method'], HTTP_METHODS);
  if (!path) return undefined;
  const out: MatchSpec = { index: j, path, headers, queryParams };
  if (method !== undefined) out.method = method;
  return out;
}

function readPathMatch(r: FieldReader, at: Array<string | number>): MatchSpec['path'] | undefined {
  r.checkFields(at, { supported: ['type', 'value'] });
  const type = readEnum<PathType>(r, [...at, 'type'], ['Exact', 'PathPrefix', 'RegularExpression'], 'PathPrefix');
  const value = r.string([...at, 'value']) ?? '/';
  if (type === undefined) return undefined;
  if (value.length > 1024) {
    r.error([...at, 'value'], `value may not be longer than 1024 characters, got ${value.length}`);
    return undefined;
  }
  const problem = type === 'RegularExpression' ? regexProblem(value) : pathProblem(value);
  if (problem) {
    r.error([...at, 'value'], problem);
    return undefined;
  }
  return { type, value };
}

/** The first webhook/CEL complaint about an Exact or PathPrefix value, if any. */
function pathProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return `value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix'], got ${JSON.stringify(value)}`;
  const seq = INVALID_PATH_SEQUENCES.find((s) => value.includes(s));
  if (seq) return `must not contain '${seq}' when type one of ['Exact', 'PathPrefix'], got ${JSON.stringify(value)}`;
  const suffix = INVALID_PATH_SUFFIXES.find((s) => value.endsWith(s));
  if (suffix) return `must not end with '${suffix}' when type one of ['Exact', 'PathPrefix'], got ${JSON.stringify(value)}`;
  if (!VALID_PATH.test(value)) return `must only contain valid characters (matching ${VALID_PATH.source}) for types ['Exact', 'PathPrefix'], got ${JSON.stringify(value)}`;
  return undefined;
}

/**
 * A RegularExpression match goes to Envoy as RE2 (`safe_regex`); one that does not even compile
 * as a JavaScript pattern would be NACKed by Envoy, so it is refused here instead.
 */
function regexProblem(value: string): string | undefined {
  try {
    new RegExp(value);
    return undefined;
  } catch (err) {
    return `invalid regular expression ${JSON.stringify(value)}: ${(err as Error).message}; Envoy evaluates RE2 syntax`;
  }
}

function readValueMatches(r: FieldReader, at: Array<string | number>, maxValue: number, what: string): ValueMatch[] {
  const out: ValueMatch[] = [];
  readBoundedList(r, at, { max: 16 }).forEach((_, k) => {
    const item = [...at, k];
    r.checkFields(item, { supported: ['type', 'name', 'value'] });
    const type = readEnum<ValueMatchType>(r, [...item, 'type'], ['Exact', 'RegularExpression'], 'Exact');
    const name = readHeaderName(r, [...item, 'name']);
    const value = r.string([...item, 'value'], { required: true });
    if (value !== undefined && (value.length < 1 || value.length > maxValue)) {
      r.error([...item, 'value'], `value must be 1..${maxValue} characters, got ${value.length}`);
      return;
    }
    if (value !== undefined && what === 'header' && type === 'Exact' && !HEADER_VALUE.test(value)) {
      r.error([...item, 'value'], `header value ${JSON.stringify(value)} must consist of printable US-ASCII characters, optionally separated by single tabs or spaces`);
      return;
    }
    if (value !== undefined && type === 'RegularExpression') {
      const problem = regexProblem(value);
      if (problem) {
        r.error([...item, 'value'], problem);
        return;
      }
    }
    if (type === undefined || name === undefined || value === undefined) return;
    // Header names are case-insensitive, query parameter names are not (validateHTTP*Matches).
    const key = what === 'header' ? name.toLowerCase() : name;
    if (out.some((m) => (what === 'header' ? m.name.toLowerCase() : m.name) === key)) {
      r.error(item, `cannot match the same ${what} multiple times in the same rule: ${JSON.stringify(name)}`);
      return;
    }
    out.push({ type, name, value });
  });
  return out;
}

function checkFilters(r: FieldReader, at: Array<string | number>): void {
  const filters = readBoundedList(r, at, { max: 16 });
  filters.forEach((_, k) => {
    const type = r.string([...at, k, 'type'], { required: true });
    r.warn([...at, k], `filter${type ? ` ${type}` : ''} is not supported by Ricochet yet; the rule is served without it`);
  });
  const types = filters.map((_, k) => r.at([...at, k, 'type']));
  if (types.includes('RequestRedirect') && types.includes('URLRewrite')) {
    r.error(at, 'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both');
  }
}

function readBackendRef(r: FieldReader, at: Array<string | number>, j: number): BackendRefSpec | undefined {
  if (r.mapping(at, { required: true }) === undefined) return undefined;
  r.checkFields(at, BACKEND_FIELDS);
  const group = r.has([...at, 'group']) ? readGroup(r, [...at, 'group']) : '';
  const kind = r.has([...at, 'kind']) ? readKind(r, [...at, 'kind']) : 'Service';
  const name = readObjectName(r, [...at, 'name'], true);
  const namespace = r.has([...at, 'namespace']) ? readNamespace(r, [...at, 'namespace']) : undefined;
  const port = r.has([...at, 'port']) ? readPortNumber(r, [...at, 'port']) : undefined;
  const weight = r.integer([...at, 'weight'], { min: 0, max: 1_000_000 }) ?? 1;
  if (group === '' && kind === 'Service' && !r.has([...at, 'port'])) r.error([...at, 'port'], 'Must have port for Service reference', Codes.MissingField);
  if (r.has([...at, 'filters'])) checkFilters(r, [...at, 'filters']);
  if (group === undefined || kind === undefined || name === undefined) return undefined;
  const out: BackendRefSpec = { index: j, group, kind, name, weight };
  if (namespace !== undefined) out.namespace = namespace;
  if (port !== undefined) out.port = port;
  return out;
}

function readTimeouts(r: FieldReader, at: Array<string | number>, rule: RuleSpec): void {
  r.checkFields(at, { supported: ['request', 'backendRequest'] });
  const request = readGatewayDuration(r, [...at, 'request']);
  const backend = readGatewayDuration(r, [...at, 'backendRequest']);
  if (request !== undefined && backend !== undefined && request !== 0 && backend > request) {
    r.error(at, `backendRequest timeout cannot be longer than request timeout (${backend} ms > ${request} ms)`);
    return;
  }
  if (request !== undefined) rule.requestTimeoutMs = request;
  if (backend !== undefined) rule.backendRequestTimeoutMs = backend;
}

export function validateHttpRoute(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readHttpRoute(r);
  return r.diagnostics;
}

