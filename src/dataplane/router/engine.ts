/**
 * The retry engine as the router sees it (src/dataplane/retry, contract in retry/api.ts). Loaded
 * lazily so the runtime builds while the engine is being written; every decision comes from it.
 */
import type { DpHeaderMatcher, DpRetryPolicy } from '../config/model';
import type { CreateRetryStateInput, EffectiveTimeouts, HeaderMap, LocalReply, ResetReason, RetryState } from '../retry/api';

export interface RetryEngine {
  createRetryState(input: CreateRetryStateInput): RetryState | undefined;
  effectiveTimeouts(routeTimeoutMs: number, policy: DpRetryPolicy | undefined, headers: HeaderMap, internal: boolean): EffectiveTimeouts;
  localReplyForReset(reason: ResetReason, retried: boolean, extraFlags: string[], transportFailureReason?: string): LocalReply;
  localReplyForTimeout(extraFlags?: string[]): LocalReply;
  localReplyNoHealthyUpstream(): LocalReply;
  localReplyBufferOverflow(): LocalReply;
  responseFlagForReset(reason: ResetReason): string;
  headerMatches(matcher: DpHeaderMatcher, headers: HeaderMap): boolean;
}

let loaded: RetryEngine | undefined;

export function retryEngine(): RetryEngine {
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    loaded = require('../retry') as RetryEngine;
  }
  return loaded;
}
