/**
 * The retry engine (envoy-retry.md §1–§6): pure decisions for the router, contract in api.ts.
 * The router loads this module lazily through router/engine.ts.
 */
export type {
  CreateRetryStateInput,
  EffectiveTimeouts,
  HeaderMap,
  LocalReply,
  ResetReason,
  RetryCircuit,
  RetryDecision,
  RetryState,
  RetryStats,
} from './api';
export { createRetryState, wouldRetryFromHeaders, wouldRetryFromReset, type HeaderRules, type WouldRetry } from './retryState';
export { effectiveTimeouts, expectedTimeoutMs } from './timeouts';
export { mergeRetryPolicy, removeRetryHeaders, RETRY_REQUEST_HEADERS, type MergedRetryPolicy } from './policy';
export { headerMatches, anyHeaderMatches } from './headerMatcher';
export {
  RetryOn,
  HTTP_RETRY_ON_TOKENS,
  GRPC_RETRY_ON_TOKENS,
  parseRetryOn,
  parseRetryGrpcOn,
  parseRouteRetryOn,
  retryOnNames,
  type ParsedRetryOn,
} from './retryOn';
export {
  ExponentialBackOff,
  rateLimitedBackOffMs,
  parseResetHeader,
  parseResetInterval,
  DEFAULT_BASE_INTERVAL_MS,
  DEFAULT_MAX_INTERVAL_FACTOR,
} from './backoff';
export {
  localReplyForReset,
  localReplyForTimeout,
  localReplyNoHealthyUpstream,
  localReplyBufferOverflow,
  responseFlagForReset,
} from './localReply';
export { ClusterRetryCircuit, type RetryCircuitOptions } from './retryBudget';
