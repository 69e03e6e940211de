import { formatProtoDuration } from '../../lib/duration';
import type { JsonObject } from '../../lib/protos/protoJson';
import type { HeaderMatcher, RateLimitedBackoff, RetryPolicy } from '../../ir/model';
import { TYPE } from './names';

const OMIT_HOST_METADATA = 'type.googleapis.com/envoy.extensions.retry.host.omit_host_metadata.v3.OmitHostMetadataConfig';

/**
 * IR retry policy → Envoy `RouteAction.retry_policy` (proto3 JSON, field order as Istio prints
 * it). Fields only some systems set (Kuma's rate-limited back-off, retriable headers, omitted host
 * tags) are written only when set, so policies without them print exactly as before.
 */
export function envoyRetryPolicy(policy: RetryPolicy): JsonObject {
  const out: JsonObject = { retryOn: policy.retryOn, numRetries: policy.numRetries };
  if (policy.perTryTimeoutMs !== undefined) out.perTryTimeout = formatProtoDuration(policy.perTryTimeoutMs);
  if (policy.previousPrioritiesUpdateFrequency !== undefined) {
    out.retryPriority = {
      name: 'envoy.retry_priorities.previous_priorities',
      typedConfig: { '@type': TYPE.previousPriorities, updateFrequency: policy.previousPrioritiesUpdateFrequency },
    };
  }
  const predicates = hostPredicates(policy);
  if (predicates.length > 0) out.retryHostPredicate = predicates;
  // int64 in proto3 JSON is a string: "5" (sources-istio.md §0).
  if (policy.hostSelectionRetryMaxAttempts !== undefined) out.hostSelectionRetryMaxAttempts = String(policy.hostSelectionRetryMaxAttempts);
  // An empty list is omitted, as Istio does (sources-istio.md §8).
  if (policy.retriableStatusCodes.length > 0) out.retriableStatusCodes = [...policy.retriableStatusCodes];
  if (policy.backoff) {
    const backOff: JsonObject = { baseInterval: formatProtoDuration(policy.backoff.baseIntervalMs) };
    if (policy.backoff.maxIntervalMs !== undefined) backOff.maxInterval = formatProtoDuration(policy.backoff.maxIntervalMs);
    out.retryBackOff = backOff;
  }
  if (policy.rateLimitedBackoff) out.rateLimitedRetryBackOff = rateLimitedBackOff(policy.rateLimitedBackoff);
  if (policy.retriableHeaders?.length) out.retriableHeaders = policy.retriableHeaders.map(headerMatcher);
  if (policy.retriableRequestHeaders?.length) out.retriableRequestHeaders = policy.retriableRequestHeaders.map(headerMatcher);
  return out;
}

/** previous_hosts, then omit_host_metadata with the tags under `envoy.lb` (sources-kuma-fsm.md §1.2.3 step 9). */
function hostPredicates(policy: RetryPolicy): JsonObject[] {
  const out: JsonObject[] = [];
  if (policy.previousHostsPredicate) {
    out.push({ name: 'envoy.retry_host_predicates.previous_hosts', typedConfig: { '@type': TYPE.previousHosts } });
  }
  if (policy.omitHostsWithTags !== undefined) {
    out.push({
      name: 'envoy.retry_host_predicates.omit_host_metadata',
      typedConfig: { '@type': OMIT_HOST_METADATA, metadataMatch: { filterMetadata: { 'envoy.lb': { ...policy.omitHostsWithTags } } } },
    });
  }
  return out;
}

/** `SECONDS` is the enum's zero value, which proto3 JSON leaves out (sources-kuma-fsm.md §5 item 13). */
function rateLimitedBackOff(b: RateLimitedBackoff): JsonObject {
  const out: JsonObject = {
    resetHeaders: b.resetHeaders.map((h): JsonObject => (h.format === 'SECONDS' ? { name: h.name } : { name: h.name, format: h.format })),
  };
  if (b.maxIntervalMs !== undefined) out.maxInterval = formatProtoDuration(b.maxIntervalMs);
  return out;
}

/** Envoy HeaderMatcher: `stringMatch` exact/prefix/safeRegex, or `presentMatch` (false: the header is absent). */
export function headerMatcher(m: HeaderMatcher): JsonObject {
  const out: JsonObject = { name: m.name };
  if (m.exact !== undefined) out.stringMatch = { exact: m.exact };
  else if (m.prefix !== undefined) out.stringMatch = { prefix: m.prefix };
  else if (m.regex !== undefined) out.stringMatch = { safeRegex: { regex: m.regex } };
  else if (m.present !== undefined) out.presentMatch = m.present;
  return out;
}
