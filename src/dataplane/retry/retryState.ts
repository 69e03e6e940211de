/**
 * The per-request retry state (envoy-retry.md §1.3, §1.4, §2.1, §3, §4.1, §6.1), Envoy's
 * RetryStateImpl without the timer: the router runs the backoff the decision carries.
 *
 * Every outcome goes through `shouldRetry`, in Envoy's order (§9 item 4):
 *   1. a retry was scheduled before and this outcome asks for none → `upstream_rq_retry_success`;
 *      the circuit-breaker slot of that retry is released (resetRetry);
 *   2. not retriable → No;
 *   3. 0 retries left → `upstream_rq_retry_limit_exceeded`, NoRetryLimitExceeded (URX);
 *   4. retries left −1 (before the breaker check, so an overflow still uses one up);
 *   5. retry circuit breaker / budget full → `upstream_rq_retry_overflow`, NoOverflow (UO);
 *   6. take a slot and schedule the retry (immediate, or with a backoff).
 *
 * `upstream_rq_retry` and the backoff stat of the scheduled retry (exactly one, none if
 * immediate) count in onRetryLaunched, when the attempt actually starts: a retry cut short in its
 * backoff (route timeout, buffer overflow, downstream reset) moves neither — observed on Envoy
 * 1.40: counted at launch (envoy-retry.md §6.1 said at scheduling).
 */
import type { DpHeaderMatcher } from '../config/model';
import type { CreateRetryStateInput, HeaderMap, ResetReason, RetryCircuit, RetryDecision, RetryState, RetryStats } from './api';
import { ExponentialBackOff, parseResetInterval, rateLimitedBackOffMs } from './backoff';
import { anyHeaderMatches } from './headerMatcher';
import { hasHeader, headerValue } from './headers';
import { atoiUnsigned } from './numbers';
import { mergeRetryPolicy, type MergedRetryPolicy } from './policy';
import { GRPC_ANY, RetryOn } from './retryOn';

/** Envoy's RetryDecision before counting: NoRetry / RetryWithBackoff / RetryImmediately. */
export type WouldRetry = 'no' | 'backoff' | 'immediate';

const TOO_EARLY = 425;

/** grpc-status values the gRPC tokens retry on (§1.3 item 7). */
const GRPC_STATUS_FLAG: ReadonlyMap<number, number> = new Map([
  [1, RetryOn.GRPC_CANCELLED],
  [4, RetryOn.GRPC_DEADLINE_EXCEEDED],
  [8, RetryOn.GRPC_RESOURCE_EXHAUSTED],
  [13, RetryOn.GRPC_INTERNAL],
  [14, RetryOn.GRPC_UNAVAILABLE],
]);

const CONNECT_FAILURES: ReadonlySet<ResetReason> = new Set<ResetReason>([
  'local connection failure',
  'remote connection failure',
  'connection timeout',
]);

/** What wouldRetryFromHeaders needs besides the response. */
export interface HeaderRules {
  retryOn: number;
  retriableStatusCodes: readonly number[];
  retriableHeaders: readonly DpHeaderMatcher[];
  /** The downstream request carried `early-data` (decides the 425 case). */
  requestHadEarlyData: boolean;
}

/** §1.3 in order; the x-envoy-ratelimited short-circuit comes first and overrides everything. */
export function wouldRetryFromHeaders(rules: HeaderRules, status: number, headers: HeaderMap): WouldRetry {
  const on = rules.retryOn;
  if (hasHeader(headers, 'x-envoy-ratelimited')) return on & RetryOn.ENVOY_RATE_LIMITED ? 'backoff' : 'no';
  if (on & RetryOn.FIVE_XX && status >= 500 && status < 600) return 'backoff';
  if (on & RetryOn.GATEWAY_ERROR && status >= 502 && status < 505) return 'backoff';
  if (on & RetryOn.RETRIABLE_4XX && status === 409) return 'backoff';
  if (on & RetryOn.RETRIABLE_STATUS_CODES) {
    const d = statusCodeDecision(rules, status);
    if (d !== 'no') return d;
  }
  if (on & RetryOn.RETRIABLE_HEADERS && anyHeaderMatches(rules.retriableHeaders, headers)) return 'backoff';
  if (on & GRPC_ANY && grpcStatusRetriable(on, headers)) return 'backoff';
  return 'no';
}

/**
 * retriable-status-codes: a listed 425 (Too Early) is retried immediately unless the downstream
 * request came as early data, in which case that entry does not match (the code has no HTTP/3
 * condition here since the conn_pool_new_stream_with_early_data_and_http3 guard was removed).
 */
function statusCodeDecision(rules: HeaderRules, status: number): WouldRetry {
  for (const code of rules.retriableStatusCodes) {
    if (code !== status) continue;
    if (code !== TOO_EARLY) return 'backoff';
    if (!rules.requestHadEarlyData) return 'immediate';
  }
  return 'no';
}

/** Grpc::Common::getGrpcStatus over the response headers (never trailers). */
function grpcStatusRetriable(on: number, headers: HeaderMap): boolean {
  const raw = headerValue(headers, 'grpc-status');
  if (raw === undefined || raw === '') return false;
  const v = atoiUnsigned(raw, 64);
  if (v === undefined || v > 16n) return false;
  const flag = GRPC_STATUS_FLAG.get(Number(v));
  return flag !== undefined && (on & flag) !== 0;
}

/** §1.4 in order (HTTP/3 cases do not exist on this data plane). */
export function wouldRetryFromReset(retryOn: number, reason: ResetReason, requestStarted: boolean): WouldRetry {
  if (reason === 'overflow') return 'no';
  if (CONNECT_FAILURES.has(reason) && retryOn & RetryOn.CONNECT_FAILURE) return 'backoff';
  if (retryOn & RetryOn.RESET_BEFORE_REQUEST && !requestStarted) return 'backoff';
  if (retryOn & (RetryOn.RESET | RetryOn.FIVE_XX | RetryOn.GATEWAY_ERROR)) return 'backoff';
  if (retryOn & RetryOn.REFUSED_STREAM && reason === 'remote refused stream reset') return 'backoff';
  return 'no';
}

/** CreateRetryStateInput with everything resolved. */
interface StateDeps {
  policy: MergedRetryPolicy;
  stats: RetryStats;
  circuit: RetryCircuit;
  random: () => number;
  nowMs: () => number;
  requestHadEarlyData: boolean;
}

const NOT_RETRIABLE: RetryDecision = { retry: false, reason: 'not-retriable' };
const LIMIT_EXCEEDED: RetryDecision = { retry: false, reason: 'limit-exceeded' };
const OVERFLOW: RetryDecision = { retry: false, reason: 'overflow' };

class RetryStateImpl implements RetryState {
  readonly perTryTimeoutMs?: number;
  readonly perTryIdleTimeoutMs?: number;
  readonly hostPredicates: readonly string[];
  readonly hostSelectionRetryMaxAttempts: number;
  retriesDone = 0;

  private retriesRemaining: number;
  private readonly rules: HeaderRules;
  private readonly exponential: ExponentialBackOff;
  /** Envoy's armed backoff_callback_/next_loop_callback_: a retry holds a breaker slot. */
  private retryPending = false;
  /** Sticky "request headers were handed to a codec" (§1.4 step 4). */
  private requestStarted = false;
  /** The kind of the retry scheduled last and not launched yet: its stats count at launch. */
  private scheduledKind: 'immediate' | 'exponential' | 'ratelimited' | undefined;

  constructor(private readonly deps: StateDeps) {
    const p = deps.policy;
    if (p.perTryTimeoutMs !== undefined) this.perTryTimeoutMs = p.perTryTimeoutMs;
    if (p.perTryIdleTimeoutMs !== undefined) this.perTryIdleTimeoutMs = p.perTryIdleTimeoutMs;
    this.hostPredicates = p.hostPredicates;
    this.hostSelectionRetryMaxAttempts = p.hostSelectionRetryMaxAttempts;
    this.retriesRemaining = p.numRetries;
    this.rules = {
      retryOn: p.retryOn,
      retriableStatusCodes: p.retriableStatusCodes,
      retriableHeaders: p.retriableHeaders,
      requestHadEarlyData: deps.requestHadEarlyData,
    };
    this.exponential = new ExponentialBackOff(p.backOff.baseIntervalMs, p.backOff.maxIntervalMs, deps.random);
  }

  onResponseHeaders(status: number, headers: HeaderMap): RetryDecision {
    const would = wouldRetryFromHeaders(this.rules, status, headers);
    // §3.2: only header-triggered RetryWithBackoff looks at reset headers.
    const interval = would === 'backoff' ? this.rateLimitedInterval(headers) : undefined;
    return this.shouldRetry(would, interval);
  }

  onReset(reason: ResetReason, requestStarted: boolean): RetryDecision {
    this.requestStarted ||= requestStarted;
    return this.shouldRetry(wouldRetryFromReset(this.rules.retryOn, reason, this.requestStarted), undefined);
  }

  /**
   * Hedging (envoy-retry.md §7.2), RetryStateImpl::shouldHedgeRetryPerTryTimeout: a per-try
   * timeout is always retriable and counts like any retry (limit, circuit breaker, backoff), but
   * the timed-out attempt keeps running.
   */
  onHedgedPerTryTimeout(): RetryDecision {
    return this.shouldRetry('backoff', undefined);
  }

  /** Would these response headers be retried? Counts nothing (the response of an already hedged attempt). */
  wouldRetryResponse(status: number, headers: HeaderMap): boolean {
    return wouldRetryFromHeaders(this.rules, status, headers) !== 'no';
  }

  /** Envoy 1.40 counts upstream_rq_retry and the backoff stat here, when the retry starts. */
  onRetryLaunched(): void {
    this.retriesDone++;
    const kind = this.scheduledKind;
    this.scheduledKind = undefined;
    if (kind === undefined) return;
    const { stats } = this.deps;
    stats.retry.inc();
    if (kind === 'exponential') stats.retryBackoffExponential.inc();
    else if (kind === 'ratelimited') stats.retryBackoffRatelimited.inc();
  }

  /**
   * Envoy counts retry_success inside the decision for the retry's outcome; the router calls
   * this after a non-retry decision, when it is a no-op. It only counts if a scheduled retry got
   * no decision at all (a router that skipped onResponseHeaders), so nothing counts twice.
   */
  onFinalResponse(_status: number, _headers: HeaderMap): void {
    if (!this.retryPending) return;
    this.deps.stats.retrySuccess.inc();
    this.releaseSlot();
  }

  finish(): void {
    // Envoy's ~RetryStateImpl → resetRetry(): the slot goes, no stat moves.
    this.releaseSlot();
  }

  private rateLimitedInterval(headers: HeaderMap): number | undefined {
    const config = this.deps.policy.rateLimitedBackOff;
    if (!config || config.resetHeaders.length === 0) return undefined;
    const interval = parseResetInterval(config, headers, this.deps.nowMs());
    return interval !== undefined && interval > 1 ? interval : undefined;
  }

  private shouldRetry(would: WouldRetry, rateLimitedMs: number | undefined): RetryDecision {
    const { stats, circuit } = this.deps;
    if (this.retryPending && would === 'no') stats.retrySuccess.inc();
    this.releaseSlot();
    if (would === 'no') return NOT_RETRIABLE;
    if (this.retriesRemaining === 0) {
      stats.retryLimitExceeded.inc();
      return LIMIT_EXCEEDED;
    }
    this.retriesRemaining--;
    if (!circuit.tryStartRetry()) {
      stats.retryOverflow.inc();
      return OVERFLOW;
    }
    this.retryPending = true;
    const decision = this.schedule(would, rateLimitedMs);
    if (decision.retry) this.scheduledKind = decision.kind;
    return decision;
  }

  /** enableBackoffTimer: rate-limited interval if the response gave one, else exponential (counted at launch). */
  private schedule(would: WouldRetry, rateLimitedMs: number | undefined): RetryDecision {
    const { random } = this.deps;
    if (would === 'immediate') return { retry: true, backoffMs: 0, kind: 'immediate' };
    if (rateLimitedMs !== undefined) {
      return { retry: true, backoffMs: rateLimitedBackOffMs(rateLimitedMs, random), kind: 'ratelimited' };
    }
    return { retry: true, backoffMs: this.exponential.nextBackOffMs(), kind: 'exponential' };
  }

  private releaseSlot(): void {
    if (!this.retryPending) return;
    this.retryPending = false;
    this.deps.circuit.retryFinished();
  }
}

/**
 * The retry state for a request, or undefined when no retry condition remains (then the router
 * never retries and need not buffer the body). Removes the x-envoy-* retry headers in every case;
 * call effectiveTimeouts() first (it reads x-envoy-upstream-rq-per-try-timeout-ms).
 */
export function createRetryState(input: CreateRetryStateInput): RetryState | undefined {
  const requestHadEarlyData = hasHeader(input.requestHeaders, 'early-data');
  const policy = mergeRetryPolicy(input);
  if (!policy) return undefined;
  return new RetryStateImpl({
    policy,
    stats: input.stats,
    circuit: input.circuit,
    random: input.random ?? Math.random,
    nowMs: input.nowMs ?? Date.now,
    requestHadEarlyData,
  });
}
