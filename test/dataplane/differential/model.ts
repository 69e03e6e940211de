/**
 * The differential suite's vocabulary: a scenario is one row of envoy-retry.md §1–§7 made
 * executable. It says which config it needs (route / virtual host fragments, inside a config
 * group that owns the listener and cluster settings), what the client sends, what the scripted
 * upstream answers attempt by attempt, and what must come out: client status (and body for
 * Envoy's local replies), upstream attempt count, retry stats deltas, access-log flags, timing.
 *
 * The expectations are the spec's, checked on a real Envoy. When Envoy disagrees with the spec,
 * Envoy wins: the expectation follows Envoy and a `specNote` says what the spec says.
 */
import type { ScriptAttempt } from '../../../src/upstream';

/** An exact number, or an inclusive [min, max]. */
export type Range = number | readonly [number, number];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ScenarioRequest {
  /** Default GET. */
  method?: string;
  /** Default `/`. */
  path?: string;
  /** Extra request headers (x-envoy-* retry headers, matchers' inputs ...). */
  headers?: Record<string, string>;
  /** Request body: text, that many bytes of filler, or filler chunks sent `afterMs` after the previous one. */
  body?: string | { bytes: number } | { chunks: Array<{ bytes: number; afterMs?: number }> };
  /** The upstream script (x-script), e.g. `503,200`. See src/upstream/script.ts. */
  script: string;
  /** Start this long after the scenario's first request (concurrent scenarios). */
  startAfterMs?: number;
  /** Which listener of the group: the plain one (external clients) or `internal` (trusted 127/8). Default per group. */
  listener?: 'http' | 'internal';
}

export interface Expectations {
  /** Client status: one for every request, or the sorted multiset over all requests. 0 = connection closed without a response. */
  status: number | readonly number[];
  /** Body of every response: exact text or a pattern (used for Envoy's local replies). */
  body?: string | RegExp;
  /** Response headers of every response; null = must be absent. */
  headers?: Record<string, string | RegExp | null>;
  /** Attempts that reached the upstream, summed over the scenario's requests. */
  attempts: Range;
  /** Envoy's own attempt count (%UPSTREAM_REQUEST_ATTEMPT_COUNT%, counts connect failures too), per request. */
  proxyAttempts?: Range;
  /**
   * Counter deltas. Names without a `cluster.` / `listener.` / `http.` / `tcp.` / `vhost.` prefix are under
   * the scenario's cluster (`cluster.backend.` by default). Every retry counter of §6.1 that is
   * not listed must stay 0 (see RETRY_COUNTERS).
   */
  stats?: Record<string, Range>;
  /** Response flags from the access log (set; order-free), '-' for none. Per request, or the sorted multiset over requests. */
  flags?: string | readonly string[];
  /** Client-side duration of every request, ms, inclusive. */
  durationMs?: readonly [number, number];
  /** The response body was cut off after the headers (a response that started, then failed). */
  truncated?: boolean;
  /** Headers every upstream attempt must (value) or must not (null) have seen, by 1-based attempt of the first request; `*` = every attempt. */
  upstreamHeaders?: Record<string, Record<string, string | RegExp | null>>;
  /** Anything else; returns problems, empty when fine. */
  check?: (obs: Observation) => string[];
}

export interface Scenario {
  /** Short, unique, DNS-label safe: also the virtual host's domain (`<id>.test`). */
  id: string;
  title: string;
  /** envoy-retry.md section(s), e.g. '§1.5 5xx'. */
  section: string;
  /** Config group (see groups in scenarios.ts): one proxy process per group and plane. */
  group: string;
  /** RouteAction fields (retry_policy, timeout, hedge_policy, ...) merged over `{cluster: <group default>}`. */
  route?: JsonObject;
  /** Route fields outside the action (e.g. per_request_buffer_limit_bytes). */
  routeExtra?: JsonObject;
  /** The virtual host's whole route list, instead of the one catch-all route built from `route`. */
  routes?: JsonObject[];
  /** VirtualHost fields (retry_policy, include_* flags, ...). */
  vhost?: JsonObject;
  /** Cluster the stats are read from (and routed to); default `backend`. */
  cluster?: string;
  /** HTTP requests (concurrently, each after its startAfterMs, unless `sequential`), or a TCP exchange. */
  requests?: ScenarioRequest[];
  /** Send the requests one after the other instead of concurrently. */
  sequential?: boolean;
  /** With `sequential`: pause this long between one response and the next request. */
  gapMs?: number;
  /** Admin paths (e.g. `/clusters`) read after the requests, for `check` (Observation.admin). */
  readAdmin?: string[];
  tcp?: { cluster: string; maxConnectAttempts?: number; script: string };
  expect: Expectations;
  /** What real Envoy does that Ricochet's data plane does not yet: its test then fails with this text. */
  knownDifference?: string;
  /** Where the spec text and real Envoy disagree (Envoy wins; the expectation follows Envoy). */
  specNote?: string;
}

export interface ClientResult {
  scenarioId: string;
  /** 0 when the connection closed without a response. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The response started and then broke off (or the connection failed: `error`). */
  truncated: boolean;
  error?: string;
  startedAt: number;
  durationMs: number;
}

export interface Observation {
  plane: 'envoy' | 'dataplane';
  responses: ClientResult[];
  /** Upstream attempts per request, in arrival order. */
  attempts: ScriptAttempt[][];
  /** Counter deltas, full names. */
  stats: Map<string, number>;
  /** Access log lines (`<id> <code> <flags> <attempts> <duration>`), per request, when found. */
  accessLog: Array<string | undefined>;
  /** The group's endpoints: upstream name → `127.0.0.1:port` (as ScriptAttempt.server spells it). */
  endpoints: Record<string, string>;
  /** TCP connections each `fixed` upstream accepted during the scenario. */
  connections: Record<string, number>;
  /** Bodies of the scenario's `readAdmin` paths, read after the requests. */
  admin: Record<string, string>;
}

/** The §6.1 retry counters: unless a scenario lists one, its delta must be 0. */
export const RETRY_COUNTERS = [
  'upstream_rq_retry',
  'upstream_rq_retry_success',
  'upstream_rq_retry_limit_exceeded',
  'upstream_rq_retry_overflow',
  'upstream_rq_retry_backoff_exponential',
  'upstream_rq_retry_backoff_ratelimited',
] as const;

export function inRange(value: number, r: Range): boolean {
  return typeof r === 'number' ? value === r : value >= r[0] && value <= r[1];
}

export function showRange(r: Range): string {
  return typeof r === 'number' ? String(r) : `${r[0]}..${r[1]}`;
}
