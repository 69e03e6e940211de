/**
 * The effective retry policy of one request (envoy-retry.md §1.1, §9 item 2), as Envoy's
 * RetryStateImpl::create + constructor build it:
 *
 * 1. conditions = route `retry_on` (HTTP and gRPC parsers OR-ed);
 * 2. internal requests only: OR in `x-envoy-retry-on` (HTTP tokens) and `x-envoy-retry-grpc-on`
 *    (gRPC tokens);
 * 3. `retriable_request_headers` non-empty and none matches → every condition cleared (after the
 *    merge, so header-requested retries are disabled too);
 * 4. internal only, and only if some condition is left: `x-envoy-max-retries` (SimpleAtoi uint64)
 *    replaces num_retries (stored in Envoy's uint32_t, so it wraps mod 2^32);
 * 5. internal only: `x-envoy-retriable-status-codes` appended (uint32 each, bad ones skipped) and
 *    `x-envoy-retriable-header-names` appended as name-presence matchers;
 * 6. in every case (internal or not, policy or not) the retry headers are removed.
 *
 * External requests normally arrive already stripped by the HCM (cleanInternalHeaders); removing
 * them here too keeps the engine safe on its own.
 */
import type { DpHeaderMatcher, DpRateLimitedBackOff, DpRetryPolicy } from '../config/model';
import type { HeaderMap } from './api';
import { DEFAULT_BASE_INTERVAL_MS, DEFAULT_MAX_INTERVAL_FACTOR } from './backoff';
import { anyHeaderMatches } from './headerMatcher';
import { headerValue } from './headers';
import { asciiLower, asciiTrim, atoiUnsigned, splitToken } from './numbers';
import { parseRetryGrpcOn, parseRetryOn, parseRouteRetryOn } from './retryOn';

/** Every header RetryStateImpl::create consumes (§1.1 "All of these headers are removed"). */
export const RETRY_REQUEST_HEADERS = [
  'x-envoy-retry-on',
  'x-envoy-retry-grpc-on',
  'x-envoy-max-retries',
  'x-envoy-hedge-on-per-try-timeout',
  'x-envoy-retriable-header-names',
  'x-envoy-retriable-status-codes',
  'x-envoy-upstream-rq-per-try-timeout-ms',
] as const;

export interface MergedRetryPolicy {
  /** RetryOn bit set; never 0 (no conditions ⇒ no policy at all). */
  retryOn: number;
  /** Retries allowed (the counter that §2.1 decrements). */
  numRetries: number;
  retriableStatusCodes: readonly number[];
  retriableHeaders: readonly DpHeaderMatcher[];
  backOff: { baseIntervalMs: number; maxIntervalMs: number };
  rateLimitedBackOff?: DpRateLimitedBackOff;
  perTryTimeoutMs?: number;
  perTryIdleTimeoutMs?: number;
  hostPredicates: readonly string[];
  hostSelectionRetryMaxAttempts: number;
}

/** Envoy's RetryPolicyImpl defaults, for requests whose retries come only from headers (§2.1). */
const NO_POLICY: DpRetryPolicy = {
  retryOn: '',
  numRetries: 1,
  retriableStatusCodes: [],
  retriableHeaders: [],
  retriableRequestHeaders: [],
  backOff: { baseIntervalMs: DEFAULT_BASE_INTERVAL_MS, maxIntervalMs: DEFAULT_BASE_INTERVAL_MS * DEFAULT_MAX_INTERVAL_FACTOR },
  hostPredicates: [],
  hostSelectionRetryMaxAttempts: 1,
};

/** `retry_on` is parsed once per policy object (policies are immutable snapshot data). */
const parsedRetryOn = new WeakMap<DpRetryPolicy, number>();

function routeRetryOn(policy: DpRetryPolicy): number {
  let flags = parsedRetryOn.get(policy);
  if (flags === undefined) {
    flags = parseRouteRetryOn(policy.retryOn);
    parsedRetryOn.set(policy, flags);
  }
  return flags;
}

export interface MergeInput {
  policy?: DpRetryPolicy;
  requestHeaders: HeaderMap;
  internal: boolean;
  pseudoHeaders?: HeaderMap;
}

/** The merged policy, or undefined when no condition remains; removes the retry headers. */
export function mergeRetryPolicy(input: MergeInput): MergedRetryPolicy | undefined {
  const merged = buildMerged(input);
  removeRetryHeaders(input.requestHeaders);
  return merged;
}

export function removeRetryHeaders(headers: HeaderMap): void {
  for (const name of RETRY_REQUEST_HEADERS) if (name in headers) delete headers[name];
}

function buildMerged(input: MergeInput): MergedRetryPolicy | undefined {
  const policy = input.policy ?? NO_POLICY;
  const headers = input.requestHeaders;
  let retryOn = routeRetryOn(policy);
  if (input.internal) retryOn |= headerRetryOn(headers);
  if (retryOn === 0) return undefined;
  if (!requestHeadersAllowRetry(policy, input)) return undefined;
  const merged = fromPolicy(policy, retryOn);
  if (input.internal) applyInternalHeaders(merged, headers);
  return merged;
}

function headerRetryOn(headers: HeaderMap): number {
  const http = headerValue(headers, 'x-envoy-retry-on');
  const grpc = headerValue(headers, 'x-envoy-retry-grpc-on');
  return (http === undefined ? 0 : parseRetryOn(http).flags) | (grpc === undefined ? 0 : parseRetryGrpcOn(grpc).flags);
}

/** §1.1: a non-empty retriable_request_headers list must match the (pseudo-)headers. */
function requestHeadersAllowRetry(policy: DpRetryPolicy, input: MergeInput): boolean {
  const matchers = policy.retriableRequestHeaders;
  if (matchers.length === 0) return true;
  const seen = input.pseudoHeaders ? { ...input.requestHeaders, ...input.pseudoHeaders } : input.requestHeaders;
  return anyHeaderMatches(matchers, seen);
}

function fromPolicy(policy: DpRetryPolicy, retryOn: number): MergedRetryPolicy {
  const merged: MergedRetryPolicy = {
    retryOn,
    numRetries: policy.numRetries,
    retriableStatusCodes: policy.retriableStatusCodes,
    retriableHeaders: policy.retriableHeaders,
    backOff: policy.backOff,
    hostPredicates: policy.hostPredicates,
    hostSelectionRetryMaxAttempts: policy.hostSelectionRetryMaxAttempts,
  };
  if (policy.rateLimitedBackOff) merged.rateLimitedBackOff = policy.rateLimitedBackOff;
  if (policy.perTryTimeoutMs !== undefined) merged.perTryTimeoutMs = policy.perTryTimeoutMs;
  if (policy.perTryIdleTimeoutMs !== undefined) merged.perTryIdleTimeoutMs = policy.perTryIdleTimeoutMs;
  return merged;
}

function applyInternalHeaders(merged: MergedRetryPolicy, headers: HeaderMap): void {
  const maxRetries = headerValue(headers, 'x-envoy-max-retries');
  const parsed = maxRetries === undefined ? undefined : atoiUnsigned(maxRetries, 64);
  // "The max retries header takes precedence if set"; retries_remaining_ is a uint32_t.
  if (parsed !== undefined) merged.numRetries = Number(BigInt.asUintN(32, parsed));

  const codes = headerValue(headers, 'x-envoy-retriable-status-codes');
  if (codes !== undefined) merged.retriableStatusCodes = [...merged.retriableStatusCodes, ...parseStatusCodes(codes)];

  const names = headerValue(headers, 'x-envoy-retriable-header-names');
  if (names !== undefined) merged.retriableHeaders = [...merged.retriableHeaders, ...nameMatchers(names)];
}

/** splitToken(value, ",") without trimming, then SimpleAtoi into `unsigned int` (it trims itself). */
function parseStatusCodes(value: string): number[] {
  const out: number[] = [];
  for (const piece of splitToken(value, false)) {
    const code = atoiUnsigned(piece, 32);
    if (code !== undefined) out.push(Number(code));
  }
  return out;
}

/** Name-only (presence) matchers; names are lower-cased (LowerCaseString). */
function nameMatchers(value: string): DpHeaderMatcher[] {
  const out: DpHeaderMatcher[] = [];
  for (const piece of splitToken(value, false)) {
    const name = asciiLower(asciiTrim(piece));
    // An empty name can never match a header; Envoy keeps a dead matcher, we skip it.
    if (name !== '') out.push({ name, present: true, invert: false, ignoreCase: false });
  }
  return out;
}
