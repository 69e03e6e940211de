/**
 * A route configuration compiled once per snapshot: virtual-host lookup with Envoy's domain rules
 * and the ordered route list of each virtual host with its matchers prepared (lower-cased
 * prefixes for case-insensitive routes, anchored regexes, resolved clusters).
 *
 * Virtual host selection (Envoy RouteMatcher::findVirtualHost): the Host / :authority value,
 * lower-cased (port removed first when `ignore_port_in_host_matching`), is looked up as
 *   1. an exact domain,
 *   2. a suffix wildcard `*.example.com` / `*-svc.example.com` — longest suffix first, and the
 *      wildcard must match at least one character,
 *   3. a prefix wildcard `example.*` — longest prefix first, same rule,
 *   4. the `*` virtual host.
 * Route matching uses the path without query string or fragment; `case_sensitive: false` applies
 * to prefix/path/path_separated_prefix but not to regexes; header matchers see the pseudo-headers
 * `:method`, `:path`, `:authority`, `:scheme`; query parameter matchers see the first value of the
 * decoded parameter.
 */
import type { DpFaultConfig, DpHeaderMatcher, DpRoute, DpRouteAction, DpRouteConfig, DpVirtualHost } from '../config/model';
import type { HeaderMap } from '../retry/api';
import type { Cluster } from '../upstream/cluster';
import { retryEngine } from '../router/engine';
import { fanOutRetryStats, ScopedStats, type VirtualClusterConfig } from '../router/scopedStats';
import type { RetryStats } from '../retry/api';
import type { StatsStore } from '../stats/store';
import { stripPort } from './headers';

export interface CompiledVirtualHost {
  name: string;
  config: DpVirtualHost;
  routes: CompiledRoute[];
  /** `virtual_clusters`, in order (the first whose matchers all match the request wins). */
  virtualClusters: Array<{ name: string; headers: DpHeaderMatcher[]; stats: ScopedStats }>;
}

export interface WeightedTarget {
  name: string;
  weight: number;
  cluster: Cluster | undefined;
}

export interface CompiledRoute {
  name: string | undefined;
  config: DpRoute;
  vhost: CompiledVirtualHost;
  /** For route actions: the cluster (undefined if unknown → 503 NC). */
  clusterName: string | undefined;
  cluster: Cluster | undefined;
  weighted: WeightedTarget[] | undefined;
  weightedTotal: number;
  action: DpRouteAction | undefined;
  direct: { status: number; body: string | undefined } | undefined;
  /** Effective fault config (route override, else the HCM's fault filter), if the filter is present. */
  fault: DpFaultConfig | undefined;
  /** Retry buffer limit (envoy-retry.md §5.1). */
  bufferLimitBytes: number;
  /** `vhost.<vhost>.route.<stat_prefix>.` stats when the route has a stat_prefix. */
  routeStats: ScopedStats | undefined;
  /** Retry counters for the engine: the cluster's, fanned out to the route and virtual cluster scopes. */
  retryStats(cluster: Cluster, vcluster: ScopedStats | undefined): RetryStats;
  matches(path: string, fullPath: string, headers: () => HeaderMap, query: () => URLSearchParams): boolean;
}

export interface RouteTableOptions {
  lookupCluster(name: string): Cluster | undefined;
  /** The fault filter's own config when the HCM chain has one. */
  faultFilter: DpFaultConfig | undefined;
  hasFaultFilter: boolean;
  hcmBufferLimitBytes: number;
  stats: StatsStore;
}

export class RouteTable {
  private readonly exact = new Map<string, CompiledVirtualHost>();
  private readonly suffixes: Array<[string, CompiledVirtualHost]> = [];
  private readonly prefixes: Array<[string, CompiledVirtualHost]> = [];
  private defaultVhost: CompiledVirtualHost | undefined;
  readonly ignorePortInHostMatching: boolean;
  readonly name: string;

  constructor(config: DpRouteConfig, opts: RouteTableOptions) {
    this.name = config.name;
    const raw = config.raw as Record<string, unknown>;
    this.ignorePortInHostMatching = Boolean(raw.ignorePortInHostMatching ?? raw.ignore_port_in_host_matching);
    for (const vh of config.virtualHosts) {
      const vcs = (vh as DpVirtualHost & { virtualClusters?: VirtualClusterConfig[] }).virtualClusters ?? [];
      const compiled: CompiledVirtualHost = {
        name: vh.name,
        config: vh,
        routes: [],
        virtualClusters: vcs.map((vc) => ({ name: vc.name, headers: vc.headers, stats: new ScopedStats(opts.stats, `vhost.${vh.name}.vcluster.${vc.name}.`) })),
      };
      compiled.routes = vh.routes.map((r) => compileRoute(r, compiled, opts));
      for (const d of vh.domains) {
        const domain = d.toLowerCase();
        if (domain === '*') {
          this.defaultVhost ??= compiled;
        } else if (domain.startsWith('*')) {
          this.suffixes.push([domain.slice(1), compiled]);
        } else if (domain.endsWith('*')) {
          this.prefixes.push([domain.slice(0, -1), compiled]);
        } else if (!this.exact.has(domain)) {
          this.exact.set(domain, compiled);
        }
      }
    }
    // Longest wildcard first; stable for equal lengths (first configured wins).
    this.suffixes.sort((a, b) => b[0].length - a[0].length);
    this.prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  findVirtualHost(hostHeader: string | undefined): CompiledVirtualHost | undefined {
    if (this.exact.size === 0 && this.suffixes.length === 0 && this.prefixes.length === 0) return this.defaultVhost;
    if (hostHeader === undefined) return undefined;
    let host = hostHeader.toLowerCase();
    if (this.ignorePortInHostMatching) host = stripPort(host);
    const exact = this.exact.get(host);
    if (exact) return exact;
    for (const [suffix, vh] of this.suffixes) {
      if (host.length > suffix.length && host.endsWith(suffix)) return vh;
    }
    for (const [prefix, vh] of this.prefixes) {
      if (host.length > prefix.length && host.startsWith(prefix)) return vh;
    }
    return this.defaultVhost;
  }

  /** The request's virtual cluster, if the virtual host has some and one matches. */
  static virtualCluster(vh: CompiledVirtualHost, headers: () => HeaderMap): ScopedStats | undefined {
    if (vh.virtualClusters.length === 0) return undefined;
    const h = headers();
    const engine = retryEngine();
    for (const vc of vh.virtualClusters) if (vc.headers.every((m) => engine.headerMatches(m, h))) return vc.stats;
    return undefined;
  }

  /** First matching route of the virtual host. */
  static route(vh: CompiledVirtualHost, fullPath: string, headers: () => HeaderMap): CompiledRoute | undefined {
    const q = fullPath.search(/[?#]/);
    const path = q < 0 ? fullPath : fullPath.slice(0, q);
    let query: URLSearchParams | undefined;
    const getQuery = () => (query ??= new URLSearchParams(q >= 0 && fullPath[q] === '?' ? fullPath.slice(q + 1).split('#')[0] : ''));
    for (const r of vh.routes) if (r.matches(path, fullPath, headers, getQuery)) return r;
    return undefined;
  }
}

function compileRoute(route: DpRoute, vhost: CompiledVirtualHost, opts: RouteTableOptions): CompiledRoute {
  const m = route.match;
  const cs = m.caseSensitive;
  let pathMatch: (path: string) => boolean;
  if (m.path !== undefined) {
    const want = cs ? m.path : m.path.toLowerCase();
    pathMatch = cs ? (p) => p === want : (p) => p.toLowerCase() === want;
  } else if (m.safeRegex !== undefined) {
    const re = new RegExp(`^(?:${m.safeRegex})$`);
    pathMatch = (p) => re.test(p);
  } else if (m.pathSeparatedPrefix !== undefined) {
    const want = cs ? m.pathSeparatedPrefix : m.pathSeparatedPrefix.toLowerCase();
    pathMatch = (p) => {
      const s = cs ? p : p.toLowerCase();
      return s === want || (s.startsWith(want) && s.charCodeAt(want.length) === 47 /* / */);
    };
  } else {
    const want = cs ? (m.prefix ?? '') : (m.prefix ?? '').toLowerCase();
    pathMatch = want === '' || want === '/' ? (p) => p.startsWith(want) : cs ? (p) => p.startsWith(want) : (p) => p.toLowerCase().startsWith(want);
  }
  const headerMatchers: DpHeaderMatcher[] = m.headers;
  const queryMatchers = m.queryParameters.map((qp) => {
    const re = qp.safeRegex !== undefined ? new RegExp(`^(?:${qp.safeRegex})$`) : undefined;
    // Envoy's StringMatcher with ignore_case lower-cases both sides (ASCII).
    const fold = qp.ignoreCase === true ? (x: string) => x.toLowerCase() : (x: string) => x;
    return (params: URLSearchParams) => {
      const raw = params.get(qp.name);
      if (raw === null) return false;
      const v = fold(raw);
      if (qp.exact !== undefined) return v === fold(qp.exact);
      if (qp.prefix !== undefined) return v.startsWith(fold(qp.prefix));
      if (qp.suffix !== undefined) return v.endsWith(fold(qp.suffix));
      if (qp.contains !== undefined) return v.includes(fold(qp.contains));
      if (re) return re.test(raw);
      return qp.present !== false;
    };
  });
  const matches =
    headerMatchers.length === 0 && queryMatchers.length === 0
      ? (path: string) => pathMatch(path)
      : (path: string, _full: string, headers: () => HeaderMap, query: () => URLSearchParams) => {
          if (!pathMatch(path)) return false;
          if (headerMatchers.length > 0) {
            const h = headers();
            const engine = retryEngine();
            for (const hm of headerMatchers) if (!engine.headerMatches(hm, h)) return false;
          }
          if (queryMatchers.length > 0) {
            const q = query();
            for (const qm of queryMatchers) if (!qm(q)) return false;
          }
          return true;
        };

  const action = route.action.kind === 'route' ? route.action : undefined;
  const direct = route.action.kind === 'direct' ? { status: route.action.status, body: route.action.body } : undefined;
  let weighted: WeightedTarget[] | undefined;
  let weightedTotal = 0;
  if (action?.weightedClusters && action.weightedClusters.length > 0) {
    weighted = action.weightedClusters.map((w) => ({ name: w.name, weight: w.weight, cluster: opts.lookupCluster(w.name) }));
    weightedTotal = weighted.reduce((s, w) => s + w.weight, 0);
  }
  const perRoute = route.perRequestBufferLimitBytes;
  const statPrefix = (route as DpRoute & { statPrefix?: string }).statPrefix;
  const routeStats = statPrefix ? new ScopedStats(opts.stats, `vhost.${vhost.name}.route.${statPrefix}.`) : undefined;
  const retryStatsCache = new Map<Cluster, Map<ScopedStats | undefined, RetryStats>>();
  return {
    name: route.name,
    config: route,
    vhost,
    clusterName: action?.cluster,
    cluster: action?.cluster !== undefined ? opts.lookupCluster(action.cluster) : undefined,
    weighted,
    weightedTotal,
    action,
    direct,
    fault: opts.hasFaultFilter ? (route.fault ?? opts.faultFilter) : undefined,
    bufferLimitBytes: perRoute !== undefined ? Math.min(perRoute, opts.hcmBufferLimitBytes) : opts.hcmBufferLimitBytes,
    routeStats,
    retryStats(cluster, vcluster) {
      if (!routeStats && !vcluster) return cluster.stats.retry;
      let byVc = retryStatsCache.get(cluster);
      if (!byVc) retryStatsCache.set(cluster, (byVc = new Map()));
      let rs = byVc.get(vcluster);
      if (!rs) {
        const scopes = [vcluster, routeStats].filter((x): x is ScopedStats => x !== undefined);
        byVc.set(vcluster, (rs = fanOutRetryStats(cluster.stats.retry, scopes)));
      }
      return rs;
    },
    matches,
  };
}

/** The upstream cluster for one request (weighted clusters pick by weight). */
export function pickCluster(route: CompiledRoute, random: () => number = Math.random): { name: string | undefined; cluster: Cluster | undefined } {
  if (route.weighted) {
    let at = random() * route.weightedTotal;
    for (const w of route.weighted) {
      if (at < w.weight) return w;
      at -= w.weight;
    }
    const last = route.weighted[route.weighted.length - 1];
    return last;
  }
  return { name: route.clusterName, cluster: route.cluster };
}
