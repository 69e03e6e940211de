import type { DpRetryPolicy } from '../config/model';
import type { Counter } from '../stats/store';

/**
 * The contract between the router (which runs attempts on sockets) and the retry engine (pure
 * decisions, envoy-retry.md §1–§5). The engine never touches a socket or a timer; the router
 * never decides whether to retry.
 */

/** Envoy's reset reason strings (envoy-retry.md §2.4, resetReasonToString). */
export type ResetReason =
  | 'local connection failure'
  | 'remote connection failure'
  | 'connection timeout'
  | 'connection termination'
  | 'local reset'
  | 'remote reset'
  | 'remote refused stream reset'
  | 'overflow'
  | 'protocol error';

/** Header map with lower-case names, as node:http gives it. */
export type HeaderMap = Record<string, string | string[] | undefined>;

/** The per-cluster counters the engine moves (cluster.<name>.upstream_rq_retry*, §6.1). */
export interface RetryStats {
  retry: Counter;
  retrySuccess: Counter;
  retryOverflow: Counter;
  retryLimitExceeded: Counter;
  retryBackoffExponential: Counter;
  retryBackoffRatelimited: Counter;
}

/** The cluster's retry circuit breaker or retry budget (envoy-retry.md §4.1, §4.2). */
export interface RetryCircuit {
  /** Reserves a retry slot if max_retries / the budget allows one now. */
  tryStartRetry(): boolean;
  /** Releases the slot when the retry attempt ends. */
  retryFinished(): void;
}

/**
 * `kind: 'immediate'` (added, backward compatible): Envoy's RetryImmediately — a 425 matched by
 * `retriable-status-codes` on a request without `early-data` — runs on the next event-loop turn
 * with `backoffMs: 0` and counts no backoff stat (§3.1 last bullet).
 */
export type RetryDecision =
  | { retry: true; backoffMs: number; kind: 'exponential' | 'ratelimited' | 'immediate' }
  | { retry: false; reason: 'not-retriable' | 'limit-exceeded' | 'overflow' };

export interface RetryState {
  readonly perTryTimeoutMs?: number;
  readonly perTryIdleTimeoutMs?: number;
  readonly hostPredicates: readonly string[];
  readonly hostSelectionRetryMaxAttempts: number;
  /** Retries launched so far. */
  readonly retriesDone: number;
  /** An attempt's response headers arrived, before anything went downstream (§1.3, §2.1 order). */
  onResponseHeaders(status: number, headers: HeaderMap): RetryDecision;
  /** An attempt was reset; `requestStarted`: request headers were ever handed to a codec (§1.4). */
  onReset(reason: ResetReason, requestStarted: boolean): RetryDecision;
  /** The router launched the retry it was told to (after the backoff). */
  onRetryLaunched(): void;
  /** The response going downstream was not retriable: counts retry_success when retries happened. */
  onFinalResponse(status: number, headers: HeaderMap): void;
  /** The downstream request is over: release circuit-breaker slots. */
  finish(): void;
}

export interface CreateRetryStateInput {
  /** The effective policy (route, else virtual host); undefined = none. */
  policy?: DpRetryPolicy;
  /** Downstream request headers; x-envoy-* retry headers are read (internal only) and removed. */
  requestHeaders: HeaderMap;
  internal: boolean;
  stats: RetryStats;
  circuit: RetryCircuit;
  /** Uniform [0,1) source for jittered backoff; Math.random by default. */
  random?: () => number;
  /**
   * (Added, optional.) `:method`, `:path`, `:authority`, `:scheme` of the downstream request:
   * Envoy's `retriable_request_headers` matchers see pseudo-headers. Only read, never removed.
   */
  pseudoHeaders?: HeaderMap;
  /** (Added, optional.) Wall clock in ms for UNIX_TIMESTAMP reset headers (§3.2); Date.now by default. */
  nowMs?: () => number;
}

/** What Envoy answers locally when no upstream response is forwarded (envoy-retry.md §2.4). */
export interface LocalReply {
  status: number;
  body: string;
  /** Response flags for the access log, e.g. ['UF', 'URX']. */
  flags: string[];
  headers: Record<string, string>;
}

/** Route and per-try timeouts after internal x-envoy-* headers (envoy-retry.md §2.3). */
export interface EffectiveTimeouts {
  /** 0 = disabled. */
  routeTimeoutMs: number;
  /** undefined = none (also when ≥ a non-zero route timeout). */
  perTryTimeoutMs?: number;
  perTryIdleTimeoutMs?: number;
  /** Value of x-envoy-expected-rq-timeout-ms to send upstream, if any. */
  expectedTimeoutMs?: number;
}
