/**
 * An FSM gateway retry config → the IR (Envoy) retry policy, per spec/sources-kuma-fsm.md §2.3
 * "Suggested Envoy mapping":
 *
 * - `5xx` stays `5xx` (Envoy's also retries resets and connect failures, FSM's Pipy gateway only
 *   looks at status codes: docs/sources/fsm-gateway.md);
 * - another `Nxx` becomes `retriable-status-codes` with N00..N99, a number `503` becomes
 *   `retriable-status-codes` with 503;
 * - `numRetries` as is; `backoffBaseInterval` (seconds) → `retryBackOff.baseInterval`
 *   (`2` → 2s, `0.5` → 500ms) with `maxInterval` 10 × base, Pipy's cap on the multiplier.
 */
import type { RetryPolicy } from '../../ir/model';
import type { EffectiveRetryConfig } from './gatewayRetryPolicySpec';

/** What a retryOn token retries: the `5xx` condition, or status codes. */
export function tokenCodes(token: string): { fiveXx: true } | { codes: number[] } {
  if (token === '5xx') return { fiveXx: true };
  const range = /^([1-9])xx$/.exec(token);
  if (range) {
    const base = Number(range[1]) * 100;
    return { codes: Array.from({ length: 100 }, (_, i) => base + i) };
  }
  // FSM's gateway reads any other token as an integer; only real status codes can ever match.
  return /^\d+$/.test(token) && Number(token) >= 100 ? { codes: [Number(token)] } : { codes: [] };
}

/** The IR policy, or null when no token can match a status (e.g. only `50`). */
export function gatewayRetryPolicyOf(config: EffectiveRetryConfig): RetryPolicy | null {
  let fiveXx = false;
  const codes = new Set<number>();
  for (const token of config.retryOn) {
    const t = tokenCodes(token);
    if ('fiveXx' in t) fiveXx = true;
    else for (const c of t.codes) codes.add(c);
  }
  // `5xx` already covers 500-599 in Envoy; listing them again would only lengthen the config.
  const listed = [...codes].filter((c) => !(fiveXx && c >= 500 && c <= 599)).sort((a, b) => a - b);
  const conditions = [...(fiveXx ? ['5xx'] : []), ...(listed.length > 0 ? ['retriable-status-codes'] : [])];
  if (conditions.length === 0) return null;
  const baseIntervalMs = Math.round(config.backoffBaseInterval * 1_000_000) / 1000;
  return {
    retryOn: conditions.join(','),
    numRetries: config.numRetries,
    retriableStatusCodes: listed,
    previousHostsPredicate: false,
    backoff: { baseIntervalMs, maxIntervalMs: baseIntervalMs * 10 },
  };
}
