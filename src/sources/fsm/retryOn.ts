/**
 * A mesh `Retry`'s `retryPolicy` → the IR retry policy (spec/sources-kuma-fsm.md §2.1, §2.2, §5
 * item 14).
 *
 * OSM hands `retryOn` to Envoy verbatim: nothing appended, no default. FSM's runtime is Pipy, not
 * Envoy, and reads the same string differently: a number is a status code and `Nxx` a range of
 * a hundred codes. Ricochet emits, for Envoy, what the FSM user meant (docs/sources/fsm-retry.md):
 * numbers and `Nxx` ranges become `retriable-status-codes` with those codes, except `5xx`, which
 * Envoy already knows (and which also retries resets and connect failures, as Envoy's `5xx`
 * does); Envoy's own tokens pass through, since Envoy honours them even though Pipy does not.
 */
import type { Severity } from '../../lib/errors';
import type { RetryPolicy } from '../../ir/model';
import type { RetryDialect, RetryPolicySpec } from './retrySpec';

/** Envoy's `retry_on` conditions, HTTP and gRPC (spec/envoy-retry.md §1). */
const ENVOY_RETRY_ON: ReadonlySet<string> = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited',
  'retriable-4xx', 'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

const STATUS_TOKEN = 'retriable-status-codes';
/** Pipy's default when `retryOn` is empty (§2.2). */
const PIPY_DEFAULT_RETRY_ON = '5xx';
/** Envoy's default `num_retries` (§2.1: "numRetries = value if set (Envoy default 1)"). */
const ENVOY_DEFAULT_NUM_RETRIES = 1;

/** Something worth telling the user about a `retryOn` string; it never rejects the object. */
export interface RetryOnNote {
  severity: Extract<Severity, 'Warning' | 'Info'>;
  message: string;
}

export interface EnvoyRetryOn {
  retryOn: string;
  retriableStatusCodes: number[];
  notes: RetryOnNote[];
}

/** The `retry_on` string and status codes Envoy gets for a Retry of this dialect. */
export function envoyRetryOn(written: string, dialect: RetryDialect): EnvoyRetryOn {
  return dialect === 'osm' ? osmRetryOn(written) : fsmRetryOn(written);
}

/** §2.1: verbatim. Unknown tokens are kept (Envoy ignores them) and reported. */
function osmRetryOn(written: string): EnvoyRetryOn {
  const notes: RetryOnNote[] = [];
  const tokens = tokensOf(written);
  if (tokens.length === 0) {
    notes.push({ severity: 'Warning', message: 'retryOn is empty: OSM passes it to Envoy as is, with no default, so no condition triggers a retry' });
  }
  for (const token of tokens) {
    if (ENVOY_RETRY_ON.has(token)) continue;
    const hint = /^\d+$/.test(token) || /^\dxx$/i.test(token)
      ? '; Envoy has no status-code tokens and OSM adds no retriable status codes, so write 5xx, gateway-error or retriable-4xx instead'
      : `; accepted: ${[...ENVOY_RETRY_ON].join(', ')}`;
    notes.push({ severity: 'Warning', message: `Envoy ignores the retryOn token ${JSON.stringify(token)} (OSM passes retryOn verbatim)${hint}` });
  }
  return { retryOn: written, retriableStatusCodes: [], notes };
}

/** §2.2: Pipy's reading of the tokens, expressed in Envoy's terms. */
function fsmRetryOn(written: string): EnvoyRetryOn {
  const notes: RetryOnNote[] = [];
  const tokens = tokensOf(written);
  if (tokens.length === 0) {
    notes.push({ severity: 'Info', message: `retryOn is empty: FSM's sidecar (Pipy) then retries on ${PIPY_DEFAULT_RETRY_ON}, and so does Ricochet` });
    return { retryOn: PIPY_DEFAULT_RETRY_ON, retriableStatusCodes: [], notes };
  }
  const kept: string[] = [];
  const codes: number[] = [];
  const addCodes = (list: number[]): void => {
    for (const c of list) if (!codes.includes(c)) codes.push(c);
  };
  for (const token of tokens) {
    const range = /^([1-5])xx$/.exec(token);
    if (token === '5xx' || ENVOY_RETRY_ON.has(token)) {
      if (!kept.includes(token)) kept.push(token);
    } else if (range) {
      addCodes(hundredCodes(Number(range[1])));
    } else if (/^\d+$/.test(token) && Number(token) >= 100 && Number(token) <= 599) {
      addCodes([Number(token)]);
    } else {
      const lower = token.toLowerCase() !== token && (ENVOY_RETRY_ON.has(token.toLowerCase()) || /^[1-5]xx$/.test(token.toLowerCase()));
      const hint = lower ? ` (tokens are case-sensitive: write ${token.toLowerCase()})` : '';
      notes.push({ severity: 'Warning', message: `unknown retryOn token ${JSON.stringify(token)} is left out${hint}: FSM reads status codes (503) and ranges (5xx), Envoy its own conditions (${[...ENVOY_RETRY_ON].join(', ')})` });
    }
  }
  if (codes.length > 0 && !kept.includes(STATUS_TOKEN)) kept.push(STATUS_TOKEN);
  return { retryOn: kept.join(','), retriableStatusCodes: codes, notes };
}

/** Envoy trims each comma-separated token and skips empty ones; so does Pipy's split. */
function tokensOf(written: string): string[] {
  return written.split(',').map((t) => t.trim()).filter((t) => t !== '');
}

function hundredCodes(first: number): number[] {
  return Array.from({ length: 100 }, (_, i) => first * 100 + i);
}

/**
 * The IR policy (§2.1 buildRetryPolicy): `numRetries` if set, `perTryTimeout` if set, and a
 * backoff with only a base interval (Envoy's max is then 10 × base), no host predicate.
 */
export function meshRetryPolicy(spec: RetryPolicySpec, dialect: RetryDialect): RetryPolicy {
  const { retryOn, retriableStatusCodes } = envoyRetryOn(spec.retryOn, dialect);
  const policy: RetryPolicy = {
    retryOn,
    // Unset leaves Envoy's default of 1 retry. The IR's numRetries is required, so the default
    // is written out; Envoy behaves the same with `numRetries: 1` as with the field absent.
    numRetries: spec.numRetries ?? ENVOY_DEFAULT_NUM_RETRIES,
    retriableStatusCodes,
    previousHostsPredicate: false,
  };
  if (spec.perTryTimeoutMs !== undefined) policy.perTryTimeoutMs = spec.perTryTimeoutMs;
  if (spec.retryBackoffBaseIntervalMs !== undefined) policy.backoff = { baseIntervalMs: spec.retryBackoffBaseIntervalMs };
  return policy;
}
