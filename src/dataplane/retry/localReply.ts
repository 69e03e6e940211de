/**
 * Envoy's local replies when no upstream response is forwarded (envoy-retry.md §2.4) and the
 * response flag of each reset reason (Filter::streamResetReasonToResponseFlag, [SI] strings).
 * Bodies are byte-exact; the HCM adds content-type: text/plain / content-length as for any
 * local reply.
 */
import type { LocalReply, ResetReason } from './api';

const RESET_FLAG: Readonly<Record<ResetReason, string>> = {
  'local connection failure': 'UF',
  'remote connection failure': 'UF',
  'connection timeout': 'UF',
  'connection termination': 'UC',
  'local reset': 'LR',
  'remote reset': 'UR',
  'remote refused stream reset': 'UR',
  overflow: 'UO',
  'protocol error': 'UPE',
};

export const RESET_BODY_PREFIX = 'upstream connect error or disconnect/reset before headers. ';
export const RETRIED_INFIX = 'retried and the latest ';
export const TIMEOUT_BODY = 'upstream request timeout';
export const NO_HEALTHY_UPSTREAM_BODY = 'no healthy upstream';
export const BUFFER_OVERFLOW_BODY = 'exceeded request buffer limit while retrying upstream';

export function responseFlagForReset(reason: ResetReason): string {
  return RESET_FLAG[reason];
}

/** Reason flag first, then the extras (URX / UO) without duplicates. */
function flagsWith(first: string, extra: readonly string[]): string[] {
  const flags = [first];
  for (const f of extra) if (!flags.includes(f)) flags.push(f);
  return flags;
}

/**
 * Filter::onUpstreamReset: 503 (502 for a protocol error), body with `retried and the latest `
 * once a retry was launched (is_retry_), optional transport failure detail; an overflow reset is
 * "dropped" and carries x-envoy-overloaded: true.
 */
export function localReplyForReset(
  reason: ResetReason,
  retried: boolean,
  extraFlags: readonly string[],
  transportFailureReason?: string,
): LocalReply {
  let body = RESET_BODY_PREFIX + (retried ? RETRIED_INFIX : '') + 'reset reason: ' + reason;
  if (transportFailureReason) body += ', transport failure reason: ' + transportFailureReason;
  return {
    status: reason === 'protocol error' ? 502 : 503,
    body,
    flags: flagsWith(responseFlagForReset(reason), extraFlags),
    headers: reason === 'overflow' ? { 'x-envoy-overloaded': 'true' } : {},
  };
}

/**
 * Route or per-try timeout (onUpstreamTimeoutAbort): 504 `upstream request timeout`, UT plus
 * URX / UO for a per-try timeout that could not be retried. With
 * x-envoy-upstream-rq-timeout-alt-response on the request, Envoy answers 204 with no body.
 */
export function localReplyForTimeout(extraFlags: readonly string[] = [], altResponse = false): LocalReply {
  return {
    status: altResponse ? 204 : 504,
    body: altResponse ? '' : TIMEOUT_BODY,
    flags: flagsWith('UT', extraFlags),
    headers: {},
  };
}

/** No host to send to (first attempt or a retry): 503 `no healthy upstream`, UH (§1.6). */
export function localReplyNoHealthyUpstream(): LocalReply {
  return { status: 503, body: NO_HEALTHY_UPSTREAM_BODY, flags: ['UH'], headers: {} };
}

/** Body over the retry buffer limit while waiting in backoff (§5.1): 507, no flag. */
export function localReplyBufferOverflow(): LocalReply {
  return { status: 507, body: BUFFER_OVERFLOW_BODY, flags: [], headers: {} };
}
