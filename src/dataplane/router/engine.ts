/**
 * The retry engine as the router sees it (src/dataplane/retry, contract in retry/api.ts): every
 * retry decision, timeout computation, local reply and header match comes from there. The
 * interface lists exactly what the runtime uses, checked against the engine at compile time.
 */
import type { DpHeaderMatcher, DpRetryPolicy } from '../config/model';
import * as retry from '../retry';
import type { CreateRetryStateInput, EffectiveTimeouts, HeaderMap, LocalReply, ResetReason, RetryState } from '../retry/api';

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

const engine: RetryEngine = retry;

export function retryEngine(): RetryEngine {
  return engine;
}
