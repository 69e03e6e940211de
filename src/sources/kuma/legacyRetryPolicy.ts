/**
 * A legacy Retry's `conf.http` / `conf.grpc` → IR retry policy, as Kuma's retry configurer
 * builds it (kumahq/kuma v2.14.3 pkg/xds/envoy/routes/v3/retry_configurer.go; spec
 * sources-kuma-fsm.md §1.1.2, §5 items 1-3).
 */
import type { HeaderMatcher, RetryPolicy } from '../../ir/model';
import type { CommonConf, LegacyGrpcConf, LegacyHttpConf } from './legacyRetry';

/** What Kuma uses when `retryOn` is absent or empty. */
export const HTTP_DEFAULT_RETRY_ON = 'gateway-error,connect-failure,refused-stream';
export const GRPC_DEFAULT_RETRY_ON = 'cancelled,connect-failure,gateway-error,refused-stream,reset,resource-exhausted,unavailable';
const STATUS_CODES_TOKEN = 'retriable-status-codes';

/** `all_5xx` → `5xx`, then every `_` → `-` (`gateway_error` → `gateway-error`). */
export function legacyToken(value: string): string {
  return (value === 'all_5xx' ? '5xx' : value).replace(/_/g, '-');
}

/** `{name: ":method", stringMatch: {exact: "GET"}}`, the matcher Kuma writes per retriable method. */
export function methodMatcher(method: string): HeaderMatcher {
  return { name: ':method', exact: method };
}

export function legacyHttpPolicy(conf: LegacyHttpConf): RetryPolicy {
  // Items joined in the order given, no de-duplication (§1.1.2).
  const tokens = conf.retryOn.map(legacyToken);
  let retryOn = tokens.length > 0 ? tokens.join(',') : HTTP_DEFAULT_RETRY_ON;
  // Status codes only append their condition, to the explicit list or the default (§5 item 2).
  if (conf.retriableStatusCodes.length > 0 && !tokens.includes(STATUS_CODES_TOKEN)) retryOn += `,${STATUS_CODES_TOKEN}`;
  const policy = basePolicy(retryOn, conf);
  if (conf.retriableStatusCodes.length > 0) policy.retriableStatusCodes = [...conf.retriableStatusCodes];
  if (conf.retriableMethods.length > 0) policy.retriableRequestHeaders = conf.retriableMethods.map(methodMatcher);
  return policy;
}

export function legacyGrpcPolicy(conf: LegacyGrpcConf): RetryPolicy {
  const retryOn = conf.retryOn.length > 0 ? conf.retryOn.map(legacyToken).join(',') : GRPC_DEFAULT_RETRY_ON;
  return basePolicy(retryOn, conf);
}

/**
 * `numRetries`, `perTryTimeout` and `backOff` are copied only when set. An unset numRetries is
 * Envoy's default, 1, which the IR writes explicitly (the same config for Envoy).
 */
function basePolicy(retryOn: string, conf: CommonConf): RetryPolicy {
  const policy: RetryPolicy = { retryOn, numRetries: conf.numRetries ?? 1, retriableStatusCodes: [], previousHostsPredicate: false };
  if (conf.perTryTimeoutMs !== undefined) policy.perTryTimeoutMs = conf.perTryTimeoutMs;
  if (conf.backOff) {
    policy.backoff = { baseIntervalMs: conf.backOff.baseMs };
    if (conf.backOff.maxMs !== undefined) policy.backoff.maxIntervalMs = conf.backOff.maxMs;
  }
  return policy;
}
