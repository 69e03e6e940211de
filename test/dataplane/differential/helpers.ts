/**
 * Building blocks for differential scenarios: retry policy fragments, the retry counters a run
 * should move, Envoy's local-reply texts, and readers of what the upstream saw.
 */
import type { Expectations, JsonObject, Observation, Range, Scenario, ScenarioRequest } from './model';

/** Upper slack for timing bounds on a loaded 2-core machine (Envoy, the data plane and mocha share it). */
export const SLACK_MS = 150;

/** `{retry_policy: {retry_on, ...extra}}`, for a route action or a virtual host. */
export const policy = (retryOn: string, extra: JsonObject = {}): JsonObject => ({ retry_policy: { retry_on: retryOn, ...extra } });

/** A 1 ms backoff, for scenarios about something else where attempt times must be predictable. */
export const FAST_BACKOFF: JsonObject = { retry_back_off: { base_interval: '0.001s', max_interval: '0.001s' } };

/** Retry counters for `n` retries with exponential backoff, then success or exhaustion (of one request). */
export function retried(n: number, end: 'success' | 'exhausted' | 'none' = 'success'): Record<string, Range> {
  const out: Record<string, Range> = {};
  if (n > 0) {
    out.upstream_rq_retry = n;
    out.upstream_rq_retry_backoff_exponential = n;
  }
  if (end === 'success' && n > 0) out.upstream_rq_retry_success = 1;
  if (end === 'exhausted') out.upstream_rq_retry_limit_exceeded = 1;
  return out;
}

/** One request with this script. */
export const get = (script: string, extra: Partial<ScenarioRequest> = {}): ScenarioRequest[] => [{ script, ...extra }];

/** `n` requests with the same script (run them `sequential` for deterministic host selection). */
export const times = (n: number, script: string, extra: Partial<ScenarioRequest> = {}): ScenarioRequest[] =>
  Array.from({ length: n }, () => ({ script, ...extra }));

/** Envoy's local reply for a reset (§2.4). */
export function resetBody(reason: string, retriedBefore = false): string {
  return `upstream connect error or disconnect/reset before headers. ${retriedBefore ? 'retried and the latest ' : ''}reset reason: ${reason}`;
}

/** Connect failures append `, transport failure reason: ...` (text differs by OS): match the prefix. */
export function resetBodyPrefix(reason: string, retriedBefore = false): RegExp {
  return new RegExp(`^${escapeRe(resetBody(reason, retriedBefore))}(, transport failure reason: .*)?$`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Arrival gaps between consecutive attempts of one request, ms. */
export function gaps(obs: Observation, request = 0): number[] {
  const a = obs.attempts[request] ?? [];
  return a.slice(1).map((x, i) => x.at - a[i].at);
}

/** Gap between the *end* of attempt i (its response/close) and the arrival of attempt i+1: the backoff plus proxy overhead. */
export function backoffGaps(obs: Observation, request = 0): number[] {
  const a = obs.attempts[request] ?? [];
  return a.slice(1).map((x, i) => x.at - (a[i].endedAt ?? a[i].at));
}

/** Which server (`host:port`) each attempt of one request reached. */
export function servers(obs: Observation, request = 0): string[] {
  return (obs.attempts[request] ?? []).map((a) => a.server);
}

/** How many attempts of the whole scenario reached the named upstream. */
export function attemptsOn(obs: Observation, upstream: string): number {
  const server = obs.endpoints[upstream];
  return obs.attempts.reduce((n, a) => n + a.filter((x) => x.server === server).length, 0);
}

export function fmt(xs: Array<number | undefined>): string {
  return xs.map((x) => (x === undefined ? '?' : x.toFixed(0))).join(', ');
}

/**
 * The `health_flags` of each host of `cluster` in Envoy's text /clusters output
 * (`<cluster>::<host:port>::health_flags::<flags>`), by host:port.
 */
export function healthFlags(clustersText: string, cluster: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of clustersText.split('\n')) {
    const parts = line.split('::');
    if (parts.length === 4 && parts[0] === cluster && parts[2] === 'health_flags') out.set(parts[1], parts[3]);
  }
  return out;
}

// ------------------------------------------------------------------------------------ row builders

/** What every row builder takes: the scenario's identity and config, the request's extras. */
export interface Row {
  id: string;
  title: string;
  section: string;
  /** Default `basic`. */
  group?: string;
  cluster?: string;
  route?: JsonObject;
  vhost?: JsonObject;
  /** Method, headers, body of the single request. */
  request?: Partial<ScenarioRequest>;
  specNote?: string;
}

function fromRow(row: Row, script: string, expect: Expectations): Scenario {
  const { request, group, ...rest } = row;
  return { ...rest, group: group ?? 'basic', requests: get(script, request), expect };
}

/** The first attempt's outcome (a script step) is retried once; the second attempt's 200 reaches the client. */
export function retriedOnce(row: Row, first: string, more: Partial<Expectations> = {}): Scenario {
  return fromRow(row, `${first},200`, { status: 200, attempts: 2, ...more, stats: { ...retried(1), ...(more.stats ?? {}) } });
}

/** The first attempt's outcome is not retried: its `status` reaches the client after one attempt, no retry counter moves. */
export function notRetried(row: Row, first: string, status: number, more: Partial<Expectations> = {}): Scenario {
  return fromRow(row, `${first},200`, { status, attempts: 1, stats: {}, ...more });
}

/** The route's policy covers a refused connect (to `dead`): one retry, then Envoy's local 503 "retried and the latest …", UF+URX. */
export function deadPortRetriedOnce(row: Row): Scenario {
  return fromRow({ cluster: 'dead', ...row }, '200', {
    status: 503,
    body: resetBodyPrefix('remote connection failure', true),
    attempts: 0,
    proxyAttempts: 2,
    flags: 'UF,URX',
    stats: { ...retried(1, 'exhausted'), upstream_cx_connect_fail: 2 },
  });
}

/** The route's policy does not cover an HTTP/1 disconnect after the request: local 503 "connection termination", UC. */
export function disconnectNotRetried(row: Row, more: Partial<Expectations> = {}): Scenario {
  return notRetried(row, 'close', 503, { body: resetBody('connection termination'), flags: 'UC', ...more });
}
