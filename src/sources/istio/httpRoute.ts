/**
 * One VirtualService `http[]` entry: its matches, destinations, timeout and retries, validated
 * with Istio's rules (validateHTTPRoute) and read into a typed form the compiler turns into IR
 * routes (spec/sources-istio.md §2, §4.3, §4.5).
 */
import { Codes } from '../../lib/errors';
import type { RouteMatch, StringMatch } from '../../ir/model';
import type { FieldPath } from '../document';
import { isMap, type FieldReader } from '../fields';
import { isDns1123Label } from '../names';
import { readFault, type FaultSpec } from './fault';
import { readRetries, type IstioRetries } from './retryPolicy';
import { checkGatewayNames } from './gateways';
import { checkWildcardHost, readDuration, readPort } from './validation';

export interface HttpMatchSpec {
  /** Index in `match[]`, for provenance; undefined for the implicit catch-all. */
  index?: number;
  match: RouteMatch;
  /** `match.port`: the match only applies on this listener port. */
  port?: number;
  /** `match.gateways`: when set, the match only applies to these gateways. */
  gateways?: string[];
}

export interface DestinationSpec {
  index: number;
  /** As written; short names are resolved by the compiler, which knows the registry. */
  host: string;
  port?: number;
  subset?: string;
  weight: number;
}

export interface HttpRouteSpec {
  index: number;
  name?: string;
  matches: HttpMatchSpec[];
  destinations: DestinationSpec[];
  /** 0 = no route timeout, Istio's default (§2). */
  timeoutMs: number;
  retries?: IstioRetries;
  /** Validated `fault` with a delay or an abort that survives translation (§3). */
  fault?: FaultSpec;
  /** True when the entry redirects, responds directly or delegates: not routed by Ricochet yet. */
  skipped: boolean;
}

const SKIPPED = 'this http route is skipped, so requests it would take fall through to the next one';
const BROADER = 'this condition is ignored, so the match takes more requests than it would in Istio';
const RETRY_HINT = (f: string): string => `${f} belongs inside retries (spec.http[].retries.${f}); as written it is ignored`;

const HTTP_FIELDS = {
  supported: ['name', 'match', 'route', 'retries', 'timeout', 'fault'],
  notYet: {
    redirect: SKIPPED, directResponse: SKIPPED, delegate: SKIPPED,
    mirror: 'ignored', mirrors: 'ignored', mirrorPercent: 'ignored', mirrorPercentage: 'ignored',
    mirror_percent: 'ignored', corsPolicy: 'ignored', rewrite: 'ignored', headers: 'ignored',
  },
  misplaced: { attempts: RETRY_HINT('attempts'), perTryTimeout: RETRY_HINT('perTryTimeout'), retryOn: RETRY_HINT('retryOn') },
} as const;
const MATCH_FIELDS = {
  supported: ['name', 'uri', 'headers', 'method', 'port', 'gateways'],
  notYet: {
    scheme: BROADER, authority: BROADER, queryParams: BROADER, withoutHeaders: BROADER, ignoreUriCase: BROADER,
    sourceLabels: BROADER, sourceNamespace: BROADER, statPrefix: 'ignored',
  },
} as const;
const DESTINATION_ENTRY_FIELDS = {
  supported: ['destination', 'weight'],
  notYet: { headers: 'ignored' },
  misplaced: {
    retries: 'retries belongs to the http route (spec.http[].retries), not to a route destination; as written it is ignored (istio#52975)',
    timeout: 'timeout belongs to the http route (spec.http[].timeout), not to a route destination; as written it is ignored',
  },
} as const;

export function readHttpRoute(r: FieldReader, path: FieldPath, index: number): HttpRouteSpec | undefined {
  if (r.at(path) === undefined) {
    r.error(path, 'http route may not be null');
    return undefined;
  }
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, HTTP_FIELDS);
  const skipped = checkRouteOrRedirect(r, path);
  const name = r.string([...path, 'name']);
  const matches = readMatches(r, [...path, 'match']);
  const destinations = readDestinations(r, [...path, 'route']);
  const timeoutMs = readDuration(r, [...path, 'timeout'], '; to disable the route timeout, omit timeout (no timeout is the default)') ?? 0;
  const retries = readRetries(r, [...path, 'retries']);
  const fault = readFault(r, [...path, 'fault']);
  const out: HttpRouteSpec = { index, matches, destinations, timeoutMs, skipped };
  if (name !== undefined && name !== '') out.name = name;
  if (retries !== undefined) out.retries = retries;
  if (fault !== undefined) out.fault = fault;
  return out;
}

/** validateHTTPRouteConflict: a route needs destinations, or something that answers instead. */
function checkRouteOrRedirect(r: FieldReader, path: FieldPath): boolean {
  const hasRoute = (r.list([...path, 'route']) ?? []).length > 0;
  if (r.has([...path, 'redirect'])) {
    if (hasRoute) r.error(path, 'HTTP route cannot contain both route and redirect');
    if (r.has([...path, 'fault'])) r.error(path, 'HTTP route cannot contain both fault and redirect');
    if (r.has([...path, 'rewrite'])) r.error(path, 'HTTP route rule cannot contain both rewrite and redirect');
    return true;
  }
  if (hasRoute) return false;
  if (r.has([...path, 'directResponse']) || r.has([...path, 'delegate'])) return true;
  r.error(path, 'HTTP route or redirect is required; add route: [{destination: {host: ...}}]', r.has([...path, 'route']) ? Codes.SchemaValidation : Codes.MissingField);
  return true;
}

function readMatches(r: FieldReader, path: FieldPath): HttpMatchSpec[] {
  const items = r.list(path) ?? [];
  // No match means everything: Istio emits prefix "/" (§4.5).
  if (items.length === 0) return [{ match: { uri: { prefix: '/' }, headers: [] } }];
  const out: HttpMatchSpec[] = [];
  items.forEach((_, i) => {
    const m = readMatch(r, [...path, i], i);
    if (m) out.push(m);
  });
  return out;
}

function readMatch(r: FieldReader, path: FieldPath, index: number): HttpMatchSpec | undefined {
  if (r.mapping(path, { required: true }) === undefined) return undefined;
  r.checkFields(path, MATCH_FIELDS);
  const uri = readStringMatch(r, [...path, 'uri'], 'uri');
  const method = readStringMatch(r, [...path, 'method'], 'method');
  const match: RouteMatch = { uri: uri && !isEmpty(uri) ? uri : { prefix: '/' }, headers: readHeaderMatches(r, [...path, 'headers']) };
  if (method && !isEmpty(method)) match.method = method;
  const name = r.string([...path, 'name']);
  if (name) match.name = name;
  const spec: HttpMatchSpec = { index, match };
  const port = readPort(r, [...path, 'port']);
  if (port !== undefined) spec.port = port;
  if (r.has([...path, 'gateways'])) spec.gateways = checkGatewayNames(r, [...path, 'gateways']);
  return spec;
}

function isEmpty(m: StringMatch): boolean {
  return m.exact === undefined && m.prefix === undefined && m.regex === undefined;
}

function readHeaderMatches(r: FieldReader, path: FieldPath): RouteMatch['headers'] {
  const map = r.mapping(path) ?? {};
  const out: RouteMatch['headers'] = [];
  for (const name of Object.keys(map)) {
    // An empty key would render as a dangling dot in the path, so point at the mapping.
    if (name === '') r.error(path, 'header name cannot be empty');
    const where = [...path, name];
    if (!isMap(map[name])) {
      r.error(where, `header match ${name} cannot be null; write e.g. {exact: value}`);
      continue;
    }
    const m = readStringMatch(r, where, 'headers');
    // An empty match is Istio's "header is present" test, which the IR cannot express yet.
    if (m && isEmpty(m)) r.warn(where, `a presence match for header ${name} is not supported yet; ${BROADER}`);
    else if (m) out.push({ name, match: m });
  }
  // Go map order is random; sort so the output is stable.
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A StringMatch: at most one of exact, prefix, regex (a proto oneof). */
function readStringMatch(r: FieldReader, path: FieldPath, where: string): StringMatch | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, { supported: ['exact', 'prefix', 'regex'] });
  const out: StringMatch = {};
  for (const key of ['exact', 'prefix', 'regex'] as const) {
    const v = r.string([...path, key]);
    if (v !== undefined) out[key] = v;
  }
  const set = Object.keys(out);
  if (set.length > 1) {
    r.error(path, `only one of exact, prefix or regex may be set, got ${set.join(' and ')}`);
    return undefined;
  }
  if (out.regex !== undefined) checkRegex(r, [...path, 'regex'], out.regex, where);
  return out;
}

/** RE2 (Go, Envoy) has no lookarounds or backreferences; JavaScript would accept them. */
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]/;

/** validateStringMatchRegexp; Istio compiles with Go's RE2, approximated here by JavaScript's RegExp. */
function checkRegex(r: FieldReader, path: FieldPath, re: string, where: string): void {
  if (re === '') return r.error(path, `"${where}": regex string match should not be empty`);
  if (re.length > 1024) return r.error(path, `"${where}": regex is too large, max length allowed is 1024`);
  const re2 = '; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)';
  if (NOT_RE2.test(re)) return r.error(path, `"${where}": lookarounds and backreferences are not supported${re2}`);
  try {
    new RegExp(re, 'u');
  } catch (e) {
    r.error(path, `"${where}": ${(e as Error).message}${re2}`);
  }
}

function readDestinations(r: FieldReader, path: FieldPath): DestinationSpec[] {
  const items = r.list(path) ?? [];
  const out: DestinationSpec[] = [];
  items.forEach((_, i) => {
    const d = readDestination(r, [...path, i], i);
    if (d) out.push(d);
  });
  if (items.length > 1 && out.length === items.length && out.every((d) => d.weight === 0)) {
    r.error(path, 'total destination weight = 0; give at least one destination a weight');
  }
  return out;
}

function readDestination(r: FieldReader, path: FieldPath, index: number): DestinationSpec | undefined {
  if (!r.has(path)) r.error(path, 'route destination may not be null');
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, DESTINATION_ENTRY_FIELDS);
  const dst = [...path, 'destination'];
  if (r.mapping(dst) === undefined) {
    if (!r.has(dst)) r.error(dst, 'destination is required', Codes.MissingField);
    return undefined;
  }
  r.checkFields(dst, { supported: ['host', 'subset', 'port'] });
  const host = readDestinationHost(r, [...dst, 'host']);
  const subset = readSubset(r, [...dst, 'subset']);
  const port = readDestinationPort(r, [...dst, 'port']);
  const weight = r.integer([...path, 'weight'], { max: 2_147_483_647 }) ?? 0;
  if (weight < 0) r.error([...path, 'weight'], `weight ${weight} < 0`);
  if (host === undefined || weight < 0) return undefined;
  const out: DestinationSpec = { index, host, weight };
  if (port !== undefined) out.port = port;
  if (subset !== undefined) out.subset = subset;
  return out;
}

function readDestinationHost(r: FieldReader, path: FieldPath): string | undefined {
  const host = r.string(path, { required: true });
  if (host === undefined) return undefined;
  return checkWildcardHost(r, path, host, 'invalid destination host *; name the service to send to') ? host : undefined;
}

function readSubset(r: FieldReader, path: FieldPath): string | undefined {
  const subset = r.string(path);
  if (subset === undefined || subset === '') return undefined;
  if (!isDns1123Label(subset)) {
    r.error(path, `subset name is invalid: ${subset}`);
    return undefined;
  }
  // Whether a DestinationRule defines it is a cross-object question, checked at compile.
  return subset;
}

function readDestinationPort(r: FieldReader, path: FieldPath): number | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, { supported: ['number'], misplaced: { name: 'port.name is no longer supported for destination; use port.number' } });
  return readPort(r, [...path, 'number'], true);
}
