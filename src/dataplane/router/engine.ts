/**
 * The retry engine as the router sees it (src/dataplane/retry, contract in retry/api.ts): every
 * retry decision, timeout computation, local reply and header match comes from there. The
 * interface lists exactly what the runtime uses, checked against the engine at compile time.
 */
import type { DpHeaderMatcher, DpRetryPolicy } from '../config/model';
import * as retry from '../retry';
import type { CreateRetryStateInput, EffectiveTimeouts, HeaderMap, LocalReply, ResetReason, RetryDecision, RetryState } from '../retry/api';

export interface RetryEngine {
  createRetryState(input: CreateRetryStateInput): RetryState | undefined;
  effectiveTimeouts(routeTimeoutMs: number, policy: DpRetryPolicy | undefined, headers: HeaderMap, internal: boolean): EffectiveTimeouts;
  /** x-envoy-expected-rq-timeout-ms for an attempt started `elapsedMs` after the request completed. */
  expectedTimeoutMs(timeouts: EffectiveTimeouts, elapsedMs: number): number | undefined;
  localReplyForReset(reason: ResetReason, retried: boolean, extraFlags: readonly string[], transportFailureReason?: string): LocalReply;
  localReplyForTimeout(extraFlags?: readonly string[], altResponse?: boolean): LocalReply;
  localReplyNoHealthyUpstream(): LocalReply;
  localReplyBufferOverflow(): LocalReply;
  responseFlagForReset(reason: ResetReason): string;
  headerMatches(matcher: DpHeaderMatcher, headers: HeaderMap): boolean;
}

/**
 * What hedging (envoy-retry.md §7.2) needs from a retry state on top of the contract; the router
 * hedges only when the engine's state provides both.
 */
export interface HedgingRetryState extends RetryState {
  /** RetryStateImpl::shouldHedgeRetryPerTryTimeout: always retriable, counted like any retry. */
  onHedgedPerTryTimeout(): RetryDecision;
  /** wouldRetryFromHeaders without counting: the response of an attempt that was already hedged. */
  wouldRetryResponse(status: number, headers: HeaderMap): boolean;
}

const builtIn: RetryEngine = retry;
let engine: RetryEngine = builtIn;

export function retryEngine(): RetryEngine {
  return engine;
}

/** Replaces the engine (tests, experiments); undefined restores the built-in one. Affects new requests. */
export function setRetryEngine(replacement: RetryEngine | undefined): void {
  engine = replacement ?? builtIn;
}
