/**
 * The short (table) forms of `ricochet proxy-config`, with istioctl's columns
 * (ux-and-libraries.md §1.1; istioctl/pkg/writer/envoy/configdump): routes `NAME VHOST NAME
 * DOMAINS MATCH VIRTUAL SERVICE`, clusters `SERVICE FQDN PORT SUBSET DIRECTION TYPE DESTINATION
 * RULE`, listeners `ADDRESSES PORT MATCH DESTINATION`, endpoints `ENDPOINT STATUS OUTLIER CHECK
 * CLUSTER`. Routes add what Ricochet is about: RETRY (retryOn/numRetries/perTryTimeout) and FROM,
 * the object the retry policy came from (route metadata `ricochet.retryPolicyFrom`).
 */
import { isJson, type Json } from './configDumpView';

const PASSTHROUGH_CLUSTER = 'PassthroughCluster';

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function objs(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isJson) : [];
}

function at(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const k of path) cur = isJson(cur) ? cur[k] : undefined;
  return cur;
}

// ---- routes ------------------------------------------------------------------------------

export interface RouteFilter {
  name?: string;
}

export const ROUTE_HEADER = ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE', 'RETRY', 'FROM'];

export function routeRows(routeConfigs: readonly Json[], filter: RouteFilter = {}): string[][] {
  const rows: string[][] = [];
  for (const rc of sortByNumericName(routeConfigs)) {
    const name = str(rc.name);
    if (filter.name !== undefined && filter.name !== name) continue;
    for (const vh of objs(rc.virtualHosts)) {
      const routes = objs(vh.routes);
      const domains = describeDomains(Array.isArray(vh.domains) ? vh.domains.map(str) : []);
      // A virtual host without routes answers 404 to everything (istioctl prints it so).
      if (routes.length === 0) rows.push([name, str(vh.name), domains, '/*', '404', '-', '-']);
      for (const r of routes) {
        if (str(at(r, 'route', 'cluster')) === PASSTHROUGH_CLUSTER) continue;
        rows.push([name, str(vh.name), domains, describeMatch(r.match), virtualServiceOf(r), describeRetry(r, vh), retryFrom(r)]);
      }
    }
  }
  return [ROUTE_HEADER, ...rows];
}

/** istioctl sorts route configurations named by port numerically and leaves the rest in place. */
function sortByNumericName(rcs: readonly Json[]): Json[] {
  return [...rcs].sort((a, b) => {
    const x = Number(str(a.name));
    const y = Number(str(b.name));
    return Number.isInteger(x) && Number.isInteger(y) && str(a.name) !== '' && str(b.name) !== '' ? x - y : 0;
  });
}

/**
 * istioctl's domain summary: the domains without a port, minus the `.svc.cluster.local` / `.svc`
 * expansions of a shorter one that is also listed, at most two then `+ N more...`. Ricochet's
 * egress virtual hosts name the port unless it is 80, so when every domain has a port those are
 * summarised instead (istioctl would print nothing), and the trailing-dot FQDN twin is left out.
 */
export function describeDomains(domains: readonly string[]): string {
  if (domains.length === 0) return '';
  if (domains.length === 1) return domains[0];
  const portless = domains.filter((d) => !d.includes(':') || (d.split(':').length > 3 && d.endsWith(']')));
  const candidates = portless.length > 0 ? portless : [...domains];
  const unique = new Set(candidates);
  const redundant = new Set<string>();
  for (const d of candidates) {
    const host = d.replace(/:\d+$/, '');
    const port = d.slice(host.length);
    if (host.endsWith('.') && unique.has(`${host.slice(0, -1)}${port}`)) redundant.add(d);
    for (const suffix of ['.svc.cluster.local', '.svc']) {
      if (host.endsWith(suffix) && unique.has(`${host.slice(0, -suffix.length)}${port}`)) redundant.add(d);
    }
  }
  const kept = candidates.filter((d) => !redundant.has(d));
  if (kept.length > 2) return `${kept.slice(0, 2).join(', ')} + ${kept.length - 2} more...`;
  return kept.join(', ');
}

/** istioctl's match summary: `/prefix*`, `PathPrefix:/p`, an exact path, `regex …`; headers left out. */
export function describeMatch(match: unknown): string {
  const conds: string[] = [];
  if (!isJson(match)) return '';
  if (typeof match.prefix === 'string') conds.push(`${match.prefix}*`);
  if (typeof match.pathSeparatedPrefix === 'string') conds.push(`PathPrefix:${match.pathSeparatedPrefix}`);
  if (typeof match.path === 'string') conds.push(match.path);
  const regex = at(match, 'safeRegex', 'regex');
  if (typeof regex === 'string') conds.push(`regex ${regex}`);
  return conds.join(' && ');
}

/** `name.namespace` from Istio's route metadata (`istio.config: /apis/networking.istio.io/<v>/namespaces/<ns>/<kind>/<name>`). */
function virtualServiceOf(route: Json): string {
  const config = str(at(route, 'metadata', 'filterMetadata', 'istio', 'config'));
  const m = /^\/apis\/networking\.istio\.io\/[^/]+\/namespaces\/([^/]+)\/[^/]+\/([^/]+)$/.exec(config);
  if (m) return `${m[2]}.${m[1]}`;
  return config === '' ? '' : '<unknown>';
}

/**
 * `retryOn/numRetries/perTryTimeout` of the policy Envoy applies to this route: the route's own,
 * else the virtual host's (marked `(vhost)`; Envoy takes the route's policy whole when it has one).
 * numRetries is Envoy's default 1 when unset; `-` for no per-try timeout or no policy.
 */
export function describeRetry(route: Json, virtualHost: Json): string {
  const own = at(route, 'route', 'retryPolicy');
  const shared = virtualHost.retryPolicy;
  const policy = isJson(own) ? own : isJson(shared) ? shared : undefined;
  if (!policy) return '-';
  const retryOn = str(policy.retryOn) || '-';
  const numRetries = policy.numRetries === undefined ? '1' : str(policy.numRetries);
  const perTry = str(policy.perTryTimeout) || '-';
  return `${retryOn}/${numRetries}/${perTry}${isJson(own) ? '' : ' (vhost)'}`;
}

function retryFrom(route: Json): string {
  return str(at(route, 'metadata', 'filterMetadata', 'ricochet', 'retryPolicyFrom')) || '-';
}

// ---- clusters ----------------------------------------------------------------------------

export interface ClusterFilter {
  fqdn?: string;
  port?: number;
  subset?: string;
  direction?: string;
}

export const CLUSTER_HEADER = ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'];

interface ClusterKey { direction: string; port: string; subset: string; fqdn: string }

/** Istio's `<direction>|<port>|<subset>|<host>`; other names stand alone. */
function parseClusterName(name: string): ClusterKey | undefined {
  const parts = name.split('|');
  if (parts.length < 4) return undefined;
  return { direction: parts[0], port: parts[1], subset: parts[2], fqdn: parts.slice(3).join('|') };
}

export function clusterRows(clusters: readonly Json[], filter: ClusterFilter = {}): string[][] {
  const keyed = clusters.map((c) => ({ c, name: str(c.name), key: parseClusterName(str(c.name)) }));
  const sortKey = (k: { name: string; key?: ClusterKey }): [string, string, number, string] =>
    (k.key ? [k.key.fqdn, k.key.subset, Number(k.key.port), k.key.direction] : [k.name, '', 0, '']);
  keyed.sort((a, b) => {
    const [x, y] = [sortKey(a), sortKey(b)];
    return x[0].localeCompare(y[0]) || x[1].localeCompare(y[1]) || x[2] - y[2] || x[3].localeCompare(y[3]);
  });
  const rows: string[][] = [];
  for (const { c, name, key } of keyed) {
    if (filter.fqdn !== undefined && !name.includes(filter.fqdn)) continue;
    if (filter.direction !== undefined && !name.includes(filter.direction)) continue;
    if (filter.subset !== undefined && !name.includes(filter.subset)) continue;
    if (filter.port !== undefined && !name.includes(`|${filter.port}|`)) continue;
    const type = clusterType(c);
    const rule = destinationRuleOf(c);
    rows.push(key ? [key.fqdn, key.port, key.subset || '-', key.direction, type, rule] : [name, '-', '-', '-', type, rule]);
  }
  return [CLUSTER_HEADER, ...rows];
}

function clusterType(c: Json): string {
  if (typeof c.type === 'string') return c.type;
  const custom = str(at(c, 'clusterType', 'name'));
  if (custom) return custom;
  return 'STATIC'; // proto3 JSON leaves out the enum's default
}

/** The object that set the cluster's traffic policy: `name.namespace` for a DestinationRule, as istioctl. */
function destinationRuleOf(c: Json): string {
  const from = str(at(c, 'metadata', 'filterMetadata', 'ricochet', 'trafficPolicyFrom'));
  const m = /^(\S+) (?:([^/\s]+)\/)?(\S+)$/.exec(from);
  if (!m) return from;
  const [, kind, ns, name] = m;
  const dotted = ns ? `${name}.${ns}` : name;
  return kind === 'DestinationRule' ? dotted : `${kind} ${dotted}`;
}

// ---- listeners ---------------------------------------------------------------------------

export interface ListenerFilter {
  address?: string;
  port?: number;
}

export const LISTENER_HEADER = ['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION'];

export function listenerRows(listeners: readonly Json[], filter: ListenerFilter = {}): string[][] {
  const rows: string[][] = [];
  for (const l of listeners) {
    const address = str(at(l, 'address', 'socketAddress', 'address'));
    const port = str(at(l, 'address', 'socketAddress', 'portValue'));
    if (filter.address !== undefined && filter.address !== address) continue;
    if (filter.port !== undefined && String(filter.port) !== port) continue;
    const chains = objs(l.filterChains);
    if (isJson(l.defaultFilterChain)) chains.push(l.defaultFilterChain);
    for (const chain of chains) rows.push([address, port, describeChainMatch(chain.filterChainMatch), describeDestination(chain)]);
  }
  return [LISTENER_HEADER, ...rows];
}

function describeChainMatch(m: unknown): string {
  if (!isJson(m)) return 'ALL';
  const parts: string[] = [];
  if (m.destinationPort !== undefined) parts.push(`Port: ${str(m.destinationPort)}`);
  const ranges = objs(m.prefixRanges).map((r) => `${str(r.addressPrefix)}/${str(r.prefixLen) || '32'}`);
  if (ranges.length) parts.push(`Addr: ${ranges.join(',')}`);
  if (Array.isArray(m.serverNames) && m.serverNames.length) parts.push(`SNI: ${m.serverNames.map(str).join(',')}`);
  if (typeof m.transportProtocol === 'string') parts.push(`Trans: ${m.transportProtocol}`);
  if (Array.isArray(m.applicationProtocols) && m.applicationProtocols.length) parts.push(`App: ${m.applicationProtocols.map(str).join(',')}`);
  return parts.length ? parts.join('; ') : 'ALL';
}

/** Where a filter chain sends traffic: `Route: <rds name>`, `Inline Route: …`, `Cluster: <name>`. */
function describeDestination(chain: Json): string {
  for (const f of objs(chain.filters)) {
    const cfg = isJson(f.typedConfig) ? f.typedConfig : {};
    const rds = str(at(cfg, 'rds', 'routeConfigName'));
    if (rds) return `Route: ${rds}`;
    if (isJson(cfg.routeConfig)) return `Inline Route: ${str(cfg.routeConfig.name) || '/*'}`;
    const cluster = str(cfg.cluster);
    if (cluster) return `Cluster: ${cluster}`;
    const weighted = objs(at(cfg, 'weightedClusters', 'clusters')).map((c) => str(c.name));
    if (weighted.length) return `Clusters: ${weighted.join(',')}`;
  }
  return objs(chain.filters).map((f) => str(f.name)).join(', ') || '-';
}

// ---- endpoints ---------------------------------------------------------------------------

export interface EndpointFilter {
  cluster?: string;
  address?: string;
  port?: number;
  status?: string;
}

export const ENDPOINT_HEADER = ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'];

/**
 * From the config (not Envoy's live /clusters): STATUS is the endpoint's configured health status
 * (UNKNOWN counts as HEALTHY, as in Envoy); OUTLIER CHECK is `-`, the config does not know ejections.
 */
export function endpointRows(assignments: readonly Json[], filter: EndpointFilter = {}): string[][] {
  const rows: string[][] = [];
  for (const cla of [...assignments].sort((a, b) => str(a.clusterName).localeCompare(str(b.clusterName)))) {
    const cluster = str(cla.clusterName);
    if (filter.cluster !== undefined && filter.cluster !== cluster) continue;
    for (const locality of objs(cla.endpoints)) {
      for (const lb of objs(locality.lbEndpoints)) {
        const address = str(at(lb, 'endpoint', 'address', 'socketAddress', 'address'));
        const port = str(at(lb, 'endpoint', 'address', 'socketAddress', 'portValue'));
        const health = str(lb.healthStatus);
        const status = health === '' || health === 'UNKNOWN' ? 'HEALTHY' : health;
        if (filter.address !== undefined && filter.address !== address) continue;
        if (filter.port !== undefined && String(filter.port) !== port) continue;
        if (filter.status !== undefined && filter.status.toUpperCase() !== status) continue;
        rows.push([`${address}:${port}`, status, '-', cluster]);
      }
    }
  }
  return [ENDPOINT_HEADER, ...rows];
}
