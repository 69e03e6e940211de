/**
 * HTTPRoute `rules[].retry` (GEP-1731, Standard since Gateway API v1.7) → the route's retry
 * decision. The mapping is Ricochet's; docs/sources/gatewayapi.md explains each choice:
 *
 * - `codes` → `retriable-status-codes` with those codes;
 * - always `connect-failure,refused-stream`: the API says implementations SHOULD retry when the
 *   connection could not be established or the backend refused the request before processing
 *   it, and SHOULD NOT retry on failures where the request may have been processed (so no `reset`);
 * - `attempts` → `numRetries`; unset → 2, Envoy Gateway's default; `0` disables retries
 *   ("an explicit zero value MUST disable retries");
 * - `backoff` → `retryBackOff.baseInterval` (Envoy caps at 10 × base, which the API allows);
 * - `timeouts.backendRequest` → `perTryTimeout` (the GEP calls them equivalent).
 */
import type { Provenance, RetryDecision, RetryPolicy } from '../../ir/model';
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';
import { readGatewayDuration } from './fields';

export interface RetrySpec {
  codes: number[];
  attempts?: number;
  backoffMs?: number;
}

/** Envoy Gateway's default number of retries when `attempts` is unset. */
export const DEFAULT_ATTEMPTS = 2;
const ALWAYS_RETRY_ON = ['connect-failure', 'refused-stream'];

export function readRetry(r: FieldReader, at: FieldPath): RetrySpec | undefined {
  if (r.mapping(at) === undefined) return undefined;
  r.checkFields(at, { supported: ['codes', 'attempts', 'backoff'] });
  const codes: number[] = [];
  (r.list([...at, 'codes']) ?? []).forEach((_, i) => {
    const code = r.integer([...at, 'codes', i], { required: true, min: 400, max: 599 });
    if (code === undefined) return;
    if (codes.includes(code)) r.error([...at, 'codes', i], `Duplicate value: ${code} (codes is a set)`);
    else codes.push(code);
  });
  const attempts = r.integer([...at, 'attempts'], { min: 0, max: 2_147_483_647 });
  const backoffMs = readGatewayDuration(r, [...at, 'backoff']);
  if (backoffMs === 0) {
    r.warn([...at, 'backoff'], 'backoff 0s cannot be expressed: Envoy requires a base interval above 0; Envoy\'s default of 25 ms applies');
  }
  const out: RetrySpec = { codes };
  if (attempts !== undefined) out.attempts = attempts;
  if (backoffMs !== undefined && backoffMs > 0) out.backoffMs = backoffMs;
  return out;
}

/** The IR policy of a `retry` block, or null when it disables retries. */
export function retryPolicyOf(retry: RetrySpec, backendRequestTimeoutMs?: number): RetryPolicy | null {
  const attempts = retry.attempts ?? DEFAULT_ATTEMPTS;
  if (attempts === 0) return null;
  const policy: RetryPolicy = {
    retryOn: [...ALWAYS_RETRY_ON, ...(retry.codes.length > 0 ? ['retriable-status-codes'] : [])].join(','),
    numRetries: attempts,
    retriableStatusCodes: [...retry.codes],
    previousHostsPredicate: false,
  };
  if (backendRequestTimeoutMs !== undefined && backendRequestTimeoutMs > 0) policy.perTryTimeoutMs = backendRequestTimeoutMs;
  if (retry.backoffMs !== undefined) policy.backoff = { baseIntervalMs: retry.backoffMs };
  return policy;
}

/** The decision of one rule: its own `retry` (level route), or "none" (level default). */
export function retryDecisionOf(
  rule: { index: number; retry?: RetrySpec; backendRequestTimeoutMs?: number },
  where: string,
  from: Provenance,
): RetryDecision {
  if (rule.retry === undefined) return { policy: null, from: 'default', reason: 'Gateway API: no retry on this rule', level: 'default' };
  const policy = retryPolicyOf(rule.retry, rule.backendRequestTimeoutMs);
  const reason = policy === null ? `retries disabled by ${where}.retry (attempts: 0)` : `${where}.retry`;
  return { policy, from, reason, level: 'route' };
}
