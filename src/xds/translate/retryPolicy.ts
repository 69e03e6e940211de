import { formatProtoDuration } from '../../lib/duration';
import type { JsonObject } from '../../lib/protos/protoJson';
import type { RetryPolicy } from '../../ir/model';
import { TYPE } from './names';

/** IR retry policy → Envoy `RouteAction.retry_policy` (proto3 JSON, field order as Istio prints it). */
export function envoyRetryPolicy(policy: RetryPolicy): JsonObject {
  const out: JsonObject = { retryOn: policy.retryOn, numRetries: policy.numRetries };
  if (policy.perTryTimeoutMs !== undefined) out.perTryTimeout = formatProtoDuration(policy.perTryTimeoutMs);
  if (policy.previousPrioritiesUpdateFrequency !== undefined) {
    out.retryPriority = {
      name: 'envoy.retry_priorities.previous_priorities',
      typedConfig: { '@type': TYPE.previousPriorities, updateFrequency: policy.previousPrioritiesUpdateFrequency },
    };
  }
  if (policy.previousHostsPredicate) {
    out.retryHostPredicate = [{ name: 'envoy.retry_host_predicates.previous_hosts', typedConfig: { '@type': TYPE.previousHosts } }];
  }
  // int64 in proto3 JSON is a string: "5" (sources-istio.md §0).
  if (policy.hostSelectionRetryMaxAttempts !== undefined) out.hostSelectionRetryMaxAttempts = String(policy.hostSelectionRetryMaxAttempts);
  // An empty list is omitted, as Istio does (sources-istio.md §8).
  if (policy.retriableStatusCodes.length > 0) out.retriableStatusCodes = [...policy.retriableStatusCodes];
  if (policy.backoff) {
    const backOff: JsonObject = { baseInterval: formatProtoDuration(policy.backoff.baseIntervalMs) };
    if (policy.backoff.maxIntervalMs !== undefined) backOff.maxInterval = formatProtoDuration(policy.backoff.maxIntervalMs);
    out.retryBackOff = backOff;
  }
  return out;
}
