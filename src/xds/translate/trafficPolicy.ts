/**
 * A cluster's traffic policy (IR, already merged by its source system) → Envoy Cluster fields:
 * circuit breakers with Istio's 2^32-1 defaults, connect timeout, HTTP protocol options,
 * outlier detection, retry budget and load balancing (sources-istio.md §4.2, §5).
 */
import { formatProtoDuration } from '../../lib/duration';
import type { JsonObject } from '../../lib/protos/protoJson';
import type { ConnectionPool, OutlierDetection, RetryBudget, ServicePort, TrafficPolicy } from '../../ir/model';

const MAX_U32 = 4294967295;
/** Mesh `connectTimeout` default (§4.2). */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Envoy's ring hash default, which Istio sets explicitly when no ring size is given. */
const DEFAULT_RING_SIZE = '1024';
export const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const HTTP_PROTOCOL_OPTIONS_TYPE = `type.googleapis.com/${HTTP_PROTOCOL_OPTIONS}`;

export function connectTimeout(policy: TrafficPolicy | undefined): string {
  return formatProtoDuration(policy?.connectionPool?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
}

/** thresholds[0]: every limit 2^32-1 unless the connection pool sets it (§5.1); a retry budget (§5.3). */
export function circuitBreakers(pool: ConnectionPool | undefined, budget: RetryBudget | undefined): JsonObject {
  const threshold: JsonObject = {
    maxConnections: pool?.maxConnections ?? MAX_U32,
    maxPendingRequests: pool?.maxPendingRequests ?? MAX_U32,
    maxRequests: pool?.maxRequests ?? MAX_U32,
    maxRetries: pool?.maxRetries ?? MAX_U32,
  };
  // In Envoy a retry budget overrides max_retries for the priority.
  if (budget) threshold.retryBudget = { budgetPercent: percent(budget.budgetPercent), minRetryConcurrency: budget.minRetryConcurrency };
  return { thresholds: [threshold] };
}

/** envoy.type.v3.Percent in canonical proto3 JSON: a zero value is omitted. */
function percent(value: number): JsonObject {
  return value === 0 ? {} : { value };
}

/**
 * `typedExtensionProtocolOptions` for the cluster: the port's HTTP version, plus the connection
 * pool's per-connection limits (maxRequestsPerConnection, idleTimeout, maxConnectionDuration).
 * Undefined when neither is needed (an HTTP/1.1 port with no such limits keeps Envoy's defaults).
 */
export function protocolOptions(pool: ConnectionPool | undefined, port: ServicePort): JsonObject | undefined {
  const http2 = port.protocol === 'HTTP2' || port.protocol === 'GRPC';
  const common: JsonObject = {};
  if (pool?.idleTimeoutMs !== undefined) common.idleTimeout = formatProtoDuration(pool.idleTimeoutMs);
  if (pool?.maxConnectionDurationMs !== undefined) common.maxConnectionDuration = formatProtoDuration(pool.maxConnectionDurationMs);
  if (pool?.maxRequestsPerConnection !== undefined) common.maxRequestsPerConnection = pool.maxRequestsPerConnection;
  const hasCommon = Object.keys(common).length > 0;
  if (!http2 && !hasCommon) return undefined;
  const options: JsonObject = { '@type': HTTP_PROTOCOL_OPTIONS_TYPE };
  if (hasCommon) options.commonHttpProtocolOptions = common;
  // HttpProtocolOptions requires an upstream protocol choice; HTTP/1.1 is what Envoy uses anyway.
  options.explicitHttpConfig = http2 ? { http2ProtocolOptions: {} } : { httpProtocolOptions: {} };
  return { [HTTP_PROTOCOL_OPTIONS]: options };
}

/** applyOutlierDetection (§5.2): success-rate ejection off, consecutive errors enforced at 100%. */
export function outlierDetection(od: OutlierDetection): JsonObject {
  const out: JsonObject = {};
  if (od.consecutive5xxErrors !== undefined) {
    out.consecutive5xx = od.consecutive5xxErrors;
    out.enforcingConsecutive5xx = od.consecutive5xxErrors > 0 ? 100 : 0;
  }
  if (od.intervalMs !== undefined) out.interval = formatProtoDuration(od.intervalMs);
  if (od.baseEjectionTimeMs !== undefined) out.baseEjectionTime = formatProtoDuration(od.baseEjectionTimeMs);
  if (od.maxEjectionPercent !== undefined && od.maxEjectionPercent > 0) out.maxEjectionPercent = od.maxEjectionPercent;
  out.enforcingSuccessRate = 0;
  if (od.consecutiveGatewayErrors !== undefined) {
    out.consecutiveGatewayFailure = od.consecutiveGatewayErrors;
    out.enforcingConsecutiveGatewayFailure = od.consecutiveGatewayErrors > 0 ? 100 : 0;
  }
  if (od.splitExternalLocalOriginErrors) {
    out.splitExternalLocalOriginErrors = true;
    if (od.consecutiveLocalOriginFailures !== undefined && od.consecutiveLocalOriginFailures > 0) {
      out.consecutiveLocalOriginFailure = od.consecutiveLocalOriginFailures;
      out.enforcingConsecutiveLocalOriginFailure = 100;
    }
    out.enforcingLocalOriginSuccessRate = 0;
  }
  return out;
}

/** lbPolicy from the DR's load balancer; Istio's default is LEAST_REQUEST (§4.2). */
export function loadBalancing(lb: TrafficPolicy['loadBalancer']): JsonObject {
  if (lb?.consistentHash) return { lbPolicy: 'RING_HASH', ringHashLbConfig: { minimumRingSize: DEFAULT_RING_SIZE } };
  switch (lb?.simple) {
    // ROUND_ROBIN is enum value 0, which proto3 JSON leaves out (as Envoy's config dump does).
    case 'ROUND_ROBIN': return {};
    case 'RANDOM': return { lbPolicy: 'RANDOM' };
    default: return { lbPolicy: 'LEAST_REQUEST' };
  }
}

/** Whether the policy sends to the original destination (Istio's PASSTHROUGH load balancer). */
export function isPassthrough(policy: TrafficPolicy | undefined): boolean {
  return policy?.loadBalancer?.simple === 'PASSTHROUGH';
}

/** Adds the policy-driven fields to a cluster built for `port`. */
export function applyTrafficPolicy(cluster: JsonObject, policy: TrafficPolicy | undefined, port: ServicePort): void {
  cluster.circuitBreakers = circuitBreakers(policy?.connectionPool, policy?.retryBudget);
  const options = protocolOptions(policy?.connectionPool, port);
  if (options) cluster.typedExtensionProtocolOptions = options;
  if (policy?.outlierDetection) {
    cluster.outlierDetection = outlierDetection(policy.outlierDetection);
    // The proto int defaults to 0, so panic mode is off whenever outlier detection is configured.
    cluster.commonLbConfig = { healthyPanicThreshold: percent(policy.outlierDetection.minHealthPercent ?? 0) };
  }
}
