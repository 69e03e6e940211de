import type { JsonObject } from '../../lib/protos/protoJson';
import type { DpCircuitBreakers, DpCluster, DpClusterType, DpUpstreamConnectionOptions } from './model';
import {
  Findings, anyBody, anyType, at, checkFields, durationMs, ignoreAll, index, invalid, mapKey, num, obj, objs, str, type FieldRules,
} from './fields';
import { DEFAULT_PANIC_THRESHOLD, clusterEndpoints, endpointsFromLoadAssignment, type CandidateEndpoint } from './endpoints';
import { outlierDetectionFromJson } from './outlierDetection';

/** Envoy's cluster defaults (envoy-retry.md §1.2, §4.1, §5.1). */
export const CLUSTER_DEFAULTS = {
  connectTimeoutMs: 5000,
  perConnectionBufferLimitBytes: 1024 * 1024,
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
  retryBudgetPercent: 20,
  retryBudgetMinConcurrency: 3,
  /** eds_config.initial_fetch_timeout when unset. */
  initialFetchTimeoutMs: 15_000,
} as const;

const HTTP_PROTOCOL_OPTIONS_TYPE = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const HTTP_PROTOCOL_OPTIONS_KEYS = new Set([HTTP_PROTOCOL_OPTIONS_TYPE, 'envoy.upstreams.http.http_protocol_options']);
const DFP_CLUSTER_TYPE = 'envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig';
const RAW_BUFFER = 'envoy.transport_sockets.raw_buffer';
const RAW_BUFFER_TYPE = 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';
const LB_POLICY_TYPES: Record<string, DpCluster['lbPolicy']> = {
  'envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin': 'ROUND_ROBIN',
  'envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest': 'LEAST_REQUEST',
  'envoy.extensions.load_balancing_policies.random.v3.Random': 'RANDOM',
};

const CLUSTER: FieldRules = {
  handled: [
    'name', 'type', 'cluster_type', 'eds_cluster_config', 'connect_timeout', 'per_connection_buffer_limit_bytes', 'lb_policy',
    'load_assignment', 'circuit_breakers', 'typed_extension_protocol_options', 'http2_protocol_options', 'http_protocol_options',
    'common_http_protocol_options', 'transport_socket', 'common_lb_config', 'load_balancing_policy', 'protocol_selection',
    'health_checks', 'outlier_detection', 'max_requests_per_connection', 'ring_hash_lb_config',
  ],
  silent: ['metadata', 'wait_for_warm_on_init'],
  ignored: {
    alt_stat_name: 'stats are named after the cluster name (cluster.<name>.*)',
    dns_refresh_rate: 'names are resolved with the operating system resolver, no refresh schedule',
    dns_failure_refresh_rate: 'names are resolved with the operating system resolver, no refresh schedule',
    respect_dns_ttl: 'names are resolved with the operating system resolver',
    dns_lookup_family: 'names are resolved with the operating system resolver (its address family preference)',
    dns_resolvers: 'names are resolved with the operating system resolver',
    use_tcp_for_dns_lookups: 'names are resolved with the operating system resolver',
    dns_resolution_config: 'names are resolved with the operating system resolver',
    typed_dns_resolver_config: 'names are resolved with the operating system resolver',
    cleanup_interval: 'no original-destination hosts to clean up',
    upstream_connection_options: 'TCP keepalive settings for upstream connections are not applied',
    close_connections_on_host_health_failure: 'no active health checking, so no host fails it',
    ignore_health_on_host_removal: 'no active health checking',
    least_request_lb_config: 'least-request tuning (choice_count, active_request_bias) is not applied; defaults are used',
    round_robin_lb_config: 'slow start is not implemented; new hosts get their full share at once',
    upstream_http_protocol_options: 'SNI/SAN options only act with TLS, which is not implemented',
    lrs_server: 'load reports are not sent',
    lrs_report_endpoint_metrics: 'load reports are not sent',
    track_timeout_budgets: 'timeout budget histograms are not recorded',
    track_cluster_stats: 'optional request/response size and timeout budget stats are not recorded',
    preconnect_policy: 'connections are opened on demand (no preconnect)',
  },
  rejected: {
    transport_socket_matches: 'per-endpoint transport sockets (TLS) are not implemented',
    upstream_bind_config: 'binding upstream connections to a source address is not implemented',
    lb_subset_config: 'subset load balancing is not implemented',
    maglev_lb_config: 'MAGLEV load balancing is not implemented',
    original_dst_lb_config: 'ORIGINAL_DST clusters are not implemented',
    filters: 'upstream network filters are not implemented',
    upstream_config: 'custom upstream (generic connection pool) extensions are not implemented',
    connection_pool_per_downstream_connection: 'connection pools per downstream connection are not implemented',
  },
};

/** The parts of a converted cluster the ADS client needs beyond the DpCluster. */
export interface ClusterExtras {
  /** Endpoints from `load_assignment` with their health (STATIC/DNS types), before LB selection. */
  candidates: CandidateEndpoint[];
  /** EDS clusters: `eds_config.initial_fetch_timeout` in ms (0 = wait forever). */
  edsInitialFetchTimeoutMs?: number;
  /** EDS clusters: `eds_config` uses ADS (`ads: {}`), or `self` for a cluster that came over ADS. */
  edsViaAds?: boolean;
}

export interface ClusterOptions {
  /** The cluster came over ADS (`self` config sources then mean ADS). */
  fromAds?: boolean;
}

/** `Cluster` (canonical proto3 JSON) → DpCluster with Envoy's defaults, and what else the loader needs. */
export function clusterFromJson(json: JsonObject, path: string, f: Findings, opts: ClusterOptions = {}): { cluster: DpCluster; extras: ClusterExtras } {
  const T = 'envoy.config.cluster.v3.Cluster';
  checkFields(json, T, path, CLUSTER, f);
  const name = str(json.name) ?? '';
  if (name === '') invalid(at(path, 'name'), 'a cluster needs a name');

  let type: DpClusterType;
  const custom = obj(json.clusterType);
  if (custom) type = customClusterType(custom, at(path, 'cluster_type'), f);
  else {
    const t = str(json.type) ?? 'STATIC';
    if (t === 'STATIC' || t === 'STRICT_DNS' || t === 'LOGICAL_DNS' || t === 'EDS') type = t;
    else {
      f.reject(at(path, 'type'), `cluster type ${t} is not implemented (STATIC, STRICT_DNS, LOGICAL_DNS, EDS and the dynamic forward proxy are)`);
      type = 'STATIC';
    }
  }

  const extras: ClusterExtras = { candidates: [] };
  const cluster: DpCluster = {
    name,
    type,
    connectTimeoutMs: durationMs(json.connectTimeout) ?? CLUSTER_DEFAULTS.connectTimeoutMs,
    lbPolicy: lbPolicy(json, path, type, f),
    circuitBreakers: circuitBreakersFromJson(obj(json.circuitBreakers), at(path, 'circuit_breakers'), f),
    http2: false,
    endpoints: [],
    perConnectionBufferLimitBytes: num(json.perConnectionBufferLimitBytes) ?? CLUSTER_DEFAULTS.perConnectionBufferLimitBytes,
    raw: json,
  };
  if (cluster.connectTimeoutMs <= 0) invalid(at(path, 'connect_timeout'), 'connect_timeout must be greater than 0');

  if (objs(json.healthChecks).length > 0) f.reject(at(path, 'health_checks'), 'active health checking is not implemented');
  transportSocket(obj(json.transportSocket), at(path, 'transport_socket'), f);
  const lbCommon = obj(json.commonLbConfig);
  cluster.healthyPanicThresholdPercent = commonLbConfig(lbCommon, at(path, 'common_lb_config'), f);
  const mergeWindow = durationMs(lbCommon?.updateMergeWindow);
  if (mergeWindow !== undefined) cluster.updateMergeWindowMs = mergeWindow;
  const protocol = protocolOptions(json, path, f);
  cluster.http2 = protocol.http2;
  if (Object.keys(protocol.connection).length > 0) cluster.upstreamConnection = protocol.connection;
  if (cluster.lbPolicy === 'RING_HASH') cluster.ringHash = ringHashFromJson(json, path, f);
  else if (json.ringHashLbConfig) f.ignore(at(path, 'ring_hash_lb_config'), `only RING_HASH clusters use it (this one is ${cluster.lbPolicy})`);
  const od = obj(json.outlierDetection);
  if (od) cluster.outlierDetection = outlierDetectionFromJson(od, at(path, 'outlier_detection'), f);

  const eds = obj(json.edsClusterConfig);
  if (type === 'EDS') {
    const epath = at(path, 'eds_cluster_config');
    if (!eds) invalid(epath, 'an EDS cluster needs eds_cluster_config');
    checkFields(eds, 'envoy.config.cluster.v3.Cluster.EdsClusterConfig', epath, { handled: ['eds_config', 'service_name'] }, f);
    cluster.edsServiceName = str(eds.serviceName) || name;
    const source = obj(eds.edsConfig);
    if (!source) invalid(at(epath, 'eds_config'), 'eds_config is required');
    const viaAds = configSourceIsAds(source, at(epath, 'eds_config'), f, opts.fromAds === true);
    extras.edsViaAds = viaAds;
    extras.edsInitialFetchTimeoutMs = durationMs(source.initialFetchTimeout) ?? CLUSTER_DEFAULTS.initialFetchTimeoutMs;
    if (json.loadAssignment) f.ignore(at(path, 'load_assignment'), 'an EDS cluster takes its endpoints from EDS');
  } else {
    if (eds) f.ignore(at(path, 'eds_cluster_config'), `only EDS clusters use it (this one is ${type})`);
    const cla = obj(json.loadAssignment);
    if (cla) {
      extras.candidates = endpointsFromLoadAssignment(cla, at(path, 'load_assignment'), f, type === 'STATIC');
    }
    if (type === 'LOGICAL_DNS' && extras.candidates.length !== 1) {
      invalid(at(path, 'load_assignment'), 'LOGICAL_DNS clusters must have a single locality_lb_endpoint and a single lb_endpoint');
    }
    cluster.endpoints = clusterEndpoints(extras.candidates);
  }
  return { cluster, extras };
}

/** Fills an EDS cluster's endpoints from its ClusterLoadAssignment's candidates (a new object). */
export function withEndpoints(cluster: DpCluster, candidates: readonly CandidateEndpoint[]): DpCluster {
  return { ...cluster, endpoints: clusterEndpoints(candidates) };
}

function customClusterType(json: JsonObject, path: string, f: Findings): DpClusterType {
  checkFields(json, 'envoy.config.cluster.v3.Cluster.CustomClusterType', path, { handled: ['name', 'typed_config'] }, f);
  const type = anyType(json.typedConfig);
  if (type !== DFP_CLUSTER_TYPE) {
    f.reject(path, `custom cluster type ${type ?? str(json.name) ?? '(none)'} is not implemented (only the dynamic forward proxy is)`);
    return 'STATIC';
  }
  const cfg = anyBody(json.typedConfig);
  const cpath = at(path, 'typed_config');
  checkFields(cfg, DFP_CLUSTER_TYPE, cpath, {
    handled: ['dns_cache_config'],
    ignored: {
      allow_insecure_cluster_options: 'TLS is not implemented, so there is nothing insecure to allow',
      allow_coalesced_connections: 'HTTP/2 connection coalescing across hosts is not implemented',
    },
    rejected: { sub_clusters_config: 'dynamic forward proxy sub-clusters are not implemented' },
  }, f);
  // dns_lookup_family is applied by the runtime (it reads the raw cluster); the rest is not.
  ignoreAll(obj(cfg.dnsCacheConfig), 'envoy.extensions.common.dynamic_forward_proxy.v3.DnsCacheConfig', at(cpath, 'dns_cache_config'),
    'hosts are resolved with the operating system resolver and cached 60 s (no other DNS cache settings)', f, ['name', 'dnsLookupFamily']);
  return 'DYNAMIC_FORWARD_PROXY';
}

function lbPolicy(json: JsonObject, path: string, type: DpClusterType, f: Findings): DpCluster['lbPolicy'] {
  const p = str(json.lbPolicy) ?? 'ROUND_ROBIN';
  switch (p) {
    case 'ROUND_ROBIN': case 'LEAST_REQUEST': case 'RANDOM': case 'RING_HASH':
      return p;
    case 'CLUSTER_PROVIDED':
      if (type !== 'DYNAMIC_FORWARD_PROXY') f.reject(at(path, 'lb_policy'), 'CLUSTER_PROVIDED needs a cluster type that provides one (the dynamic forward proxy)');
      return 'ROUND_ROBIN';
    case 'LOAD_BALANCING_POLICY_CONFIG': {
      const policies = objs(obj(json.loadBalancingPolicy)?.policies);
      for (const [i, policy] of policies.entries()) {
        const ext = obj(policy.typedExtensionConfig);
        const t = anyType(ext?.typedConfig);
        const chosen = t ? LB_POLICY_TYPES[t] : undefined;
        if (chosen) {
          const body = anyBody(ext?.typedConfig);
          if (Object.keys(body).length > 0) {
            f.ignore(at(index(at(path, 'load_balancing_policy.policies'), i), 'typed_extension_config.typed_config'), 'load-balancer tuning is not applied; defaults are used');
          }
          return chosen;
        }
      }
      f.reject(at(path, 'load_balancing_policy'), 'none of the load balancing policies is implemented (round_robin, least_request and random are)');
      return 'ROUND_ROBIN';
    }
    default:
      f.reject(at(path, 'lb_policy'), `${p} load balancing is not implemented (ROUND_ROBIN, LEAST_REQUEST and RANDOM are)`);
      return 'ROUND_ROBIN';
  }
}

function circuitBreakersFromJson(json: JsonObject | undefined, path: string, f: Findings): DpCircuitBreakers {
  const cb: DpCircuitBreakers = {
    maxConnections: CLUSTER_DEFAULTS.maxConnections,
    maxPendingRequests: CLUSTER_DEFAULTS.maxPendingRequests,
    maxRequests: CLUSTER_DEFAULTS.maxRequests,
    maxRetries: CLUSTER_DEFAULTS.maxRetries,
  };
  if (!json) return cb;
  checkFields(json, 'envoy.config.cluster.v3.CircuitBreakers', path, {
    handled: ['thresholds'],
    rejected: { per_host_thresholds: 'per-host circuit breakers are not implemented' },
  }, f);
  objs(json.thresholds).forEach((t, i) => {
    const tpath = index(at(path, 'thresholds'), i);
    if ((str(t.priority) ?? 'DEFAULT') !== 'DEFAULT') {
      f.ignore(tpath, 'HIGH priority thresholds only apply to HIGH priority routes, which are not implemented');
      return;
    }
    checkFields(t, 'envoy.config.cluster.v3.CircuitBreakers.Thresholds', tpath, {
      handled: ['priority', 'max_connections', 'max_pending_requests', 'max_requests', 'max_retries', 'retry_budget'],
      ignored: {
        track_remaining: 'remaining_* gauges are not published',
        max_connection_pools: 'connection pools are not limited',
      },
    }, f);
    cb.maxConnections = num(t.maxConnections) ?? cb.maxConnections;
    cb.maxPendingRequests = num(t.maxPendingRequests) ?? cb.maxPendingRequests;
    cb.maxRequests = num(t.maxRequests) ?? cb.maxRequests;
    cb.maxRetries = num(t.maxRetries) ?? cb.maxRetries;
    const budget = obj(t.retryBudget);
    if (budget) {
      checkFields(budget, 'envoy.config.cluster.v3.CircuitBreakers.Thresholds.RetryBudget', at(tpath, 'retry_budget'), {
        handled: ['budget_percent', 'min_retry_concurrency'],
      }, f);
      // `retry_budget: {}` gets the defaults since Envoy 1.18 (envoy-retry.md §4.2).
      cb.retryBudget = {
        // A Percent message present with no value is 0 % (proto3 drops the zero).
        budgetPercent: obj(budget.budgetPercent) ? num(obj(budget.budgetPercent)?.value) ?? 0 : CLUSTER_DEFAULTS.retryBudgetPercent,
        minRetryConcurrency: num(budget.minRetryConcurrency) ?? CLUSTER_DEFAULTS.retryBudgetMinConcurrency,
      };
    }
  });
  return cb;
}

function transportSocket(json: JsonObject | undefined, path: string, f: Findings): void {
  if (!json) return;
  const type = anyType(json.typedConfig);
  const name = str(json.name) ?? '';
  if (type === RAW_BUFFER_TYPE || (!type && (name === RAW_BUFFER || name === 'raw_buffer'))) return;
  f.reject(path, `transport socket ${type ?? name} is not implemented (TLS to upstreams is not supported; only raw_buffer is)`);
}

/** RING_HASH settings: ring sizes (RingHashLbConfig) and hashing hosts by hostname (ConsistentHashingLbConfig). */
function ringHashFromJson(json: JsonObject, path: string, f: Findings): NonNullable<DpCluster['ringHash']> {
  const ring = obj(json.ringHashLbConfig) ?? {};
  const rpath = at(path, 'ring_hash_lb_config');
  checkFields(ring, 'envoy.config.cluster.v3.Cluster.RingHashLbConfig', rpath, { handled: ['minimum_ring_size', 'maximum_ring_size', 'hash_function'] }, f);
  if (ring.hashFunction === 'MURMUR_HASH_2') f.reject(at(rpath, 'hash_function'), 'MURMUR_HASH_2 is not implemented (XX_HASH, the default, is)');
  const size = (v: JsonObject[string] | undefined, dflt: number, name: string): number => {
    const n = obj(v) ? num(obj(v)?.value) ?? 0 : num(v) ?? dflt;
    if (n > RING_MAX) invalid(at(rpath, name), `value must be less than or equal to ${RING_MAX}, got ${n}`);
    return n;
  };
  const minimumRingSize = size(ring.minimumRingSize, 1024, 'minimum_ring_size');
  const maximumRingSize = size(ring.maximumRingSize, RING_MAX, 'maximum_ring_size');
  if (minimumRingSize > maximumRingSize) invalid(rpath, `ring hash: minimum_ring_size (${minimumRingSize}) > maximum_ring_size (${maximumRingSize})`);
  const consistent = obj(obj(json.commonLbConfig)?.consistentHashingLbConfig);
  return { minimumRingSize, maximumRingSize, useHostnameForHashing: consistent?.useHostnameForHashing === true };
}

/** Envoy's ring size cap (8M entries; validate.rules lte 8388608). */
const RING_MAX = 8_388_608;

/** `common_lb_config` → the healthy panic threshold in percent (Envoy's default 50). */
function commonLbConfig(json: JsonObject | undefined, path: string, f: Findings): number {
  if (!json) return DEFAULT_PANIC_THRESHOLD;
  checkFields(json, 'envoy.config.cluster.v3.Cluster.CommonLbConfig', path, {
    handled: ['healthy_panic_threshold', 'zone_aware_lb_config', 'update_merge_window', 'consistent_hashing_lb_config'],
    ignored: {
      ignore_new_hosts_until_first_hc: 'no active health checking',
      close_connections_on_host_set_change: 'connections are kept when hosts change',
      override_host_status: 'host override is not implemented',
    },
    rejected: { locality_weighted_lb_config: 'locality-weighted load balancing is not implemented' },
  }, f);
  const consistent = obj(json.consistentHashingLbConfig);
  if (consistent) {
    checkFields(consistent, 'envoy.config.cluster.v3.Cluster.CommonLbConfig.ConsistentHashingLbConfig', at(path, 'consistent_hashing_lb_config'), {
      handled: ['use_hostname_for_hashing'],
      rejected: { hash_balance_factor: 'bounded-load consistent hashing is not implemented' },
    }, f);
  }
  // fail_traffic_on_panic is applied by the runtime (it reads the raw cluster); the rest is not.
  ignoreAll(obj(json.zoneAwareLbConfig), 'envoy.config.cluster.v3.Cluster.CommonLbConfig.ZoneAwareLbConfig', at(path, 'zone_aware_lb_config'),
    'zone-aware routing needs a local cluster and localities, which are not implemented', f, ['failTrafficOnPanic']);
  const threshold = obj(json.healthyPanicThreshold);
  // A Percent message present with no value is 0 % (proto3 drops the zero): panic mode disabled.
  if (!threshold) return DEFAULT_PANIC_THRESHOLD;
  const value = num(threshold.value) ?? 0;
  if (value < 0 || value > 100) invalid(at(path, 'healthy_panic_threshold.value'), `value must be inside range [0, 100], got ${value}`);
  return value;
}

/**
 * Upstream protocol (HTTP/2 from `explicit_http_config.http2_protocol_options`, or the deprecated
 * field) and connection limits. The typed HttpProtocolOptions win over the deprecated cluster
 * fields, as Envoy's ClusterInfoImpl reads them.
 */
function protocolOptions(json: JsonObject, path: string, f: Findings): { http2: boolean; connection: DpUpstreamConnectionOptions } {
  let http2 = false;
  let connection: DpUpstreamConnectionOptions = {};
  const legacyMax = num(json.maxRequestsPerConnection);
  if (legacyMax !== undefined && legacyMax > 0) connection.maxRequestsPerConnection = legacyMax;
  if (obj(json.http2ProtocolOptions)) {
    http2 = true;
    http2Settings(obj(json.http2ProtocolOptions), at(path, 'http2_protocol_options'), f);
  }
  const h1 = obj(json.httpProtocolOptions);
  if (h1) http1Settings(h1, at(path, 'http_protocol_options'), f);
  const common = obj(json.commonHttpProtocolOptions);
  if (common) connection = { ...connection, ...commonHttpOptions(common, at(path, 'common_http_protocol_options'), f) };
  if (json.protocolSelection === 'USE_DOWNSTREAM_PROTOCOL') {
    f.reject(at(path, 'protocol_selection'), 'choosing the upstream protocol from the downstream one is not implemented');
  }
  const typed = obj(json.typedExtensionProtocolOptions) ?? {};
  for (const [key, value] of Object.entries(typed)) {
    const kpath = mapKey(at(path, 'typed_extension_protocol_options'), key);
    const type = anyType(value);
    if (type !== HTTP_PROTOCOL_OPTIONS_TYPE || !HTTP_PROTOCOL_OPTIONS_KEYS.has(key)) {
      if (type === 'envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions') {
        f.ignore(kpath, 'TCP upstream idle timeouts are not applied');
        continue;
      }
      f.reject(kpath, `protocol options ${type ?? '(no @type)'} for "${key}" are not implemented`);
      continue;
    }
    const body = anyBody(value);
    checkFields(body, HTTP_PROTOCOL_OPTIONS_TYPE, kpath, {
      handled: ['explicit_http_config', 'common_http_protocol_options', 'upstream_http_protocol_options'],
      ignored: { header_validation_config: 'header validation extensions are not applied' },
      rejected: {
        use_downstream_protocol_config: 'choosing the upstream protocol from the downstream one is not implemented; use explicit_http_config',
        auto_config: 'protocol auto-negotiation (ALPN) is not implemented; use explicit_http_config',
        http_filters: 'upstream HTTP filters are not implemented',
      },
    }, f);
    const explicit = obj(body.explicitHttpConfig);
    if (explicit) {
      const epath = at(kpath, 'explicit_http_config');
      checkFields(explicit, 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig', epath, {
        handled: ['http_protocol_options', 'http2_protocol_options'],
        rejected: { http3_protocol_options: 'HTTP/3 upstreams are not implemented' },
      }, f);
      if (obj(explicit.http2ProtocolOptions)) {
        http2 = true;
        http2Settings(obj(explicit.http2ProtocolOptions), at(epath, 'http2_protocol_options'), f);
      } else {
        http2 = false;
        http1Settings(obj(explicit.httpProtocolOptions), at(epath, 'http_protocol_options'), f);
      }
    }
    const c = obj(body.commonHttpProtocolOptions);
    if (c) connection = commonHttpOptions(c, at(kpath, 'common_http_protocol_options'), f, connection);
    ignoreAll(obj(body.upstreamHttpProtocolOptions), 'envoy.config.core.v3.UpstreamHttpProtocolOptions', at(kpath, 'upstream_http_protocol_options'),
      'SNI/SAN/host-header options only act with TLS, which is not implemented', f);
  }
  return { http2, connection };
}

function http2Settings(json: JsonObject | undefined, path: string, f: Findings): void {
  ignoreAll(json, 'envoy.config.core.v3.Http2ProtocolOptions', path, 'HTTP/2 settings are not tuned; Node.js defaults apply', f);
}

function http1Settings(json: JsonObject | undefined, path: string, f: Findings): void {
  ignoreAll(json, 'envoy.config.core.v3.Http1ProtocolOptions', path, 'HTTP/1.1 codec options are not applied upstream', f);
}

/**
 * `core.v3.HttpProtocolOptions` (upstream side): the connection limits; fields it does not set
 * keep what `base` (the deprecated cluster fields) says. A zero max_requests_per_connection means
 * unlimited; a zero idle_timeout disables it.
 */
function commonHttpOptions(json: JsonObject, path: string, f: Findings, base: DpUpstreamConnectionOptions = {}): DpUpstreamConnectionOptions {
  checkFields(json, 'envoy.config.core.v3.HttpProtocolOptions', path, {
    handled: ['idle_timeout', 'max_connection_duration', 'max_requests_per_connection'],
    ignored: {
      max_headers_count: 'the header count limit is not applied',
      headers_with_underscores_action: 'only acts on downstream requests',
    },
    rejected: { max_stream_duration: 'an upstream max stream duration is not implemented (use the route\'s max_stream_duration)' },
  }, f);
  const out: DpUpstreamConnectionOptions = { ...base };
  const idle = durationMs(json.idleTimeout);
  if (idle !== undefined) out.idleTimeoutMs = idle;
  const age = durationMs(json.maxConnectionDuration);
  if (age !== undefined && age > 0) out.maxConnectionDurationMs = age;
  const max = json.maxRequestsPerConnection;
  if (max !== undefined) {
    const n = obj(max) ? num(obj(max)?.value) ?? 0 : num(max) ?? 0;
    if (n > 0) out.maxRequestsPerConnection = n;
    else delete out.maxRequestsPerConnection;
  }
  return out;
}

/** A `ConfigSource` for EDS/RDS: only ADS is implemented (and `self` for resources that came over ADS). */
export function configSourceIsAds(json: JsonObject, path: string, f: Findings, fromAds: boolean): boolean {
  checkFields(json, 'envoy.config.core.v3.ConfigSource', path, {
    handled: ['ads', 'self', 'initial_fetch_timeout', 'resource_api_version', 'path', 'path_config_source', 'api_config_source'],
    ignored: { authorities: 'xDS-TP authorities are not used' },
  }, f);
  if (obj(json.ads)) return true;
  if (obj(json.self) && fromAds) return true;
  const kind = obj(json.self) ? 'self' : json.path !== undefined || obj(json.pathConfigSource) ? 'path' : obj(json.apiConfigSource) ? 'api_config_source' : '(none)';
  f.reject(path, `config source ${kind} is not implemented: resources must come over ADS (ads: {})`);
  return false;
}
