/**
 * A merged MeshRetry conf (`default.http` / `default.grpc`) → IR retry policy, as Kuma's
 * configurer builds it (kumahq/kuma v2.14.3 pkg/plugins/policies/meshretry/plugin/xds/configurer.go;
 * spec sources-kuma-fsm.md §1.2.3, §5 items 1-5, 9-13), with three of Kuma's bugs fixed to what
 * the user meant (docs/sources/kuma.md): gRPC `Canceled` → `cancelled`, an HTTP `backOff` without
 * `baseInterval` gets the documented 25ms base, `http2` destinations get the http section.
 */
import type { HeaderMatcher, RateLimitedBackoff, RetryPolicy } from '../../ir/model';
import { goStatusOf } from '../istio/retryPolicy';
import { isMap, type YamlMap } from '../fields';
import { durationMs } from './durations';
import { GRPC_DEFAULT_RETRY_ON, HTTP_DEFAULT_RETRY_ON, methodMatcher } from './legacyRetryPolicy';
import { DEFAULT_UPDATE_FREQUENCY, HTTP_RETRY_ON_TOKENS } from './meshRetry';

/** The base Kuma's field comments (and gRPC code) use when `backOff` has no `baseInterval`. */
const DEFAULT_BASE_INTERVAL_MS = 25;

const GRPC_TOKENS: Readonly<Record<string, string>> = {
  // Kuma emits `canceled`, which Envoy does not know and silently ignores (§1.2.3).
  Canceled: 'cancelled', DeadlineExceeded: 'deadline-exceeded', Internal: 'internal', ResourceExhausted: 'resource-exhausted', Unavailable: 'unavailable',
};

/** `null` means "no retries": `numRetries: 0` switches retries off (PR #10250, §1.2.1). */
export function meshRetryHttpPolicy(http: YamlMap): RetryPolicy | null {
  if (http.numRetries === 0) return null;
  const codes: number[] = [];
  const methods: string[] = [];
  const tokens: string[] = [];
  for (const item of strings(http.retryOn)) {
    const code = goStatusOf(item);
    if (code !== undefined) codes.push(code);
    else if (item.startsWith('HttpMethod')) methods.push(item.slice('HttpMethod'.length).toUpperCase());
    else if (HTTP_RETRY_ON_TOKENS[item] !== undefined) tokens.push(HTTP_RETRY_ON_TOKENS[item]);
  }
  // Only conditions replace the default; a list of codes or methods alone keeps it (§1.2.3 step 5).
  let retryOn = tokens.length > 0 ? tokens.join(',') : HTTP_DEFAULT_RETRY_ON;
  if (codes.length > 0) retryOn += ',retriable-status-codes';
  const policy = commonPolicy(http, retryOn);
  if (codes.length > 0) policy.retriableStatusCodes = codes;
  const requestHeaders = [...methods.map(methodMatcher), ...headerMatchers(http.retriableRequestHeaders)];
  if (requestHeaders.length > 0) policy.retriableRequestHeaders = requestHeaders;
  const responseHeaders = headerMatchers(http.retriableResponseHeaders);
  if (responseHeaders.length > 0) policy.retriableHeaders = responseHeaders;
  applyHostSelection(policy, http.hostSelection);
  if (typeof http.hostSelectionMaxAttempts === 'number') policy.hostSelectionRetryMaxAttempts = http.hostSelectionMaxAttempts;
  return policy;
}

export function meshRetryGrpcPolicy(grpc: YamlMap): RetryPolicy | null {
  if (grpc.numRetries === 0) return null;
  const items = strings(grpc.retryOn);
  const retryOn = items.length > 0 ? items.map((i) => GRPC_TOKENS[i] ?? '').join(',') : GRPC_DEFAULT_RETRY_ON;
  return commonPolicy(grpc, retryOn);
}

/** numRetries (unset: Envoy's 1, written out), perTryTimeout, backOff, rateLimitedBackOff. */
function commonPolicy(conf: YamlMap, retryOn: string): RetryPolicy {
  const policy: RetryPolicy = {
    retryOn,
    numRetries: typeof conf.numRetries === 'number' ? conf.numRetries : 1,
    retriableStatusCodes: [],
    previousHostsPredicate: false,
  };
  const perTry = durationMs(conf.perTryTimeout);
  if (perTry !== undefined) policy.perTryTimeoutMs = perTry;
  if (isMap(conf.backOff)) {
    const max = durationMs(conf.backOff.maxInterval);
    policy.backoff = { baseIntervalMs: durationMs(conf.backOff.baseInterval) ?? DEFAULT_BASE_INTERVAL_MS };
    if (max !== undefined) policy.backoff.maxIntervalMs = max;
  }
  if (isMap(conf.rateLimitedBackOff)) policy.rateLimitedBackoff = rateLimited(conf.rateLimitedBackOff);
  return policy;
}

function rateLimited(conf: YamlMap): RateLimitedBackoff {
  const headers = Array.isArray(conf.resetHeaders) ? conf.resetHeaders.filter(isMap) : [];
  const out: RateLimitedBackoff = {
    resetHeaders: headers.map((h) => ({ name: String(h.name), format: h.format === 'UnixTimestamp' ? 'UNIX_TIMESTAMP' : 'SECONDS' })),
  };
  const max = durationMs(conf.maxInterval);
  if (max !== undefined) out.maxIntervalMs = max;
  return out;
}

/** Exact (the default) → exact, Prefix → prefix, RegularExpression → regex, Present/Absent → presence. */
function headerMatchers(list: unknown): HeaderMatcher[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isMap).map((h) => {
    const out: HeaderMatcher = { name: String(h.name) };
    const value = typeof h.value === 'string' ? h.value : '';
    switch (h.type ?? 'Exact') {
      case 'Exact': out.exact = value; break;
      case 'Prefix': out.prefix = value; break;
      case 'RegularExpression': out.regex = value; break;
      case 'Present': out.present = true; break;
      case 'Absent': out.present = false; break;
      default: break; // no match specifier, as Kuma emits for an unknown type
    }
    return out;
  });
}

/** hostSelection in list order; the IR keeps one of each predicate (§1.2.3 step 9). */
function applyHostSelection(policy: RetryPolicy, list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const p of list.filter(isMap)) {
    if (p.predicate === 'OmitPreviousHosts') policy.previousHostsPredicate = true;
    if (p.predicate === 'OmitHostsWithTags' && isMap(p.tags) && policy.omitHostsWithTags === undefined) {
      policy.omitHostsWithTags = Object.fromEntries(Object.entries(p.tags).map(([k, v]) => [k, String(v)]));
    }
    if (p.predicate === 'OmitPreviousPriorities') {
      policy.previousPrioritiesUpdateFrequency = typeof p.updateFrequency === 'number' ? p.updateFrequency : DEFAULT_UPDATE_FREQUENCY;
    }
  }
}

function strings(list: unknown): string[] {
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}
