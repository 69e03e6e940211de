/**
 * `retry_on` parsing exactly as Envoy's RetryStateImpl::parseRetryOn / parseRetryGrpcOn
 * (envoy-retry.md §1.1, §9 item 1): split on ',', ASCII-trim, skip empty pieces, exact
 * case-sensitive token match, unknown tokens silently ignored. Conditions are a bit set, as in
 * Envoy's RetryPolicy::RETRY_ON_* constants.
 */
import { splitToken } from './numbers';

export const RetryOn = {
  FIVE_XX: 1 << 0,
  GATEWAY_ERROR: 1 << 1,
  CONNECT_FAILURE: 1 << 2,
  RETRIABLE_4XX: 1 << 3,
  REFUSED_STREAM: 1 << 4,
  RETRIABLE_STATUS_CODES: 1 << 5,
  RETRIABLE_HEADERS: 1 << 6,
  RESET: 1 << 7,
  RESET_BEFORE_REQUEST: 1 << 8,
  ENVOY_RATE_LIMITED: 1 << 9,
  HTTP3_POST_CONNECT_FAILURE: 1 << 10,
  GRPC_CANCELLED: 1 << 11,
  GRPC_DEADLINE_EXCEEDED: 1 << 12,
  GRPC_RESOURCE_EXHAUSTED: 1 << 13,
  GRPC_UNAVAILABLE: 1 << 14,
  GRPC_INTERNAL: 1 << 15,
} as const;

/** The HTTP family: `retry_on` and `x-envoy-retry-on` (§1.5). */
export const HTTP_RETRY_ON_TOKENS: Readonly<Record<string, number>> = {
  '5xx': RetryOn.FIVE_XX,
  'gateway-error': RetryOn.GATEWAY_ERROR,
  'connect-failure': RetryOn.CONNECT_FAILURE,
  'envoy-ratelimited': RetryOn.ENVOY_RATE_LIMITED,
  'retriable-4xx': RetryOn.RETRIABLE_4XX,
  'refused-stream': RetryOn.REFUSED_STREAM,
  'retriable-status-codes': RetryOn.RETRIABLE_STATUS_CODES,
  'retriable-headers': RetryOn.RETRIABLE_HEADERS,
  reset: RetryOn.RESET,
  'reset-before-request': RetryOn.RESET_BEFORE_REQUEST,
  'http3-post-connect-failure': RetryOn.HTTP3_POST_CONNECT_FAILURE,
};

/** The gRPC family: `retry_on` and `x-envoy-retry-grpc-on` (§1.3 item 7). */
export const GRPC_RETRY_ON_TOKENS: Readonly<Record<string, number>> = {
  cancelled: RetryOn.GRPC_CANCELLED,
  'deadline-exceeded': RetryOn.GRPC_DEADLINE_EXCEEDED,
  'resource-exhausted': RetryOn.GRPC_RESOURCE_EXHAUSTED,
  unavailable: RetryOn.GRPC_UNAVAILABLE,
  internal: RetryOn.GRPC_INTERNAL,
};

export const GRPC_ANY =
  RetryOn.GRPC_CANCELLED | RetryOn.GRPC_DEADLINE_EXCEEDED | RetryOn.GRPC_RESOURCE_EXHAUSTED | RetryOn.GRPC_UNAVAILABLE | RetryOn.GRPC_INTERNAL;

export interface ParsedRetryOn {
  flags: number;
  /** False when some token was unknown (Envoy only uses this for config validation). */
  allValid: boolean;
}

function parseFamily(value: string, family: Readonly<Record<string, number>>): ParsedRetryOn {
  let flags = 0;
  let allValid = true;
  for (const token of splitToken(value, true)) {
    // Own-property lookup: "constructor" or "__proto__" must not match anything.
    const bit = Object.prototype.hasOwnProperty.call(family, token) ? family[token] : undefined;
    if (bit === undefined) allValid = false;
    else flags |= bit;
  }
  return { flags, allValid };
}

/** `x-envoy-retry-on`: HTTP tokens only. */
export function parseRetryOn(value: string): ParsedRetryOn {
  return parseFamily(value, HTTP_RETRY_ON_TOKENS);
}

/** `x-envoy-retry-grpc-on`: gRPC tokens only. */
export function parseRetryGrpcOn(value: string): ParsedRetryOn {
  return parseFamily(value, GRPC_RETRY_ON_TOKENS);
}

/** Route/vhost `retry_on`: both parsers run over the same string and are OR-ed ([RP]). */
export function parseRouteRetryOn(value: string): number {
  return parseRetryOn(value).flags | parseRetryGrpcOn(value).flags;
}

/** Names of the set bits, in declaration order (for diagnostics and tests). */
export function retryOnNames(flags: number): string[] {
  const out: string[] = [];
  for (const family of [HTTP_RETRY_ON_TOKENS, GRPC_RETRY_ON_TOKENS]) {
    for (const [name, bit] of Object.entries(family)) if ((flags & bit) !== 0) out.push(name);
  }
  return out;
}
