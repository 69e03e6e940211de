/**
 * The mesh model every source system compiles into. It knows services, routes and policies,
 * not Istio or Kuma, and not Envoy's protos. Durations are whole milliseconds.
 * Every policy carries its provenance, so `translate` and `proxy-config` can say where it came from.
 */

/** Which source object produced something. */
export interface Provenance {
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
  file?: string;
  line?: number;
  /** `metadata.creationTimestamp` as written (RFC 3339), when set: the oldest object wins ties (docs/precedence.md). */
  created?: string;
}

export type Protocol = 'HTTP' | 'HTTP2' | 'GRPC' | 'GRPC-WEB' | 'HTTPS' | 'TLS' | 'TCP' | 'MONGO' | 'REDIS' | 'MYSQL' | 'UDP';

/** How a service's endpoints are found; maps to an Envoy cluster discovery type. */
export type Resolution = 'DNS' | 'DNS_ROUND_ROBIN' | 'STATIC' | 'NONE';

export interface ServicePort {
  number: number;
  name: string;
  protocol: Protocol;
  /** Port the endpoints listen on when it differs from `number`. */
  targetPort?: number;
  /** Kubernetes `appProtocol` as written (e.g. `http`, `kubernetes.io/h2c`), when set. */
  appProtocol?: string;
}

export interface Endpoint {
  address: string;
  /** Per service-port-name overrides of the endpoint port. */
  ports: Record<string, number>;
  labels: Record<string, string>;
  weight?: number;
}

/** A destination that exists in the registry (a ServiceEntry host, later a Kubernetes Service). */
export interface Service {
  host: string;
  namespace: string;
  addresses: string[];
  ports: ServicePort[];
  resolution: Resolution;
  /** Declared endpoints; empty means "the host itself" for DNS resolution. */
  endpoints: Endpoint[];
  external: boolean;
  source: Provenance;
  /**
   * Other names the service answers to on every proxy (Kubernetes: `name.ns.svc`, `name.ns`).
   * The bare `name` is `localAlias`: only proxies in the service's namespace resolve it.
   */
  aliases?: string[];
  localAlias?: string;
  /** Kubernetes Service name and labels (Kuma's `kuma.io/service` may name or label it). */
  name?: string;
  labels?: Record<string, string>;
  /** Kubernetes Service annotations (Kuma reads `<port>.service.kuma.io/protocol` there). */
  annotations?: Record<string, string>;
  /**
   * What routes nobody else routes get (the default route of each HTTP port): Istio's default for
   * ServiceEntry hosts; absent (no retries) for a plain Kubernetes Service (DESIGN.md).
   */
  defaultRetry?: RetryDecision;
  /** DestinationRule subsets: endpoints whose labels include these, one cluster each. */
  subsets?: Subset[];
  /** Effective cluster settings per port and subset (a DestinationRule, resolved by its system). */
  clusterPolicies?: ClusterPolicy[];
}

export interface Subset {
  name: string;
  labels: Record<string, string>;
}

/** Cluster settings for one port (and subset, when set) of a service, already merged by its system. */
export interface ClusterPolicy {
  port: number;
  subset?: string;
  policy: TrafficPolicy;
  source: Provenance;
}

/** Connection limits; absent fields keep the translator's defaults (Istio's 2^32-1 thresholds). */
export interface ConnectionPool {
  maxConnections?: number;
  maxPendingRequests?: number;
  maxRequests?: number;
  maxRetries?: number;
  maxRequestsPerConnection?: number;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  maxConnectionDurationMs?: number;
}

export interface OutlierDetection {
  consecutive5xxErrors?: number;
  consecutiveGatewayErrors?: number;
  consecutiveLocalOriginFailures?: number;
  splitExternalLocalOriginErrors?: boolean;
  intervalMs?: number;
  baseEjectionTimeMs?: number;
  maxEjectionPercent?: number;
  minHealthPercent?: number;
}

export interface RetryBudget {
  /** Percent of active requests that may be retries (Istio default 20). */
  budgetPercent: number;
  minRetryConcurrency: number;
  budgetIntervalMs?: number;
}

export interface TrafficPolicy {
  connectionPool?: ConnectionPool;
  outlierDetection?: OutlierDetection;
  retryBudget?: RetryBudget;
  /** `ROUND_ROBIN`, `LEAST_REQUEST`, `RANDOM`; consistent hashing drops Istio's previous_hosts predicate. */
  loadBalancer?: { simple?: 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'PASSTHROUGH'; consistentHash?: boolean };
}

export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface RouteMatch {
  /** Absent means prefix `/`. */
  uri?: StringMatch;
  headers: Array<{ name: string; match: StringMatch }>;
  method?: StringMatch;
  /** Query parameter matches (Gateway API `queryParams`); all must match. */
  queryParams?: Array<{ name: string; match: StringMatch }>;
  name?: string;
}

export interface RetryPolicy {
  /** The exact `retry_on` string Envoy will get (token order preserved). */
  retryOn: string;
  numRetries: number;
  retriableStatusCodes: number[];
  perTryTimeoutMs?: number;
  /** Adds Envoy's `previous_hosts` retry host predicate. */
  previousHostsPredicate: boolean;
  hostSelectionRetryMaxAttempts?: number;
  /** Adds the `previous_priorities` retry priority with this update frequency. */
  previousPrioritiesUpdateFrequency?: number;
  backoff?: { baseIntervalMs: number; maxIntervalMs?: number };
  rateLimitedBackoff?: RateLimitedBackoff;
  /** Envoy `retriable_headers` (response) and `retriable_request_headers`, in order. */
  retriableHeaders?: HeaderMatcher[];
  retriableRequestHeaders?: HeaderMatcher[];
  /** Kuma `OmitHostsWithTags`: Envoy's omit_host_metadata predicate with these `envoy.lb` tags. */
  omitHostsWithTags?: Record<string, string>;
}

/**
 * How strongly a retry decision binds a route, the first key of the precedence rule
 * (docs/precedence.md): written on the route itself (a VirtualService `http[].retries`, an
 * HTTPRoute rule's `retry`) beats a policy attached to the destination service for this proxy
 * (FSM/OSM `Retry`, FSM gateway `RetryPolicy`, Kuma `Retry`/`MeshRetry`), which beats a
 * system default (Istio's default policy).
 */
export type RetryLevel = 'route' | 'destination' | 'default';

/** A retry policy decision and who made it; `policy: null` means "no retries" was decided. */
export interface RetryDecision {
  policy: RetryPolicy | null;
  from: Provenance | 'default';
  /** Human-readable reason, e.g. `Istio default policy (no retries on the route)`. */
  reason: string;
  level: RetryLevel;
  /**
   * Kuma's legacy `Retry` sets the policy on the virtual host, not the route (sources-kuma-fsm.md
   * §1.1.2). When every route of a virtual host carries the same such decision, it is emitted there.
   */
  placement?: 'virtualHost';
}

export interface RateLimitedBackoff {
  resetHeaders: Array<{ name: string; format: 'SECONDS' | 'UNIX_TIMESTAMP' }>;
  maxIntervalMs?: number;
}

/** Envoy header matcher as used by retriable (request/response) headers. */
export interface HeaderMatcher {
  name: string;
  exact?: string;
  prefix?: string;
  regex?: string;
  /** true: header present; false: header absent. */
  present?: boolean;
}

/** Fault injection on a route (Istio `http[].fault`), percentages as written (0–100, a double). */
export interface FaultPolicy {
  delay?: { fixedDelayMs: number; percentage: number };
  abort?: { httpStatus?: number; grpcStatus?: number; percentage: number };
  source: Provenance;
}

export interface RouteDestination {
  host: string;
  port: number;
  subset?: string;
  weight: number;
}

export interface Route {
  name?: string;
  match: RouteMatch;
  destinations: RouteDestination[];
  /** Route timeout over all attempts; 0 disables it (Istio's default). */
  timeoutMs: number;
  retry: RetryDecision;
  fault?: FaultPolicy;
  source: Provenance | 'default';
}

/** Routes for one host and port of the registry. */
export interface VirtualHost {
  host: string;
  port: number;
  routes: Route[];
  /** Other names it answers to for this proxy (a Kubernetes Service's short forms). */
  aliases?: string[];
}

/** Outbound TCP (non-HTTP) service port on a sidecar: a tcp_proxy listener at 127.0.0.1:<port>. */
export interface TcpRoute {
  host: string;
  port: number;
  /** Envoy tcp_proxy `max_connect_attempts` (Kuma `tcp.maxConnectAttempts`); absent = Envoy's 1. */
  maxConnectAttempts?: number;
  from: Provenance | 'default';
}

/** A virtual host on a gateway listener: the hostnames it answers and the routes attached to it. */
export interface GatewayVirtualHost {
  name: string;
  /** Envoy domains (`*` when the listener and routes name no hostname). */
  domains: string[];
  routes: Route[];
}

export interface GatewayListener {
  /** The Gateway listener's name (`spec.listeners[].name`). */
  name: string;
  port: number;
  protocol: 'HTTP';
  virtualHosts: GatewayVirtualHost[];
}

/** What a proxy with `ROLE: gateway` and `GATEWAY: ns/name` serves: that Gateway's listeners. */
export interface GatewayConfig {
  namespace: string;
  name: string;
  listeners: GatewayListener[];
  source: Provenance;
}

/**
 * The compiled mesh as one proxy sees it: what exists, and how traffic to it is routed and retried.
 * A sidecar gets `virtualHosts` and `tcpRoutes` on its egress listeners; a gateway proxy gets `gateway`.
 */
export interface Mesh {
  services: Service[];
  virtualHosts: VirtualHost[];
  tcpRoutes?: TcpRoute[];
  /** Set for a gateway proxy: it gets its Gateway's listeners (none if no Gateway matches), never the sidecar egress. */
  role?: 'gateway';
  gateway?: GatewayConfig;
}

export function emptyMesh(): Mesh {
  return { services: [], virtualHosts: [] };
}

/**
 * Who a proxy is, from its xDS node (DESIGN.md, proxy identity): `NAMESPACE`, `SERVICE_ACCOUNT`,
 * `LABELS` (Kuma tags live here), `ROLE` and `GATEWAY`.
 */
export interface ProxyIdentity {
  role: 'sidecar' | 'gateway';
  namespace: string;
  serviceAccount: string;
  labels: Record<string, string>;
  /** For a gateway proxy: the Gateway object it serves. */
  gateway?: { namespace: string; name: string };
}

/**
 * Which proxies a policy applies to. Sources declare the selectors their objects use; proxies
 * matching the same set share one view (controlplane/views.ts).
 */
export type ProxySelector =
  | { kind: 'serviceAccount'; namespace: string; name: string }
  /** Every key must be present with that value; `*` accepts any value. */
  | { kind: 'labels'; match: Record<string, string> }
  | { kind: 'gateway'; namespace: string; name: string };

/** Object reference with its API group, for status. */
export interface ObjectKeyRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** A status condition in the Kubernetes / Gateway API vocabulary (`Accepted`, `ResolvedRefs`, ...). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export interface ObjectCondition {
  object: ObjectKeyRef;
  condition: Condition;
}

/** Formats a provenance as `Kind namespace/name`. */
export function describeProvenance(p: Provenance | 'default'): string {
  if (p === 'default') return 'default';
  return p.namespace ? `${p.kind} ${p.namespace}/${p.name}` : `${p.kind} ${p.name}`;
}

/** Protocols that get HTTP routes (Istio's protocol.IsHTTP); the rest are TCP on a sidecar. */
export function isHttpProtocol(p: Protocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB';
}

/** The identity of a proxy that sends no metadata: a sidecar in `default`, as Istio assumes. */
export const DEFAULT_PROXY: ProxyIdentity = { role: 'sidecar', namespace: 'default', serviceAccount: 'default', labels: {} };
