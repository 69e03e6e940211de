/**
 * VirtualService `http[].retries` → IR retry policy, as Istio ≥1.24 builds it
 * (pilot/pkg/networking/core/route/retry/retry.go; spec/sources-istio.md §1), and the
 * admission-webhook rules for the same block (validateHTTPRetry; §1.3, §1.5, §1.6).
 */
import type { RetryPolicy } from '../../ir/model';
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';
import { readDuration } from './validation';

/** The `retries` block as written, after validation. */
export interface IstioRetries {
  /** 0 when unset, as in the proto. */
  attempts: number;
  perTryTimeoutMs?: number;
  retryOn?: string;
  /** A BoolValue in the proto: `false` is set, and differs from unset. */
  retryRemoteLocalities?: boolean;
  /** ≥1.26. Unset keeps the default `previous_hosts` predicate. */
  retryIgnorePreviousHosts?: boolean;
  /** ≥1.26. Envoy's base interval; Istio never sets the max. */
  backoffMs?: number;
}

/** Codes Go's http.StatusText knows (§1.5): only these count as numeric retryOn tokens. */
const GO_STATUS_RANGES: ReadonlyArray<readonly [number, number]> = [
  [100, 103], [200, 208], [226, 226], [300, 305], [307, 308], [400, 418], [421, 426],
  [428, 429], [431, 431], [451, 451], [500, 508], [510, 511],
];

/** Envoy retry conditions the webhook accepts besides status codes (§1.5). */
export const RETRY_ON_TOKENS: ReadonlySet<string> = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx',
  'refused-stream', 'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited',
  'http3-post-connect-failure',
  // gRPC conditions, read by Envoy from the same retry_on string.
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

/** The `retry_on` Istio uses when nothing overrides it (§1.2). */
export const ISTIO_DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

export function isGoKnownStatus(code: number): boolean {
  return GO_STATUS_RANGES.some(([lo, hi]) => code >= lo && code <= hi);
}

/** `strconv.Atoi` then `http.StatusText`: the status code a token names, or undefined. */
export function goStatusOf(token: string): number | undefined {
  if (!/^[+-]?\d+$/.test(token)) return undefined;
  const n = Number(token);
  return isGoKnownStatus(n) ? n : undefined;
}

/**
 * §1.5 steps 1-4: trim and drop empty tokens, move Go-known status codes to the code list (input
 * order), join the rest, and append `retriable-status-codes` if codes were found and it is missing.
 * `"503"` alone gives `",retriable-status-codes"`, exactly as Istio does; Envoy drops the empty token.
 */
export function parseRetryOn(retryOn: string): { retryOn: string; retriableStatusCodes: number[] } {
  const codes: number[] = [];
  const kept: string[] = [];
  for (const raw of retryOn.split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    const code = goStatusOf(token);
    if (code !== undefined) codes.push(code);
    else kept.push(token);
  }
  let joined = kept.join(',');
  if (codes.length > 0 && !joined.includes('retriable-status-codes')) joined += ',retriable-status-codes';
  return { retryOn: joined, retriableStatusCodes: codes };
}

/** Istio's hard-coded default for a route with no `retries` (§1.2, ≥1.24: no 503). */
export function istioDefaultRetryPolicy(): RetryPolicy {
  return {
    retryOn: ISTIO_DEFAULT_RETRY_ON,
    numRetries: 2,
    retriableStatusCodes: [],
    previousHostsPredicate: true,
    hostSelectionRetryMaxAttempts: 5,
  };
}

/**
 * ConvertPolicy (§1.1-§1.9): no block → the default; `attempts` ≤ 0 → null (no retries);
 * otherwise the default with what the user set laid over it. Never merged with a mesh default.
 */
export function retryPolicyFromVirtualService(retries: IstioRetries | undefined): RetryPolicy | null {
  const out = istioDefaultRetryPolicy();
  if (retries === undefined) return out;
  if (retries.attempts <= 0) return null;
  out.numRetries = retries.attempts;
  if (retries.retryOn) Object.assign(out, parseRetryOn(retries.retryOn));
  if (retries.perTryTimeoutMs !== undefined) out.perTryTimeoutMs = retries.perTryTimeoutMs;
  if (retries.retryIgnorePreviousHosts !== undefined) out.previousHostsPredicate = retries.retryIgnorePreviousHosts;
  if (retries.retryRemoteLocalities === true) out.previousPrioritiesUpdateFrequency = 2;
  if (retries.backoffMs !== undefined) out.backoff = { baseIntervalMs: retries.backoffMs };
  return out;
}

const RETRIES_FIELDS = ['attempts', 'perTryTimeout', 'retryOn', 'retryRemoteLocalities', 'retryIgnorePreviousHosts', 'backoff'] as const;

/** Reads and validates `retries` at `path` (validateHTTPRetry); undefined when absent. */
export function readRetries(r: FieldReader, path: FieldPath): IstioRetries | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, { supported: RETRIES_FIELDS });
  const attempts = readAttempts(r, [...path, 'attempts']);
  const out: IstioRetries = { attempts: attempts ?? 0 };
  const perTry = readDuration(r, [...path, 'perTryTimeout']);
  if (perTry !== undefined) out.perTryTimeoutMs = perTry;
  const retryOn = readRetryOn(r, [...path, 'retryOn']);
  if (retryOn !== undefined) out.retryOn = retryOn;
  const remote = r.boolean([...path, 'retryRemoteLocalities']);
  if (remote !== undefined) out.retryRemoteLocalities = remote;
  const ignorePrevious = r.boolean([...path, 'retryIgnorePreviousHosts']);
  if (ignorePrevious !== undefined) out.retryIgnorePreviousHosts = ignorePrevious;
  const backoff = readDuration(r, [...path, 'backoff']);
  if (backoff !== undefined) out.backoffMs = backoff;
  if (attempts !== undefined || !r.has([...path, 'attempts'])) checkDisabled(r, path, out);
  return out;
}

function readAttempts(r: FieldReader, path: FieldPath): number | undefined {
  const n = r.integer(path, { max: 2_147_483_647 });
  if (n !== undefined && n < 0) {
    r.error(path, `attempts cannot be negative, got ${n}; use 0 to disable retries`);
    return undefined;
  }
  return n;
}

/** Every comma-separated token must be a Go-known status or a known condition; no trimming (§1.5). */
function readRetryOn(r: FieldReader, path: FieldPath): string | undefined {
  const text = r.string(path);
  if (text === undefined || text === '') return text === '' ? undefined : text;
  const bad = text.split(',').filter((t) => goStatusOf(t) === undefined && !RETRY_ON_TOKENS.has(t));
  for (const token of bad) {
    r.error(path, `${JSON.stringify(token)} is not a valid retryOn policy; accepted: HTTP status codes such as 503, or ${[...RETRY_ON_TOKENS].join(', ')} (comma-separated, no spaces)`);
  }
  return bad.length > 0 ? undefined : text;
}

/** `attempts: 0` (or unset) means "no retries"; Istio rejects other fields next to it (§1.3). */
function checkDisabled(r: FieldReader, path: FieldPath, out: IstioRetries): void {
  if (out.attempts !== 0) return;
  // As in Go: perTryTimeout and retryRemoteLocalities count when present, retryOn when non-empty.
  const rejected = ['perTryTimeout', 'retryOn', 'retryRemoteLocalities'].filter((f) => r.has([...path, f]) && r.at([...path, f]) !== '');
  const unset = r.has([...path, 'attempts']) ? '' : ' (attempts is unset, which means 0)';
  if (rejected.length > 0) {
    r.error(path, `http retry policy configured when attempts are set to 0 (disabled)${unset}; set attempts to 1 or more, or remove ${rejected.join(', ')}`);
  }
  // Istio's webhook does not check these two, so they are accepted, but they do nothing.
  for (const f of ['retryIgnorePreviousHosts', 'backoff'].filter((x) => r.has([...path, x]))) {
    r.warn([...path, f], `${f} has no effect: attempts is 0, so the route has no retry policy`);
  }
}
