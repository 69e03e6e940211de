/**
 * HTTPRoute rules → IR routes, and their order in a virtual host (HTTPRouteRule.matches in
 * httproute_types.go): across every route attached there, precedence goes to an Exact path, then
 * the longest PathPrefix, then a method match, then the most header matches, then the most query
 * parameter matches; ties go to the oldest route (creationTimestamp), then `namespace/name`
 * alphabetically, then the first rule and match in list order. RegularExpression paths are
 * implementation-specific: Ricochet puts them after Exact and before PathPrefix (as Envoy
 * Gateway does), longest pattern first.
 */
import type { Route, RouteDestination, RouteMatch, StringMatch } from '../../ir/model';
import type { FieldPath } from '../document';
import { compareStrings, provenanceOf } from '../provenance';
import type { HttpRouteSpec, MatchSpec, RuleSpec, ValueMatch } from './httpRoute';
import type { Read } from './model';
import { retryDecisionOf } from './retry';

/** An IR route with what its precedence is decided by. */
export interface RankedRoute {
  route: Route;
  rank: {
    pathKind: number;
    pathLength: number;
    method: number;
    headers: number;
    queryParams: number;
    created: number;
    namespaceName: string;
    rule: number;
    match: number;
  };
}

const PATH_KIND = { Exact: 0, RegularExpression: 1, PathPrefix: 2 } as const;

/** IR routes for one rule: one per match, two for a PathPrefix other than `/` (see pathMatches). */
export function routesOfRule(route: Read<HttpRouteSpec>, rule: RuleSpec, destinations: RouteDestination[]): RankedRoute[] {
  const { namespace, name } = route.object;
  const rulePath: FieldPath = ['spec', 'rules', rule.index];
  const where = `HTTPRoute ${namespace}/${name} spec.rules[${rule.index}]`;
  const retry = retryDecisionOf(rule, where, provenanceOf(route.object, [...rulePath, 'retry']));
  const created = Date.parse(provenanceOf(route.object).created ?? '');
  const out: RankedRoute[] = [];
  rule.matches.forEach((m, j) => {
    const source = provenanceOf(route.object, m.index === undefined ? rulePath : [...rulePath, 'matches', m.index]);
    for (const uri of pathMatches(m)) {
      out.push({
        route: {
          name: `httproute/${namespace}/${name}/rule/${rule.index}/match/${m.index ?? j}`,
          match: routeMatch(m, uri),
          destinations: destinations.map((d) => ({ ...d })),
          timeoutMs: rule.requestTimeoutMs ?? 0,
          retry,
          source,
        },
        rank: {
          pathKind: PATH_KIND[m.path.type],
          pathLength: trimmed(m.path.value).length,
          method: m.method === undefined ? 1 : 0,
          headers: m.headers.length,
          queryParams: m.queryParams.length,
          created: Number.isNaN(created) ? Number.POSITIVE_INFINITY : created,
          namespaceName: `${namespace}/${name}`,
          rule: rule.index,
          match: m.index ?? j,
        },
      });
    }
  });
  return out;
}

/** Sorts routes of one virtual host by Gateway API precedence (stable: expansions stay in order). */
export function compareRanked(a: RankedRoute, b: RankedRoute): number {
  const x = a.rank;
  const y = b.rank;
  return x.pathKind - y.pathKind
    || y.pathLength - x.pathLength
    || x.method - y.method
    || y.headers - x.headers
    || y.queryParams - x.queryParams
    || (x.created === y.created ? 0 : x.created < y.created ? -1 : 1)
    || compareStrings(x.namespaceName, y.namespaceName)
    || x.rule - y.rule
    || x.match - y.match;
}

function trimmed(prefix: string): string {
  return prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}

/**
 * PathPrefix matches whole path elements (`/abc` matches `/abc` and `/abc/def`, not `/abcd`) and
 * ignores a trailing `/`. The IR's prefix is a plain string prefix, so `/abc` becomes two routes:
 * exact `/abc` and prefix `/abc/`.
 */
function pathMatches(m: MatchSpec): StringMatch[] {
  const { type, value } = m.path;
  if (type === 'Exact') return [{ exact: value }];
  if (type === 'RegularExpression') return [{ regex: value }];
  const base = trimmed(value);
  return base === '/' ? [{ prefix: '/' }] : [{ exact: base }, { prefix: `${base}/` }];
}

function valueMatch(v: ValueMatch): StringMatch {
  return v.type === 'Exact' ? { exact: v.value } : { regex: v.value };
}

function routeMatch(m: MatchSpec, uri: StringMatch): RouteMatch {
  const out: RouteMatch = {
    uri,
    // Header names are case-insensitive; Envoy compares them lower-cased.
    headers: m.headers.map((h) => ({ name: h.name.toLowerCase(), match: valueMatch(h) })),
  };
  if (m.method !== undefined) out.method = { exact: m.method };
  if (m.queryParams.length > 0) out.queryParams = m.queryParams.map((q) => ({ name: q.name, match: valueMatch(q) }));
  return out;
}
