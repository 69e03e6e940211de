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
}

/** A retry policy decision and who made it; `policy: null` means "no retries" was decided. */
export interface RetryDecision {
  policy: RetryPolicy | null;
  from: Provenance | 'default';
  /** Human-readable reason, e.g. `Istio default policy (no retries on the route)`. */
  reason: string;
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
  source: Provenance | 'default';
}

/** Routes for one host and port of the registry. */
export interface VirtualHost {
  host: string;
  port: number;
  routes: Route[];
}

/** The compiled mesh: what exists, and how traffic to it is routed and retried. */
export interface Mesh {
  services: Service[];
  virtualHosts: VirtualHost[];
}

/** Formats a provenance as `Kind namespace/name`. */
export function describeProvenance(p: Provenance | 'default'): string {
  return p === 'default' ? 'default' : `${p.kind} ${p.namespace}/${p.name}`;
}
