/**
 * The field groups of a DestinationRule `trafficPolicy` (connectionPool, outlierDetection,
 * loadBalancer, retryBudget), validated with Istio's webhook rules (validateConnectionPool,
 * validateOutlierDetection, validateLoadBalancer) and converted the way Istio's cluster builder
 * reads them (cluster_traffic_policy.go; spec/sources-istio.md §5). A group that is written,
 * even empty, is returned (never undefined): Istio's merge rules replace whole groups.
 */
import { Codes } from '../../lib/errors';
import type { ConnectionPool, OutlierDetection, RetryBudget, TrafficPolicy } from '../../ir/model';
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';
import { readDuration } from './validation';

export type LoadBalancer = NonNullable<TrafficPolicy['loadBalancer']>;

const INT32_MAX = 2_147_483_647;
const UINT32_MAX = 4_294_967_295;

/** Istio's RetryBudget defaults (§5.3; 20% since istio#59505, 3). */
export const RETRY_BUDGET_DEFAULT_PERCENT = 20;
export const RETRY_BUDGET_DEFAULT_MIN_CONCURRENCY = 3;

/** An int32 the webhook wants non-negative; `what` is Istio's wording. */
function nonNegative(r: FieldReader, path: FieldPath, what: string): number | undefined {
  const n = r.integer(path, { max: INT32_MAX });
  if (n !== undefined && n < 0) {
    r.error(path, `${what} must be non-negative, got ${n}`);
    return undefined;
  }
  return n;
}

/** ValidatePercent: an int32 in 0..100. */
export function readPercentInt(r: FieldReader, path: FieldPath): number | undefined {
  const n = r.integer(path, { max: INT32_MAX });
  if (n !== undefined && (n < 0 || n > 100)) {
    r.error(path, `percentage ${n} is not in range 0..100`);
    return undefined;
  }
  return n;
}

/** A proto double (YAML number). */
export function readNumber(r: FieldReader, path: FieldPath): number | undefined {
  const v = r.at(path);
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  r.error(path, `must be a number, got ${JSON.stringify(v)}`);
  return undefined;
}

const TCP_FIELDS = {
  supported: ['maxConnections', 'connectTimeout', 'maxConnectionDuration', 'idleTimeout'],
  notYet: { tcpKeepalive: 'TCP keepalive is not set on the cluster; ignored' },
} as const;
const HTTP_FIELDS = {
  supported: ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'idleTimeout'],
  notYet: {
    h2UpgradePolicy: 'the cluster keeps the port\'s protocol; ignored',
    useClientProtocol: 'the cluster keeps the port\'s protocol; ignored',
    maxConcurrentStreams: 'ignored',
    http2KeepAlive: 'ignored',
  },
} as const;

/** validateConnectionPool + applyConnectionPool (§5.1): limits ≤0 mean "unset" (2^32-1). */
export function readConnectionPool(r: FieldReader, path: FieldPath): ConnectionPool | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, { supported: ['tcp', 'http'] });
  const tcp = [...path, 'tcp'];
  const http = [...path, 'http'];
  if (!r.has(tcp) && !r.has(http)) r.error(path, 'connection pool must have at least one field (tcp or http)');
  const out: ConnectionPool = {};
  if (r.mapping(http) !== undefined) readHttpPool(r, http, out);
  if (r.mapping(tcp) !== undefined) readTcpPool(r, tcp, out);
  return out;
}

function readHttpPool(r: FieldReader, path: FieldPath, out: ConnectionPool): void {
  r.checkFields(path, HTTP_FIELDS);
  const at = (f: string): FieldPath => [...path, f];
  setPositive(out, 'maxPendingRequests', nonNegative(r, at('http1MaxPendingRequests'), 'http1 max pending requests'));
  setPositive(out, 'maxRequests', nonNegative(r, at('http2MaxRequests'), 'http2 max requests'));
  setPositive(out, 'maxRequestsPerConnection', nonNegative(r, at('maxRequestsPerConnection'), 'max requests per connection'));
  const maxRetries = nonNegative(r, at('maxRetries'), 'max retries');
  if (maxRetries === 0) {
    r.warn(at('maxRetries'), 'maxRetries: 0 means "unset" to Istio, so the limit stays 4294967295; to stop retrying set attempts: 0 on the route', Codes.SchemaValidation);
  }
  setPositive(out, 'maxRetries', maxRetries);
  const idle = readDuration(r, at('idleTimeout'));
  if (idle !== undefined) out.idleTimeoutMs = idle;
  nonNegative(r, at('maxConcurrentStreams'), 'max concurrent streams');
  const upgrade = r.string(at('h2UpgradePolicy'));
  if (upgrade !== undefined && !['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'].includes(upgrade)) {
    r.error(at('h2UpgradePolicy'), `unknown h2UpgradePolicy ${JSON.stringify(upgrade)}; accepted: DEFAULT, DO_NOT_UPGRADE, UPGRADE`);
  }
  if (upgrade === 'UPGRADE' && r.boolean(at('useClientProtocol')) === true) {
    r.error(path, 'use client protocol must not be true when H2UpgradePolicy is UPGRADE');
  }
}

function readTcpPool(r: FieldReader, path: FieldPath, out: ConnectionPool): void {
  r.checkFields(path, TCP_FIELDS);
  const at = (f: string): FieldPath => [...path, f];
  setPositive(out, 'maxConnections', nonNegative(r, at('maxConnections'), 'max connections'));
  const connect = readDuration(r, at('connectTimeout'));
  if (connect !== undefined) out.connectTimeoutMs = connect;
  const duration = readDuration(r, at('maxConnectionDuration'));
  if (duration !== undefined) out.maxConnectionDurationMs = duration;
  // http.idleTimeout wins; tcp.idleTimeout is the fallback (applyConnectionPool).
  const idle = readDuration(r, at('idleTimeout'));
  if (idle !== undefined && out.idleTimeoutMs === undefined) out.idleTimeoutMs = idle;
  readDuration(r, [...path, 'tcpKeepalive', 'time']);
  readDuration(r, [...path, 'tcpKeepalive', 'interval']);
}

function setPositive(out: ConnectionPool, key: 'maxConnections' | 'maxPendingRequests' | 'maxRequests' | 'maxRetries' | 'maxRequestsPerConnection', n: number | undefined): void {
  if (n !== undefined && n > 0) out[key] = n;
}

const OUTLIER_FIELDS = {
  supported: [
    'consecutive5xxErrors', 'consecutiveGatewayErrors', 'consecutiveLocalOriginFailures', 'splitExternalLocalOriginErrors',
    'interval', 'baseEjectionTime', 'maxEjectionPercent', 'minHealthPercent',
  ],
  notYet: { outlierDetectionHttpErrorCodes: 'ignored (Istio master only)' },
  misplaced: { consecutiveErrors: 'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead; ignored, as Istio does since 2020' },
} as const;

/** validateOutlierDetection + applyOutlierDetection inputs (§5.2). */
export function readOutlierDetection(r: FieldReader, path: FieldPath): OutlierDetection | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, OUTLIER_FIELDS);
  const at = (f: string): FieldPath => [...path, f];
  const u32 = (f: string): number | undefined => r.integer(at(f), { min: 0, max: UINT32_MAX });
  const out: OutlierDetection = {};
  const c5xx = u32('consecutive5xxErrors');
  if (c5xx !== undefined) out.consecutive5xxErrors = c5xx;
  const gateway = u32('consecutiveGatewayErrors');
  if (gateway !== undefined) out.consecutiveGatewayErrors = gateway;
  const split = r.boolean(at('splitExternalLocalOriginErrors')) === true;
  const local = u32('consecutiveLocalOriginFailures');
  if (local !== undefined && local > 0 && !split) {
    r.error(at('consecutiveLocalOriginFailures'), 'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false; set splitExternalLocalOriginErrors: true');
  }
  if (split) {
    out.splitExternalLocalOriginErrors = true;
    if (local !== undefined && local > 0) out.consecutiveLocalOriginFailures = local;
  }
  const interval = readDuration(r, at('interval'));
  if (interval !== undefined) out.intervalMs = interval;
  const base = readDuration(r, at('baseEjectionTime'));
  if (base !== undefined) out.baseEjectionTimeMs = base;
  const maxEjection = readPercentInt(r, at('maxEjectionPercent'));
  if (maxEjection !== undefined && maxEjection > 0) out.maxEjectionPercent = maxEjection;
  // The proto int defaults to 0, so panic mode is off whenever outlier detection is set.
  out.minHealthPercent = readPercentInt(r, at('minHealthPercent')) ?? 0;
  return out;
}

const SIMPLE_LB = ['UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'] as const;
const LB_FIELDS = {
  supported: ['simple', 'consistentHash'],
  notYet: {
    localityLbSetting: 'all endpoints share one locality; ignored',
    warmupDurationSecs: 'no slow start; ignored',
    warmup: 'no slow start; ignored',
  },
} as const;
const HASH_KEYS = ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'] as const;

/** validateLoadBalancer; the IR keeps the algorithm (consistent hashing drops previous_hosts, §1.2). */
export function readLoadBalancer(r: FieldReader, path: FieldPath): LoadBalancer | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, LB_FIELDS);
  const simple = r.string([...path, 'simple']);
  const hash = [...path, 'consistentHash'];
  if (simple !== undefined && r.has(hash)) r.error(path, 'loadBalancer sets both simple and consistentHash; only one may be set');
  if (r.mapping(hash) !== undefined) {
    readConsistentHash(r, hash);
    return { consistentHash: true };
  }
  if (simple === undefined) return {};
  if (!(SIMPLE_LB as readonly string[]).includes(simple)) {
    r.error([...path, 'simple'], `unknown load balancer ${JSON.stringify(simple)}; accepted: ${SIMPLE_LB.join(', ')}`);
    return {};
  }
  if (simple === 'PASSTHROUGH') {
    r.warn([...path, 'simple'], 'PASSTHROUGH sends to the original destination address, which on Ricochet\'s egress listener is the proxy itself; the request\'s Host is resolved instead (dynamic forward proxy)');
  }
  // LEAST_CONN is the deprecated name of LEAST_REQUEST; UNSPECIFIED is Istio's default (LEAST_REQUEST).
  if (simple === 'LEAST_CONN' || simple === 'UNSPECIFIED') return { simple: 'LEAST_REQUEST' };
  return { simple: simple as NonNullable<LoadBalancer['simple']> };
}

function readConsistentHash(r: FieldReader, path: FieldPath): void {
  r.checkFields(path, { supported: [...HASH_KEYS, 'ringHash', 'maglev', 'minimumRingSize'] });
  const keys = HASH_KEYS.filter((k) => r.has([...path, k]));
  if (keys.length > 1) r.error(path, `only one hash key may be set, got ${keys.join(' and ')}`);
  const cookie = [...path, 'httpCookie'];
  if (r.mapping(cookie) !== undefined) {
    r.checkFields(cookie, { supported: ['name', 'path', 'ttl'] });
    if (!r.string([...cookie, 'name'])) r.error([...cookie, 'name'], 'name required for HttpCookie', Codes.MissingField);
  }
  const deprecatedRing = r.integer([...path, 'minimumRingSize'], { min: 0, max: Number.MAX_SAFE_INTEGER });
  if (deprecatedRing) {
    r.warn([...path, 'minimumRingSize'], 'consistent hash MinimumRingSize is deprecated, use ConsistentHashLB\'s RingHash configuration instead', Codes.SchemaValidation);
    if (r.has([...path, 'ringHash']) || r.has([...path, 'maglev'])) r.error(path, 'only one of MinimumRingSize or Maglev/Ringhash can be specified');
  }
  if (r.has([...path, 'ringHash']) && r.has([...path, 'maglev'])) r.error(path, 'only one of ringHash or maglev can be specified');
  readMaglev(r, [...path, 'maglev']);
  r.warn(keys[0] ? [...path, keys[0]] : path, `consistent hashing becomes Envoy's RING_HASH, but the hash key ${keys[0] ?? '(none)'} is not applied yet (no route hash policy), so each request hashes to a random host; the ring size and maglev settings are ignored`);
}

function readMaglev(r: FieldReader, path: FieldPath): void {
  if (r.mapping(path) === undefined) return;
  r.checkFields(path, { supported: ['tableSize'] });
  const size = r.integer([...path, 'tableSize'], { min: 0, max: Number.MAX_SAFE_INTEGER }) ?? 0;
  if (size === 0) r.error([...path, 'tableSize'], 'tableSize must be set for maglev', Codes.MissingField);
  else if (size >= 5_000_011) r.error([...path, 'tableSize'], 'tableSize must be less than 5000011 for maglev');
  else if (!isPrime(size)) r.error([...path, 'tableSize'], 'tableSize must be a prime number for maglev');
}

function isPrime(x: number): boolean {
  if (x < 4) return x !== 0;
  if (x % 2 === 0) return false;
  for (let f = 3; f * f <= x; f += 2) if (x % f === 0) return false;
  return true;
}

/** `trafficPolicy.retryBudget` (Istio ≥1.27, §5.3): percent (a double, 0-100), minRetryConcurrency. */
export function readRetryBudget(r: FieldReader, path: FieldPath): RetryBudget | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, {
    supported: ['percent', 'minRetryConcurrency'],
    notYet: { budgetInterval: 'the Envoy API Ricochet builds against has no budget_interval; ignored' },
  });
  const percent = readNumber(r, [...path, 'percent']);
  if (percent !== undefined && (percent < 0 || percent > 100)) r.error([...path, 'percent'], `percent ${percent} is not in range 0..100`);
  const min = r.integer([...path, 'minRetryConcurrency'], { min: 0, max: UINT32_MAX });
  readDuration(r, [...path, 'budgetInterval']);
  return {
    budgetPercent: percent ?? RETRY_BUDGET_DEFAULT_PERCENT,
    minRetryConcurrency: min !== undefined && min > 0 ? min : RETRY_BUDGET_DEFAULT_MIN_CONCURRENCY,
  };
}
