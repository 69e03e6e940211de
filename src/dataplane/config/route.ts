import * as fs from 'node:fs';
import type { JsonObject } from '../../lib/protos/protoJson';
import type {
  DpDirectResponse, DpFaultConfig, DpHashPolicy, DpRetryPolicy, DpRoute, DpRouteAction, DpRouteConfig, DpRouteMatch, DpVirtualCluster, DpVirtualHost,
} from './model';
import { Findings, anyBody, anyType, at, bool, checkFields, durationMs, index, invalid, mapKey, num, obj, objs, str, strs, type FieldRules } from './fields';
import { headerMatcherFromJson, regexFromJson, retryPolicyFromJson, stringMatcherFromJson } from './retryPolicy';

/** Envoy's route defaults (envoy-retry.md §2.3). */
export const ROUTE_DEFAULTS = { timeoutMs: 15_000 } as const;

export const FAULT_TYPE = 'envoy.extensions.filters.http.fault.v3.HTTPFault';
const FILTER_CONFIG_TYPE = 'envoy.config.route.v3.FilterConfig';

const HEADER_MUTATION = 'adding or removing request/response headers is not implemented';

const ROUTE_CONFIGURATION: FieldRules = {
  handled: ['name', 'virtual_hosts', 'typed_per_filter_config', 'validate_clusters'],
  silent: ['metadata', 'most_specific_header_mutations_wins'],
  ignored: {
    max_direct_response_body_size_bytes: 'direct response bodies are not size-checked',
    ignore_path_parameters_in_path_matching: 'path parameters (;…) are matched as part of the path',
  },
  rejected: {
    vhds: 'VHDS (on-demand virtual hosts) is not implemented',
    internal_only_headers: 'stripping internal-only headers from external requests is not implemented',
    response_headers_to_add: HEADER_MUTATION,
    response_headers_to_remove: HEADER_MUTATION,
    request_headers_to_add: HEADER_MUTATION,
    request_headers_to_remove: HEADER_MUTATION,
    cluster_specifier_plugins: 'cluster specifier plugins are not implemented',
    request_mirror_policies: 'request mirroring (shadowing) is not implemented',
    ignore_port_in_host_matching: 'host matching always includes the port as sent',
  },
};

const VIRTUAL_HOST: FieldRules = {
  handled: [
    'name', 'domains', 'routes', 'typed_per_filter_config', 'include_request_attempt_count', 'include_attempt_count_in_response',
    'retry_policy', 'include_is_timeout_retry_header', 'per_request_buffer_limit_bytes', 'require_tls', 'virtual_clusters',
    'hedge_policy',
  ],
  silent: ['metadata'],
  ignored: {
    rate_limits: 'rate limit descriptors only act with the rate limit filter, which is not implemented',
    cors: 'CORS policies only act with the CORS filter, which is not implemented',
  },
  rejected: {
    matcher: 'the generic matching tree is not implemented; use routes',
    request_headers_to_add: HEADER_MUTATION,
    request_headers_to_remove: HEADER_MUTATION,
    response_headers_to_add: HEADER_MUTATION,
    response_headers_to_remove: HEADER_MUTATION,
    retry_policy_typed_config: 'typed retry policy extensions are not implemented; use retry_policy',
    request_mirror_policies: 'request mirroring (shadowing) is not implemented',
  },
};

const ROUTE: FieldRules = {
  handled: ['name', 'match', 'route', 'direct_response', 'typed_per_filter_config', 'per_request_buffer_limit_bytes', 'stat_prefix'],
  silent: ['metadata'],
  ignored: {
    decorator: 'tracing is not implemented',
    tracing: 'tracing is not implemented',
  },
  rejected: {
    redirect: 'redirect routes are not implemented',
    filter_action: 'filter actions are not implemented',
    non_forwarding_action: 'non-forwarding actions are not implemented',
    request_headers_to_add: HEADER_MUTATION,
    request_headers_to_remove: HEADER_MUTATION,
    response_headers_to_add: HEADER_MUTATION,
    response_headers_to_remove: HEADER_MUTATION,
  },
};

const ROUTE_MATCH: FieldRules = {
  handled: ['prefix', 'path', 'safe_regex', 'path_separated_prefix', 'case_sensitive', 'headers', 'query_parameters'],
  rejected: {
    connect_matcher: 'CONNECT requests are not implemented',
    path_match_policy: 'path match policy extensions (URI templates) are not implemented',
    runtime_fraction: 'runtime fractions are not implemented',
    grpc: 'gRPC-only route matching is not implemented',
    tls_context: 'TLS context matching is not implemented (no downstream TLS)',
    dynamic_metadata: 'dynamic metadata matching is not implemented',
  },
};

const HEDGE_POLICY: FieldRules = {
  handled: ['hedge_on_per_try_timeout'],
  rejected: {
    initial_requests: 'hedging with several initial requests is not implemented (only hedge_on_per_try_timeout is)',
    additional_request_chance: 'hedging with an additional request chance is not implemented (only hedge_on_per_try_timeout is)',
  },
};

/** `HedgePolicy` (envoy-retry.md §7.2): only hedge_on_per_try_timeout is implemented. */
function hedgeOnPerTryTimeoutFromJson(json: JsonObject, path: string, f: Findings): boolean {
  checkFields(json, 'envoy.config.route.v3.HedgePolicy', path, HEDGE_POLICY, f);
  return bool(json.hedgeOnPerTryTimeout) ?? false;
}

const GRPC_TIMEOUT = 'the deprecated max_grpc_timeout / grpc_timeout_offset are not applied: the route timeout applies to gRPC requests (max_stream_duration.grpc_timeout_header_max is applied)';

const ROUTE_ACTION: FieldRules = {
  handled: [
    'cluster', 'weighted_clusters', 'cluster_not_found_response_code', 'prefix_rewrite', 'host_rewrite_literal', 'auto_host_rewrite',
    'timeout', 'idle_timeout', 'retry_policy', 'max_stream_duration', 'priority', 'max_grpc_timeout', 'grpc_timeout_offset',
    'hedge_policy', 'hash_policy',
  ],
  ignored: {
    rate_limits: 'rate limit descriptors only act with the rate limit filter, which is not implemented',
    include_vh_rate_limits: 'rate limit descriptors only act with the rate limit filter, which is not implemented',
    cors: 'CORS policies only act with the CORS filter, which is not implemented',
    early_data_policy: 'early data (0-RTT) only applies to HTTP/3',
  },
  rejected: {
    cluster_header: 'choosing the cluster from a request header is not implemented',
    cluster_specifier_plugin: 'cluster specifier plugins are not implemented',
    inline_cluster_specifier_plugin: 'cluster specifier plugins are not implemented',
    metadata_match: 'subset load balancing (metadata_match) is not implemented',
    regex_rewrite: 'regex path rewrites are not implemented (prefix_rewrite is)',
    path_rewrite_policy: 'path rewrite policy extensions are not implemented (prefix_rewrite is)',
    host_rewrite_header: 'host rewrite from a header is not implemented (host_rewrite_literal and auto_host_rewrite are)',
    host_rewrite_path_regex: 'host rewrite from the path is not implemented',
    append_x_forwarded_host: 'x-forwarded-host is not appended on host rewrites',
    retry_policy_typed_config: 'typed retry policy extensions are not implemented; use retry_policy',
    request_mirror_policies: 'request mirroring (shadowing) is not implemented',
    upgrade_configs: 'protocol upgrades (WebSocket, CONNECT) are not implemented',
    internal_redirect_policy: 'internal redirects are not implemented',
    internal_redirect_action: 'internal redirects are not implemented',
    max_internal_redirects: 'internal redirects are not implemented',
  },
};

export interface RouteConfigOptions {
  /** Where a `direct_response.body.filename` is read from (default: the process's cwd). */
  readFile?: (file: string) => string;
}

/** `RouteConfiguration` (RDS or inline `route_config`) → DpRouteConfig. */
export function routeConfigFromJson(json: JsonObject, path: string, f: Findings, opts: RouteConfigOptions = {}): DpRouteConfig {
  checkFields(json, 'envoy.config.route.v3.RouteConfiguration', path, ROUTE_CONFIGURATION, f);
  if (json.validateClusters === true) {
    f.ignore(at(path, 'validate_clusters'), 'route configurations naming unknown clusters are accepted; such routes answer 503');
  }
  const configFault = perFilterFault(obj(json.typedPerFilterConfig), at(path, 'typed_per_filter_config'), f);
  const seenDomains = new Map<string, string>();
  const virtualHosts = objs(json.virtualHosts).map((vh, i) => virtualHostFromJson(vh, index(at(path, 'virtual_hosts'), i), f, configFault, seenDomains, opts));
  const names = new Set<string>();
  virtualHosts.forEach((vh, i) => {
    if (names.has(vh.name)) invalid(at(index(at(path, 'virtual_hosts'), i), 'name'), `duplicate virtual host name "${vh.name}"`);
    names.add(vh.name);
  });
  return { name: str(json.name) ?? '', virtualHosts, raw: json };
}

function virtualHostFromJson(
  json: JsonObject, path: string, f: Findings, inheritedFault: DpFaultConfig | undefined, seenDomains: Map<string, string>, opts: RouteConfigOptions,
): DpVirtualHost {
  checkFields(json, 'envoy.config.route.v3.VirtualHost', path, VIRTUAL_HOST, f);
  const name = str(json.name) ?? '';
  if (name === '') invalid(at(path, 'name'), 'a virtual host needs a name');
  const domains = strs(json.domains);
  if (domains.length === 0) invalid(at(path, 'domains'), 'a virtual host needs at least one domain');
  for (const d of domains) {
    const key = d.toLowerCase();
    const other = seenDomains.get(key);
    if (other !== undefined) invalid(at(path, 'domains'), `only unique values for domains are permitted: "${d}" is also a domain of virtual host "${other}"`);
    seenDomains.set(key, name);
  }
  const tls = str(json.requireTls) ?? 'NONE';
  if (tls !== 'NONE') f.reject(at(path, 'require_tls'), 'requiring TLS (redirecting plain HTTP) is not implemented');
  const vhFault = perFilterFault(obj(json.typedPerFilterConfig), at(path, 'typed_per_filter_config'), f) ?? inheritedFault;
  const vhRetry = obj(json.retryPolicy) ? retryPolicyFromJson(obj(json.retryPolicy) as JsonObject, at(path, 'retry_policy'), f) : undefined;
  const vhBufferLimit = num(json.perRequestBufferLimitBytes);
  const vhHedge = obj(json.hedgePolicy) ? hedgeOnPerTryTimeoutFromJson(obj(json.hedgePolicy) as JsonObject, at(path, 'hedge_policy'), f) : undefined;
  const routes = objs(json.routes).map((r, i) => routeFromJson(r, index(at(path, 'routes'), i), f, { fault: vhFault, retry: vhRetry, bufferLimit: vhBufferLimit, hedge: vhHedge }, opts));
  const out: DpVirtualHost = {
    name,
    domains,
    routes,
    includeRequestAttemptCount: json.includeRequestAttemptCount === true,
    includeAttemptCountInResponse: json.includeAttemptCountInResponse === true,
    includeIsTimeoutRetryHeader: json.includeIsTimeoutRetryHeader === true,
  };
  const vcs = objs(json.virtualClusters).map((vc, i) => virtualClusterFromJson(vc, index(at(path, 'virtual_clusters'), i), f));
  if (vcs.length > 0) out.virtualClusters = vcs;
  return out;
}

/** `VirtualCluster` → DpVirtualCluster (its stats: `vhost.<vhost>.vcluster.<name>.*`). */
function virtualClusterFromJson(json: JsonObject, path: string, f: Findings): DpVirtualCluster {
  checkFields(json, 'envoy.config.route.v3.VirtualCluster', path, { handled: ['name', 'headers'] }, f);
  const name = str(json.name) ?? '';
  if (name === '') invalid(at(path, 'name'), 'a virtual cluster needs a name');
  return { name, headers: objs(json.headers).map((h, i) => headerMatcherFromJson(h, index(at(path, 'headers'), i), f)) };
}

interface Inherited {
  fault?: DpFaultConfig;
  retry?: DpRetryPolicy;
  bufferLimit?: number;
  /** The virtual host's hedge_policy.hedge_on_per_try_timeout (a route's hedge_policy replaces it). */
  hedge?: boolean;
}

function routeFromJson(json: JsonObject, path: string, f: Findings, inherited: Inherited, opts: RouteConfigOptions): DpRoute {
  checkFields(json, 'envoy.config.route.v3.Route', path, ROUTE, f);
  const match = obj(json.match);
  if (!match) invalid(at(path, 'match'), 'a route needs a match');
  const route: DpRoute = { match: routeMatchFromJson(match, at(path, 'match'), f), action: { kind: 'direct', status: 404 } };
  const name = str(json.name);
  if (name) route.name = name;
  const action = obj(json.route);
  const direct = obj(json.directResponse);
  if (action) route.action = routeActionFromJson(action, at(path, 'route'), f, inherited.retry, inherited.hedge);
  else if (direct) route.action = directResponseFromJson(direct, at(path, 'direct_response'), f, opts);
  else if (!json.redirect && !json.filterAction && !json.nonForwardingAction) invalid(path, 'a route needs an action (route or direct_response)');
  const fault = perFilterFault(obj(json.typedPerFilterConfig), at(path, 'typed_per_filter_config'), f) ?? inherited.fault;
  if (fault) route.fault = fault;
  const limit = num(json.perRequestBufferLimitBytes) ?? inherited.bufferLimit;
  if (limit !== undefined) route.perRequestBufferLimitBytes = limit;
  const statPrefix = str(json.statPrefix);
  if (statPrefix) route.statPrefix = statPrefix;
  return route;
}

function routeMatchFromJson(json: JsonObject, path: string, f: Findings): DpRouteMatch {
  checkFields(json, 'envoy.config.route.v3.RouteMatch', path, ROUTE_MATCH, f);
  const m: DpRouteMatch = {
    caseSensitive: bool(json.caseSensitive) ?? true,
    headers: objs(json.headers).map((h, i) => headerMatcherFromJson(h, index(at(path, 'headers'), i), f)),
    queryParameters: objs(json.queryParameters).map((q, i) => {
      const qpath = index(at(path, 'query_parameters'), i);
      checkFields(q, 'envoy.config.route.v3.QueryParameterMatcher', qpath, { handled: ['name', 'string_match', 'present_match'] }, f);
      const name = str(q.name) ?? '';
      if (name === '') invalid(at(qpath, 'name'), 'a query parameter matcher needs a name');
      const out: DpRouteMatch['queryParameters'][number] = { name };
      const sm = obj(q.stringMatch);
      if (sm) {
        const s = stringMatcherFromJson(sm, at(qpath, 'string_match'), f);
        if (s.exact !== undefined) out.exact = s.exact;
        if (s.prefix !== undefined) out.prefix = s.prefix;
        if (s.suffix !== undefined) out.suffix = s.suffix;
        if (s.contains !== undefined) out.contains = s.contains;
        if (s.safeRegex !== undefined) out.safeRegex = s.safeRegex;
        // Envoy's StringMatcher ignores ignore_case for safe_regex.
        if (s.ignoreCase && s.safeRegex === undefined) out.ignoreCase = true;
      } else if (typeof q.presentMatch === 'boolean') {
        out.present = q.presentMatch;
      } else {
        out.present = true;
      }
      return out;
    }),
  };
  if (typeof json.prefix === 'string') m.prefix = json.prefix;
  else if (typeof json.path === 'string') m.path = json.path;
  else if (obj(json.safeRegex)) m.safeRegex = regexFromJson(obj(json.safeRegex) as JsonObject, at(path, 'safe_regex'), f);
  else if (typeof json.pathSeparatedPrefix === 'string') m.pathSeparatedPrefix = json.pathSeparatedPrefix;
  else if (!json.connectMatcher && !json.pathMatchPolicy) invalid(path, 'a route match needs one of prefix, path, safe_regex, path_separated_prefix');
  return m;
}

function routeActionFromJson(json: JsonObject, path: string, f: Findings, vhRetry: DpRetryPolicy | undefined, vhHedge?: boolean): DpRouteAction {
  checkFields(json, 'envoy.config.route.v3.RouteAction', path, ROUTE_ACTION, f);
  const timeout = durationMs(json.timeout);
  const action: DpRouteAction = { kind: 'route', timeoutMs: timeout ?? ROUTE_DEFAULTS.timeoutMs };
  if (typeof json.cluster === 'string') {
    if (json.cluster === '') invalid(at(path, 'cluster'), 'cluster must not be empty');
    action.cluster = json.cluster;
  } else if (obj(json.weightedClusters)) {
    action.weightedClusters = weightedClusters(obj(json.weightedClusters) as JsonObject, at(path, 'weighted_clusters'), f);
  } else if (!json.clusterHeader && !json.clusterSpecifierPlugin && !json.inlineClusterSpecifierPlugin) {
    invalid(path, 'a route action needs cluster or weighted_clusters');
  }
  const notFound = str(json.clusterNotFoundResponseCode) ?? 'SERVICE_UNAVAILABLE';
  if (notFound !== 'SERVICE_UNAVAILABLE') {
    f.reject(at(path, 'cluster_not_found_response_code'), `only SERVICE_UNAVAILABLE (503) is implemented for routes to unknown clusters, not ${notFound}`);
  }
  const idle = durationMs(json.idleTimeout);
  if (idle !== undefined) action.idleTimeoutMs = idle;
  // Route policy if set, else the virtual host's: replaced, never merged (envoy-retry.md §1.1).
  const rp = obj(json.retryPolicy);
  const retryPolicy = rp ? retryPolicyFromJson(rp, at(path, 'retry_policy'), f) : vhRetry;
  if (retryPolicy) action.retryPolicy = retryPolicy;
  const msd = obj(json.maxStreamDuration);
  if (msd) {
    const mpath = at(path, 'max_stream_duration');
    checkFields(msd, 'envoy.config.route.v3.RouteAction.MaxStreamDuration', mpath, {
      handled: ['max_stream_duration', 'grpc_timeout_header_max', 'grpc_timeout_header_offset'],
    }, f);
    const d = durationMs(msd.maxStreamDuration);
    if (d !== undefined && d > 0) action.maxStreamDurationMs = d;
    const grpcMax = durationMs(msd.grpcTimeoutHeaderMax);
    if (grpcMax !== undefined) action.grpcTimeoutHeaderMaxMs = grpcMax;
    const grpcOffset = durationMs(msd.grpcTimeoutHeaderOffset);
    if (grpcOffset !== undefined) action.grpcTimeoutHeaderOffsetMs = grpcOffset;
    // Envoy's usingNewTimeouts(): with max_stream_duration on the route the router has no global
    // timeout (FilterUtility::finalTimeout leaves it 0); the stream duration timer takes over.
    action.timeoutMs = 0;
  }
  if (json.maxGrpcTimeout !== undefined) f.ignore(at(path, 'max_grpc_timeout'), GRPC_TIMEOUT);
  if (json.grpcTimeoutOffset !== undefined) f.ignore(at(path, 'grpc_timeout_offset'), GRPC_TIMEOUT);
  if ((str(json.priority) ?? 'DEFAULT') !== 'DEFAULT') f.reject(at(path, 'priority'), 'HIGH priority routing (separate circuit breakers) is not implemented');
  const prefixRewrite = str(json.prefixRewrite);
  if (prefixRewrite !== undefined) action.prefixRewrite = prefixRewrite;
  const hostRewrite = str(json.hostRewriteLiteral);
  if (hostRewrite !== undefined) action.hostRewriteLiteral = hostRewrite;
  if (json.autoHostRewrite === true) action.autoHostRewrite = true;
  // Route hedge policy if set, else the virtual host's (replaced, never merged).
  const hp = obj(json.hedgePolicy);
  const hedge = hp ? hedgeOnPerTryTimeoutFromJson(hp, at(path, 'hedge_policy'), f) : vhHedge;
  if (hedge === true) action.hedgeOnPerTryTimeout = true;
  const hashPolicies = objs(json.hashPolicy).flatMap((h, i) => hashPolicyFromJson(h, index(at(path, 'hash_policy'), i), f) ?? []);
  if (hashPolicies.length > 0) action.hashPolicies = hashPolicies;
  return action;
}

/**
 * `RouteAction.HashPolicy` → DpHashPolicy (header, cookie, source IP, query parameter); undefined
 * for connection_properties without source_ip, which Envoy drops (HashPolicyImpl).
 */
function hashPolicyFromJson(json: JsonObject, path: string, f: Findings): DpHashPolicy | undefined {
  checkFields(json, 'envoy.config.route.v3.RouteAction.HashPolicy', path, {
    handled: ['header', 'cookie', 'connection_properties', 'query_parameter', 'terminal'],
    rejected: { filter_state: 'hashing on filter state is not implemented' },
  }, f);
  const terminal = json.terminal === true;
  const header = obj(json.header);
  if (header) {
    checkFields(header, 'envoy.config.route.v3.RouteAction.HashPolicy.Header', at(path, 'header'), {
      handled: ['header_name'],
      rejected: { regex_rewrite: 'rewriting the header value before hashing is not implemented' },
    }, f);
    const name = str(header.headerName) ?? '';
    if (name === '') invalid(at(path, 'header.header_name'), 'header_name is required');
    return { kind: 'header', name: name.toLowerCase(), terminal };
  }
  const cookie = obj(json.cookie);
  if (cookie) {
    checkFields(cookie, 'envoy.config.route.v3.RouteAction.HashPolicy.Cookie', at(path, 'cookie'), { handled: ['name', 'ttl', 'path', 'attributes'] }, f);
    const name = str(cookie.name) ?? '';
    if (name === '') invalid(at(path, 'cookie.name'), 'a cookie hash policy needs a name');
    const out: DpHashPolicy = { kind: 'cookie', name, attributes: objs(cookie.attributes).map((a) => ({ name: str(a.name) ?? '', value: str(a.value) ?? '' })), terminal };
    const ttl = durationMs(cookie.ttl);
    if (ttl !== undefined) out.ttlMs = ttl;
    const cookiePath = str(cookie.path);
    if (cookiePath) out.path = cookiePath;
    return out;
  }
  const props = obj(json.connectionProperties);
  if (props) {
    checkFields(props, 'envoy.config.route.v3.RouteAction.HashPolicy.ConnectionProperties', at(path, 'connection_properties'), { handled: ['source_ip'] }, f);
    return props.sourceIp === true ? { kind: 'source_ip', terminal } : undefined;
  }
  const query = obj(json.queryParameter);
  if (query) {
    checkFields(query, 'envoy.config.route.v3.RouteAction.HashPolicy.QueryParameter', at(path, 'query_parameter'), { handled: ['name'] }, f);
    const name = str(query.name) ?? '';
    if (name === '') invalid(at(path, 'query_parameter.name'), 'a query parameter hash policy needs a name');
    return { kind: 'query_parameter', name, terminal };
  }
  if (json.filterState) return undefined; // rejected above
  return invalid(path, 'a hash policy needs one of header, cookie, connection_properties, query_parameter, filter_state');
}

function weightedClusters(json: JsonObject, path: string, f: Findings): DpRouteAction['weightedClusters'] {
  checkFields(json, 'envoy.config.route.v3.WeightedCluster', path, {
    handled: ['clusters', 'total_weight'],
    ignored: { runtime_key_prefix: 'runtime overrides of cluster weights are not applied' },
    rejected: { header_name: 'picking the weighted cluster from a request header value is not implemented' },
  }, f);
  const clusters = objs(json.clusters).map((c, i) => {
    const cpath = index(at(path, 'clusters'), i);
    checkFields(c, 'envoy.config.route.v3.WeightedCluster.ClusterWeight', cpath, {
      handled: ['name', 'weight'],
      rejected: {
        metadata_match: 'subset load balancing (metadata_match) is not implemented',
        cluster_header: 'choosing the cluster from a request header is not implemented',
        request_headers_to_add: HEADER_MUTATION,
        request_headers_to_remove: HEADER_MUTATION,
        response_headers_to_add: HEADER_MUTATION,
        response_headers_to_remove: HEADER_MUTATION,
        typed_per_filter_config: 'per-cluster filter config is not implemented',
        host_rewrite_literal: 'per-cluster host rewrites are not implemented',
      },
    }, f);
    const name = str(c.name) ?? '';
    if (name === '') invalid(at(cpath, 'name'), 'a weighted cluster needs a name');
    return { name, weight: num(c.weight) ?? 0 };
  });
  if (clusters.length === 0) invalid(at(path, 'clusters'), 'weighted_clusters needs at least one cluster');
  const sum = clusters.reduce((s, c) => s + c.weight, 0);
  if (sum === 0) invalid(at(path, 'clusters'), 'the sum of cluster weights must be greater than 0');
  const total = num(json.totalWeight);
  if (total !== undefined && total !== sum) invalid(at(path, 'total_weight'), `total_weight ${total} does not match the sum of the weights (${sum})`);
  return clusters;
}

function directResponseFromJson(json: JsonObject, path: string, f: Findings, opts: RouteConfigOptions): DpDirectResponse {
  checkFields(json, 'envoy.config.route.v3.DirectResponseAction', path, { handled: ['status', 'body'] }, f);
  const status = num(json.status) ?? 0;
  if (status < 200 || status >= 600) invalid(at(path, 'status'), `status must be in [200, 600), got ${status}`);
  const out: DpDirectResponse = { kind: 'direct', status };
  const body = obj(json.body);
  if (body) out.body = dataSource(body, at(path, 'body'), f, opts);
  return out;
}

/** `DataSource` → text (inline string/bytes, a file read once now, or an environment variable). */
export function dataSource(json: JsonObject, path: string, f: Findings, opts: RouteConfigOptions = {}): string {
  checkFields(json, 'envoy.config.core.v3.DataSource', path, {
    handled: ['filename', 'inline_bytes', 'inline_string', 'environment_variable'],
    ignored: { watched_directory: 'the file is read once when the config is loaded, not watched' },
  }, f);
  if (typeof json.inlineString === 'string') return json.inlineString;
  if (typeof json.inlineBytes === 'string') return Buffer.from(json.inlineBytes, 'base64').toString('utf8');
  if (typeof json.filename === 'string') {
    try {
      return (opts.readFile ?? ((file: string) => fs.readFileSync(file, 'utf8')))(json.filename);
    } catch (err) {
      invalid(at(path, 'filename'), `cannot read ${json.filename}: ${(err as Error).message}`);
    }
  }
  if (typeof json.environmentVariable === 'string') {
    const v = process.env[json.environmentVariable];
    if (v === undefined) invalid(at(path, 'environment_variable'), `environment variable ${json.environmentVariable} is not set`);
    return v;
  }
  return '';
}

/**
 * The fault filter's per-route config among `typed_per_filter_config` entries. Keys are filter
 * names; an `HTTPFault` value (or a `FilterConfig` wrapping one) is the fault config, a
 * disabled `FilterConfig` turns faults off (`{}`). Other filters' per-route configs are rejected
 * unless marked optional.
 */
export function perFilterFault(map: JsonObject | undefined, path: string, f: Findings): DpFaultConfig | undefined {
  if (!map) return undefined;
  let fault: DpFaultConfig | undefined;
  for (const [key, value] of Object.entries(map)) {
    const kpath = mapKey(path, key);
    let type = anyType(value);
    let body = anyBody(value);
    let cpath = kpath;
    if (type === FILTER_CONFIG_TYPE) {
      checkFields(body, FILTER_CONFIG_TYPE, kpath, { handled: ['config', 'is_optional', 'disabled'] }, f);
      if (body.disabled === true) {
        if (!obj(body.config) || anyType(body.config) === FAULT_TYPE) {
          fault = {};
          continue;
        }
      }
      const optional = body.isOptional === true;
      const inner = obj(body.config);
      cpath = `${kpath}.config`;
      type = anyType(inner);
      body = anyBody(inner);
      if (type !== FAULT_TYPE) {
        if (optional) f.ignore(kpath, `optional per-route config for ${type ?? key} is not implemented`);
        else f.reject(kpath, `per-route config for filter "${key}" (${type ?? 'no @type'}) is not implemented (only the fault filter's is)`);
        continue;
      }
    } else if (type !== FAULT_TYPE) {
      f.reject(kpath, `per-route config for filter "${key}" (${type ?? 'no @type'}) is not implemented (only the fault filter's is)`);
      continue;
    }
    fault = faultFromJson(body, cpath, f);
  }
  return fault;
}

/** `HTTPFault` → DpFaultConfig. Percentages become percent (0–100); an absent percentage is 0 %. */
export function faultFromJson(json: JsonObject, path: string, f: Findings): DpFaultConfig {
  const runtime = 'runtime overrides are not applied; the configured values are used, as Envoy does with an empty runtime';
  checkFields(json, FAULT_TYPE, path, {
    handled: ['delay', 'abort'],
    ignored: {
      delay_percent_runtime: runtime,
      abort_percent_runtime: runtime,
      delay_duration_runtime: runtime,
      abort_http_status_runtime: runtime,
      max_active_faults_runtime: runtime,
      response_rate_limit_percent_runtime: runtime,
      abort_grpc_status_runtime: runtime,
      disable_downstream_cluster_stats: 'fault stats per downstream cluster are not published',
      filter_metadata: 'fault filter metadata is not emitted',
    },
    rejected: {
      upstream_cluster: 'restricting faults to one upstream cluster is not implemented',
      headers: 'restricting faults to requests matching headers is not implemented',
      downstream_nodes: 'restricting faults to downstream nodes is not implemented',
      max_active_faults: 'limiting concurrent faults is not implemented',
      response_rate_limit: 'response rate limiting faults are not implemented',
    },
  }, f);
  const out: DpFaultConfig = {};
  const delay = obj(json.delay);
  if (delay) {
    const dpath = at(path, 'delay');
    checkFields(delay, 'envoy.extensions.filters.common.fault.v3.FaultDelay', dpath, {
      handled: ['fixed_delay', 'percentage'],
      rejected: { header_delay: 'delays requested by the x-envoy-fault-delay-request header are not implemented' },
    }, f);
    const ms = durationMs(delay.fixedDelay);
    if (ms !== undefined) out.delay = { fixedDelayMs: ms, percent: percent(obj(delay.percentage)) };
    else if (!delay.headerDelay) invalid(dpath, 'a fault delay needs fixed_delay');
  }
  const abort = obj(json.abort);
  if (abort) {
    const apath = at(path, 'abort');
    checkFields(abort, 'envoy.extensions.filters.http.fault.v3.FaultAbort', apath, {
      handled: ['http_status', 'grpc_status', 'percentage'],
      rejected: { header_abort: 'aborts requested by the x-envoy-fault-abort-request header are not implemented' },
    }, f);
    const a: NonNullable<DpFaultConfig['abort']> = { percent: percent(obj(abort.percentage)) };
    if (abort.httpStatus !== undefined) {
      const status = num(abort.httpStatus) ?? 0;
      if (status < 200 || status >= 600) invalid(at(apath, 'http_status'), `http_status must be in [200, 600), got ${status}`);
      a.httpStatus = status;
    } else if (abort.grpcStatus !== undefined) {
      a.grpcStatus = num(abort.grpcStatus) ?? 0;
    } else if (!abort.headerAbort) {
      invalid(apath, 'a fault abort needs http_status or grpc_status');
    }
    out.abort = a;
  }
  return out;
}

/** `FractionalPercent` → percent (0–100), capped at 100 as Envoy does. */
export function percent(json: JsonObject | undefined): number {
  if (!json) return 0;
  const numerator = num(json.numerator) ?? 0;
  const denominator = str(json.denominator) ?? 'HUNDRED';
  const divisor = denominator === 'MILLION' ? 10_000 : denominator === 'TEN_THOUSAND' ? 100 : 1;
  return Math.min(100, numerator / divisor);
}
