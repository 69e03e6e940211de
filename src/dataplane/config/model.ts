import type { JsonObject } from '../../lib/protos/protoJson';

/**
 * The data plane's typed view of Envoy config. Built from canonical proto3 JSON (a bootstrap file
 * after normalisation, or xDS resources decoded from Any bytes), never from Ricochet's IR, so the
 * same config drives Envoy and this proxy. Durations are milliseconds; absent optional fields mean
 * "Envoy's default", which the config layer fills in where Envoy has one (documented per field).
 */

export interface DpHeaderMatcher {
  name: string;
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safeRegex?: string;
  present?: boolean;
  range?: { start: number; end: number };
  invert: boolean;
  ignoreCase: boolean;
}

export interface DpRateLimitedBackOff {
  resetHeaders: Array<{ name: string; format: 'SECONDS' | 'UNIX_TIMESTAMP' }>;
  maxIntervalMs: number;
}

export interface DpRetryPolicy {
  /** Raw `retry_on` string; parsed by the retry engine exactly as Envoy parses it. */
  retryOn: string;
  /** Default 1 when the policy omits it (envoy-retry.md §2.1). */
  numRetries: number;
  perTryTimeoutMs?: number;
  perTryIdleTimeoutMs?: number;
  retriableStatusCodes: number[];
  retriableHeaders: DpHeaderMatcher[];
  retriableRequestHeaders: DpHeaderMatcher[];
  /** Default base 25 ms, max 10× base (envoy-retry.md §3.1). */
  backOff: { baseIntervalMs: number; maxIntervalMs: number };
  rateLimitedBackOff?: DpRateLimitedBackOff;
  /** Names of retry host predicates, e.g. `envoy.retry_host_predicates.previous_hosts`. */
  hostPredicates: string[];
  /**
   * `envoy.retry_host_predicates.omit_host_metadata`, one label set per predicate: retries skip a
   * host whose `envoy.lb` metadata matches every key/value of some set (a list value on the host
   * matches if any element equals). An empty set never rejects (as Envoy's with no criteria).
   */
  omitHostMetadata?: JsonObject[];
  /** Default 1. */
  hostSelectionRetryMaxAttempts: number;
  /** `envoy.retry_priorities.previous_priorities` update frequency, if configured. */
  previousPrioritiesUpdateFrequency?: number;
}

export interface DpRouteMatch {
  prefix?: string;
  path?: string;
  safeRegex?: string;
  pathSeparatedPrefix?: string;
  caseSensitive: boolean;
  headers: DpHeaderMatcher[];
  /** The first value of the parameter is matched; `ignoreCase` applies to exact/prefix/suffix/contains. */
  queryParameters: Array<{
    name: string; exact?: string; prefix?: string; suffix?: string; contains?: string; safeRegex?: string; ignoreCase?: boolean; present?: boolean;
  }>;
}

export interface DpFaultConfig {
  delay?: { fixedDelayMs: number; percent: number };
  abort?: { httpStatus?: number; grpcStatus?: number; percent: number };
}

export interface DpWeightedCluster {
  name: string;
  weight: number;
}

export interface DpRouteAction {
  kind: 'route';
  cluster?: string;
  weightedClusters?: DpWeightedCluster[];
  /**
   * Route (global) timeout; default 15000; 0 disables (envoy-retry.md §2.3). 0 too when the route
   * has `max_stream_duration` (Envoy's usingNewTimeouts: the router then ignores `timeout` and the
   * connection manager's stream duration timer bounds the request instead).
   */
  timeoutMs: number;
  idleTimeoutMs?: number;
  /** `max_stream_duration.grpc_timeout_header_max`: a grpc-timeout request header sets the stream duration, capped by this (0 = no cap). */
  grpcTimeoutHeaderMaxMs?: number;
  /** `max_stream_duration.grpc_timeout_header_offset`: subtracted from the grpc-timeout header. */
  grpcTimeoutHeaderOffsetMs?: number;
  /** Route policy if set, else the virtual host's (replaces, never merges: §1.1). */
  retryPolicy?: DpRetryPolicy;
  maxStreamDurationMs?: number;
  prefixRewrite?: string;
  hostRewriteLiteral?: string;
  autoHostRewrite?: boolean;
  /** hedge_policy.hedge_on_per_try_timeout (route's, else the virtual host's; envoy-retry.md §7.2). */
  hedgeOnPerTryTimeout?: boolean;
  /** `hash_policy`, in order; read only by hash-based load balancers (RING_HASH). */
  hashPolicies?: DpHashPolicy[];
}

/**
 * One `RouteAction.hash_policy` entry: what a hash-based load balancer hashes for the request
 * (Http::HashPolicyImpl). `terminal`: stop at this policy once a hash exists.
 */
export type DpHashPolicy =
  | { kind: 'header'; name: string; terminal: boolean }
  | { kind: 'cookie'; name: string; ttlMs?: number; path?: string; attributes: Array<{ name: string; value: string }>; terminal: boolean }
  | { kind: 'source_ip'; terminal: boolean }
  | { kind: 'query_parameter'; name: string; terminal: boolean };

export interface DpDirectResponse {
  kind: 'direct';
  status: number;
  body?: string;
}

export interface DpRoute {
  name?: string;
  match: DpRouteMatch;
  action: DpRouteAction | DpDirectResponse;
  /**
   * The fault filter's per-route config (`typed_per_filter_config`: route, else virtual host,
   * else route configuration). When set it replaces the fault filter's own config for this route;
   * `{}` (no delay, no abort) when the filter is disabled for the route.
   */
  fault?: DpFaultConfig;
  /**
   * `per_request_buffer_limit_bytes` of the route, else of its virtual host; undefined = none.
   * The retry buffer limit is min(this, the HCM's `bufferLimitBytes`) (envoy-retry.md §5.1).
   */
  perRequestBufferLimitBytes?: number;
  /** `stat_prefix`: the route's request and retry stats go to `vhost.<vhost>.route.<statPrefix>.` too. */
  statPrefix?: string;
}

/** A `virtual_clusters` entry: requests whose headers match all `headers` count under `vhost.<vhost>.vcluster.<name>.`. */
export interface DpVirtualCluster {
  name: string;
  headers: DpHeaderMatcher[];
}

export interface DpVirtualHost {
  name: string;
  domains: string[];
  routes: DpRoute[];
  includeRequestAttemptCount: boolean;
  includeAttemptCountInResponse: boolean;
  includeIsTimeoutRetryHeader: boolean;
  /** `virtual_clusters`, in order (the first whose matchers all match wins); absent = none. */
  virtualClusters?: DpVirtualCluster[];
}

export interface DpRouteConfig {
  name: string;
  virtualHosts: DpVirtualHost[];
  /** Proto3 JSON as received, for /config_dump. */
  raw: JsonObject;
}

export type DpHttpFilter =
  | {
      name: string;
      kind: 'router';
      /** The router's `strict_check_headers` (x-envoy-* request headers answered 400 when malformed); absent = none. */
      strictCheckHeaders?: string[];
    }
  | { name: string; kind: 'fault'; config: DpFaultConfig }
  | { name: string; kind: 'dynamic_forward_proxy' };

export interface DpAccessLog {
  /** Envoy command-operator format string, e.g. `%RESPONSE_CODE% %RESPONSE_FLAGS%\n`. */
  format?: string;
  path: 'stdout' | 'stderr' | string;
}

export interface DpHttpConnectionManager {
  statPrefix: string;
  /** Inline route configuration, or the RDS name to wait for. */
  routeConfig?: DpRouteConfig;
  rdsName?: string;
  httpFilters: DpHttpFilter[];
  allowAbsoluteUrl: boolean;
  useRemoteAddress: boolean;
  /**
   * CIDRs of `internal_address_config`; decides which requests may carry x-envoy-* retry headers.
   * When the config gives none, the config layer fills Envoy's implicit set (RFC 1918, 127.0.0.1,
   * fd00::/8, ::1), so the runtime never needs a default of its own.
   */
  internalCidrs: Array<{ address: string; prefixLen: number }>;
  accessLogs: DpAccessLog[];
  /** Default 1 MiB: the retry buffer limit for request bodies (envoy-retry.md §5.1). */
  bufferLimitBytes: number;
  /**
   * Host/:authority normalisation before routing (ConnectionManagerUtility::maybeNormalizeHost):
   * `strip_any_host_port` / `strip_matching_host_port` (only the listener's own port), and
   * `strip_trailing_host_dot`. The normalised host is also what goes upstream. Absent = none.
   */
  stripHostPort?: 'any' | 'matching';
  stripTrailingHostDot?: boolean;
}

export interface DpTcpProxy {
  statPrefix: string;
  cluster: string;
  /** Default 1 (envoy-retry.md §7.1). */
  maxConnectAttempts: number;
  idleTimeoutMs?: number;
  /** `access_log` of the TCP proxy (stdout/stderr/file loggers), one line per connection. */
  accessLogs?: DpAccessLog[];
  /** `hash_policy` with `source_ip`: hash-based clusters pick by the downstream peer's IP. */
  hashSourceIp?: boolean;
}

export interface DpListener {
  name: string;
  address: string;
  port: number;
  filter: { kind: 'http'; hcm: DpHttpConnectionManager } | { kind: 'tcp'; tcp: DpTcpProxy };
  raw: JsonObject;
}

export interface DpEndpoint {
  address: string;
  port: number;
  weight: number;
  /** `endpoint.hostname` if set (for `auto_host_rewrite`); for DNS clusters, the name resolved. */
  hostname?: string;
  /**
   * EDS `health_status` UNHEALTHY, DRAINING or TIMEOUT (Envoy's FAILED_EDS_HEALTH): the load
   * balancer skips the host unless the cluster is in panic. Absent = healthy.
   */
  edsUnhealthy?: true;
  /** `metadata.filter_metadata["envoy.lb"]` of the LbEndpoint (read by omit_host_metadata). */
  lbMetadata?: JsonObject;
}

export interface DpRetryBudget {
  budgetPercent: number;
  minRetryConcurrency: number;
}

/** Default-priority thresholds; Envoy defaults 1024 / 1024 / 1024 / 3 (envoy-retry.md §4.1). */
export interface DpCircuitBreakers {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
  retryBudget?: DpRetryBudget;
}

/**
 * `Cluster.outlier_detection` with Envoy's defaults filled in (outlier_detection.proto; the
 * detector itself follows source/common/upstream/outlier_detection_impl.cc). Percentages are
 * 0–100; `successRateStdevFactor` is Envoy's integer (1900 = 1.9).
 */
export interface DpOutlierDetection {
  intervalMs: number;
  baseEjectionTimeMs: number;
  /** Default max(300 s, base_ejection_time). */
  maxEjectionTimeMs: number;
  maxEjectionTimeJitterMs: number;
  maxEjectionPercent: number;
  alwaysEjectOneHost: boolean;
  consecutive5xx: number;
  enforcingConsecutive5xx: number;
  consecutiveGatewayFailure: number;
  enforcingConsecutiveGatewayFailure: number;
  splitExternalLocalOriginErrors: boolean;
  consecutiveLocalOriginFailure: number;
  enforcingConsecutiveLocalOriginFailure: number;
  successRateMinimumHosts: number;
  successRateRequestVolume: number;
  successRateStdevFactor: number;
  enforcingSuccessRate: number;
  enforcingLocalOriginSuccessRate: number;
  failurePercentageThreshold: number;
  failurePercentageMinimumHosts: number;
  failurePercentageRequestVolume: number;
  enforcingFailurePercentage: number;
  enforcingFailurePercentageLocalOrigin: number;
}

/**
 * Upstream connection limits of the cluster's HTTP protocol options
 * (`common_http_protocol_options`, in `typed_extension_protocol_options` or the deprecated
 * cluster fields). Absent fields: Envoy's defaults (no request cap, idle timeout 1 h, no age limit).
 */
export interface DpUpstreamConnectionOptions {
  /** Streams per connection before it is drained (0/absent = unlimited). */
  maxRequestsPerConnection?: number;
  /** Close a connection with no stream for this long; 0 disables. Absent = 1 h. */
  idleTimeoutMs?: number;
  /** Drain a connection this long after it was established. Absent = no limit. */
  maxConnectionDurationMs?: number;
}

export type DpClusterType = 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'EDS' | 'DYNAMIC_FORWARD_PROXY';

export interface DpCluster {
  name: string;
  type: DpClusterType;
  /** Default 5000 (envoy-retry.md §1.2). */
  connectTimeoutMs: number;
  lbPolicy: 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH';
  /** RING_HASH: `ring_hash_lb_config` (defaults 1024 / 8M) and `consistent_hashing_lb_config.use_hostname_for_hashing`. */
  ringHash?: { minimumRingSize: number; maximumRingSize: number; useHostnameForHashing: boolean };
  circuitBreakers: DpCircuitBreakers;
  http2: boolean;
  /** For EDS clusters: the ClusterLoadAssignment name to subscribe to. */
  edsServiceName?: string;
  /**
   * From `load_assignment` (STATIC, DNS types); for EDS, filled from the ClusterLoadAssignment.
   * Every endpoint, unhealthy ones included: the runtime's load balancer applies health, outlier
   * ejection and the panic threshold together, as Envoy's does.
   */
  endpoints: DpEndpoint[];
  /** `common_lb_config.healthy_panic_threshold` in percent; absent = 50; 0 = never panic. */
  healthyPanicThresholdPercent?: number;
  /**
   * `common_lb_config.update_merge_window` in ms; absent = 1000; 0 = every health change reaches
   * the load balancer at once.
   */
  updateMergeWindowMs?: number;
  outlierDetection?: DpOutlierDetection;
  upstreamConnection?: DpUpstreamConnectionOptions;
  perConnectionBufferLimitBytes: number;
  raw: JsonObject;
}

/** A field the data plane does not implement, found at `path` in the config. */
export interface DpUnsupportedField {
  path: string;
  /** `ignored`: behaviour is unaffected or close enough; `rejected`: ignoring it would change behaviour. */
  effect: 'ignored' | 'rejected';
  reason: string;
}

/** Everything the proxy runtime serves, at one moment. Immutable once built. */
export interface DpSnapshot {
  listeners: DpListener[];
  /** RDS route configurations by name (inline ones live on their listener). */
  routeConfigs: ReadonlyMap<string, DpRouteConfig>;
  clusters: ReadonlyMap<string, DpCluster>;
}
