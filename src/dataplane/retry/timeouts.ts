/**
 * Route and per-try timeouts of one request (envoy-retry.md §2.3), as Envoy's
 * FilterUtility::finalTimeout + setTimeoutHeaders compute them at decodeHeaders:
 *
 * - global = route `timeout` (0 disables); internal requests: `x-envoy-upstream-rq-timeout-ms`
 *   (SimpleAtoi uint64; unparsable is ignored) replaces it; the header is removed;
 * - per-try = retry_policy.per_try_timeout; internal requests:
 *   `x-envoy-upstream-rq-per-try-timeout-ms` replaces it (unparsable ignored); removed;
 * - per-try ≥ global while global ≠ 0 ⇒ per-try ignored;
 * - expected timeout (x-envoy-expected-rq-timeout-ms) = per-try if set, else global, capped by
 *   the global time remaining; none when 0.
 *
 * Call this BEFORE createRetryState, as Envoy does (finalTimeout runs before the retry state is
 * created): createRetryState also removes `x-envoy-upstream-rq-per-try-timeout-ms`.
 */
import type { DpRetryPolicy } from '../config/model';
import type { EffectiveTimeouts, HeaderMap } from './api';
import { headerValue } from './headers';
import { atoiUnsigned } from './numbers';

export const RQ_TIMEOUT_HEADER = 'x-envoy-upstream-rq-timeout-ms';
export const PER_TRY_TIMEOUT_HEADER = 'x-envoy-upstream-rq-per-try-timeout-ms';
export const EXPECTED_TIMEOUT_HEADER = 'x-envoy-expected-rq-timeout-ms';
export const TIMEOUT_ALT_RESPONSE_HEADER = 'x-envoy-upstream-rq-timeout-alt-response';

/** What the HCM strips from external requests among the timeout headers (cleanInternalHeaders). */
const EXTERNAL_TIMEOUT_HEADERS = [RQ_TIMEOUT_HEADER, PER_TRY_TIMEOUT_HEADER, EXPECTED_TIMEOUT_HEADER, TIMEOUT_ALT_RESPONSE_HEADER];

export function effectiveTimeouts(
  routeTimeoutMs: number,
  policy: DpRetryPolicy | undefined,
  headers: HeaderMap,
  internal: boolean,
): EffectiveTimeouts {
  if (!internal) for (const name of EXTERNAL_TIMEOUT_HEADERS) if (name in headers) delete headers[name];
  let global = routeTimeoutMs;
  let perTry = policy?.perTryTimeoutMs ?? 0;
  if (internal) {
    global = consumeMsHeader(headers, RQ_TIMEOUT_HEADER) ?? global;
    perTry = consumeMsHeader(headers, PER_TRY_TIMEOUT_HEADER) ?? perTry;
  }
  if (perTry >= global && global !== 0) perTry = 0;
  const out: EffectiveTimeouts = { routeTimeoutMs: global };
  if (perTry > 0) out.perTryTimeoutMs = perTry;
  const idle = policy?.perTryIdleTimeoutMs;
  if (idle !== undefined && idle > 0) out.perTryIdleTimeoutMs = idle;
  const expected = expectedTimeoutMs(out, 0);
  if (expected !== undefined) out.expectedTimeoutMs = expected;
  return out;
}

/** Reads and removes a millisecond header; undefined when absent or not a uint64. */
function consumeMsHeader(headers: HeaderMap, name: string): number | undefined {
  const raw = headerValue(headers, name);
  if (raw === undefined) return undefined;
  delete headers[name];
  const v = atoiUnsigned(raw, 64);
  return v === undefined ? undefined : Number(v);
}

/**
 * FilterUtility::setTimeoutHeaders for an attempt started `elapsedMs` after the downstream
 * request completed (0 for the first attempt): per-try if set, else global; capped by the global
 * time left, at least 1 ms once the global time is used up; undefined = send no header.
 */
export function expectedTimeoutMs(timeouts: EffectiveTimeouts, elapsedMs: number): number | undefined {
  const global = timeouts.routeTimeoutMs;
  let expected = timeouts.perTryTimeoutMs ?? 0;
  if (expected === 0) expected = global;
  if (expected <= 0) return undefined;
  if (global > 0) expected = elapsedMs >= global ? 1 : Math.min(expected, global - Math.floor(elapsedMs));
  return expected;
}
