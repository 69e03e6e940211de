import type { JsonObject } from '../../lib/protos/protoJson';
import type { DpHeaderMatcher, DpRateLimitedBackOff, DpRetryPolicy } from './model';
import { Findings, anyType, at, checkFields, durationMs, index, invalid, num, obj, objs, str, type FieldRules } from './fields';

/** Envoy's retry defaults (envoy-retry.md §2.1, §3.1, §3.2, §4.3). */
export const RETRY_DEFAULTS = {
  numRetries: 1,
  baseIntervalMs: 25,
  maxIntervalFactor: 10,
  rateLimitedMaxIntervalMs: 300_000,
  hostSelectionRetryMaxAttempts: 1,
} as const;

export const PREVIOUS_HOSTS = 'envoy.retry_host_predicates.previous_hosts';
export const PREVIOUS_PRIORITIES = 'envoy.retry_priorities.previous_priorities';
const PREVIOUS_HOSTS_TYPE = 'envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';
const PREVIOUS_PRIORITIES_TYPE = 'envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig';
const OMIT_CANARY_TYPE = 'envoy.extensions.retry.host.omit_canary_hosts.v3.OmitCanaryHostsPredicate';
export const OMIT_HOST_METADATA = 'envoy.retry_host_predicates.omit_host_metadata';
const OMIT_HOST_METADATA_TYPE = 'envoy.extensions.retry.host.omit_host_metadata.v3.OmitHostMetadataConfig';

const RETRY_POLICY: FieldRules = {
  handled: [
    'retry_on', 'num_retries', 'per_try_timeout', 'per_try_idle_timeout', 'retry_priority', 'retry_host_predicate',
    'host_selection_retry_max_attempts', 'retriable_status_codes', 'retry_back_off', 'rate_limited_retry_back_off',
    'retriable_headers', 'retriable_request_headers',
  ],
  rejected: {
    retry_options_predicates: 'retry options predicates (per-retry socket/upstream options) are not implemented',
  },
};

/** `RetryPolicy` (route or virtual host) → DpRetryPolicy with Envoy's defaults. */
export function retryPolicyFromJson(json: JsonObject, path: string, f: Findings): DpRetryPolicy {
  const T = 'envoy.config.route.v3.RetryPolicy';
  checkFields(json, T, path, RETRY_POLICY, f);
  const policy: DpRetryPolicy = {
    retryOn: str(json.retryOn) ?? '',
    numRetries: num(json.numRetries) ?? RETRY_DEFAULTS.numRetries,
    retriableStatusCodes: Array.isArray(json.retriableStatusCodes) ? json.retriableStatusCodes.map((c) => num(c) ?? 0) : [],
    retriableHeaders: objs(json.retriableHeaders).map((h, i) => headerMatcherFromJson(h, index(at(path, 'retriable_headers'), i), f)),
    retriableRequestHeaders: objs(json.retriableRequestHeaders).map((h, i) => headerMatcherFromJson(h, index(at(path, 'retriable_request_headers'), i), f)),
    backOff: backOffFromJson(obj(json.retryBackOff), at(path, 'retry_back_off')),
    hostPredicates: [],
    hostSelectionRetryMaxAttempts: num(json.hostSelectionRetryMaxAttempts) ?? RETRY_DEFAULTS.hostSelectionRetryMaxAttempts,
  };
  const perTry = durationMs(json.perTryTimeout);
  // 0 means "no per-try timeout", as an absent field does.
  if (perTry !== undefined && perTry > 0) policy.perTryTimeoutMs = perTry;
  const perTryIdle = durationMs(json.perTryIdleTimeout);
  if (perTryIdle !== undefined && perTryIdle > 0) policy.perTryIdleTimeoutMs = perTryIdle;

  const rateLimited = obj(json.rateLimitedRetryBackOff);
  if (rateLimited) policy.rateLimitedBackOff = rateLimitedFromJson(rateLimited, at(path, 'rate_limited_retry_back_off'), f);

  objs(json.retryHostPredicate).forEach((p, i) => {
    const ppath = index(at(path, 'retry_host_predicate'), i);
    const type = anyType(p.typedConfig);
    const name = str(p.name) ?? '';
    if (type === PREVIOUS_HOSTS_TYPE || (!type && name === PREVIOUS_HOSTS)) {
      if (!policy.hostPredicates.includes(PREVIOUS_HOSTS)) policy.hostPredicates.push(PREVIOUS_HOSTS);
    } else if (type === OMIT_CANARY_TYPE || (!type && name === 'envoy.retry_host_predicates.omit_canary_hosts')) {
      f.ignore(ppath, 'omit_canary_hosts: endpoints are never canaries here, so the predicate never rejects a host');
    } else if (type === OMIT_HOST_METADATA_TYPE || (!type && name === OMIT_HOST_METADATA)) {
      const labels = omitHostMetadataLabels(obj(p.typedConfig), at(ppath, 'typed_config'), f);
      if (!policy.hostPredicates.includes(OMIT_HOST_METADATA)) policy.hostPredicates.push(OMIT_HOST_METADATA);
      // Several predicates: a host is skipped when any of them rejects it (RetryStateImpl).
      (policy.omitHostMetadata ??= []).push(labels);
    } else {
      f.reject(ppath, `retry host predicate ${type ?? name} is not implemented (${PREVIOUS_HOSTS} and ${OMIT_HOST_METADATA} are)`);
    }
  });

  const priority = obj(json.retryPriority);
  if (priority) {
    const ppath = at(path, 'retry_priority');
    const type = anyType(priority.typedConfig);
    const name = str(priority.name) ?? '';
    if (type === PREVIOUS_PRIORITIES_TYPE || (!type && name === PREVIOUS_PRIORITIES)) {
      const freq = num(obj(priority.typedConfig)?.updateFrequency);
      if (freq === undefined || freq <= 0) invalid(at(ppath, 'typed_config.update_frequency'), 'value must be greater than 0');
      policy.previousPrioritiesUpdateFrequency = freq;
    } else {
      f.reject(ppath, `retry priority ${type ?? name} is not implemented (only ${PREVIOUS_PRIORITIES} is)`);
    }
  }
  return policy;
}

/**
 * OmitHostMetadataConfig → its label set: `metadata_match.filter_metadata["envoy.lb"]` (Envoy reads
 * only that namespace). The message may be canonical JSON (its type compiled in) or kept opaque as
 * written in a bootstrap (proto or JSON field names), so both spellings are read.
 */
function omitHostMetadataLabels(cfg: JsonObject | undefined, path: string, f: Findings): JsonObject {
  if (!cfg) return {};
  for (const key of Object.keys(cfg)) {
    if (key !== '@type' && key !== 'metadataMatch' && key !== 'metadata_match') f.reject(at(path, key), 'unknown field of OmitHostMetadataConfig');
  }
  const match = obj(cfg.metadataMatch) ?? obj(cfg.metadata_match);
  const filters = obj(match?.filterMetadata) ?? obj(match?.filter_metadata);
  return obj(filters?.['envoy.lb']) ?? {};
}

function backOffFromJson(json: JsonObject | undefined, path: string): DpRetryPolicy['backOff'] {
  if (!json) return { baseIntervalMs: RETRY_DEFAULTS.baseIntervalMs, maxIntervalMs: RETRY_DEFAULTS.baseIntervalMs * RETRY_DEFAULTS.maxIntervalFactor };
  const base = durationMs(json.baseInterval);
  if (base === undefined || base <= 0) invalid(at(path, 'base_interval'), 'base_interval is required and must be greater than 0');
  // Intervals below 1 ms round up to 1 ms (envoy-retry.md §3.1).
  const baseMs = Math.max(1, base);
  const max = durationMs(json.maxInterval);
  if (max !== undefined && max <= 0) invalid(at(path, 'max_interval'), 'max_interval must be greater than 0');
  const maxMs = max === undefined ? baseMs * RETRY_DEFAULTS.maxIntervalFactor : Math.max(1, max);
  if (maxMs < baseMs) invalid(at(path, 'max_interval'), 'max_interval must be greater than or equal to the base_interval');
  return { baseIntervalMs: baseMs, maxIntervalMs: maxMs };
}

function rateLimitedFromJson(json: JsonObject, path: string, f: Findings): DpRateLimitedBackOff {
  checkFields(json, 'envoy.config.route.v3.RetryPolicy.RateLimitedRetryBackOff', path, { handled: ['reset_headers', 'max_interval'] }, f);
  const headers = objs(json.resetHeaders);
  if (headers.length === 0) invalid(at(path, 'reset_headers'), 'at least one reset header is required');
  const resetHeaders = headers.map((h, i) => {
    const name = str(h.name) ?? '';
    if (name === '') invalid(at(index(at(path, 'reset_headers'), i), 'name'), 'a reset header needs a name');
    const format: 'SECONDS' | 'UNIX_TIMESTAMP' = h.format === 'UNIX_TIMESTAMP' ? 'UNIX_TIMESTAMP' : 'SECONDS';
    return { name, format };
  });
  const max = durationMs(json.maxInterval);
  if (max !== undefined && max <= 0) invalid(at(path, 'max_interval'), 'max_interval must be greater than 0');
  return { resetHeaders, maxIntervalMs: max === undefined ? RETRY_DEFAULTS.rateLimitedMaxIntervalMs : Math.max(1, max) };
}

const HEADER_MATCHER: FieldRules = {
  handled: [
    'name', 'exact_match', 'safe_regex_match', 'range_match', 'present_match', 'prefix_match', 'suffix_match',
    'contains_match', 'string_match', 'invert_match',
  ],
  rejected: {
    treat_missing_header_as_empty: 'matching a missing header as an empty value is not implemented',
  },
};

/** `HeaderMatcher` → DpHeaderMatcher. With no match specifier, Envoy matches on presence. */
export function headerMatcherFromJson(json: JsonObject, path: string, f: Findings): DpHeaderMatcher {
  checkFields(json, 'envoy.config.route.v3.HeaderMatcher', path, HEADER_MATCHER, f);
  const name = str(json.name) ?? '';
  if (name === '') invalid(at(path, 'name'), 'a header matcher needs a name');
  const m: DpHeaderMatcher = { name: name.toLowerCase(), invert: json.invertMatch === true, ignoreCase: false };
  if (typeof json.exactMatch === 'string') m.exact = json.exactMatch;
  else if (typeof json.prefixMatch === 'string') m.prefix = json.prefixMatch;
  else if (typeof json.suffixMatch === 'string') m.suffix = json.suffixMatch;
  else if (typeof json.containsMatch === 'string') m.contains = json.containsMatch;
  else if (obj(json.safeRegexMatch)) m.safeRegex = regexFromJson(obj(json.safeRegexMatch) as JsonObject, at(path, 'safe_regex_match'), f);
  else if (typeof json.presentMatch === 'boolean') m.present = json.presentMatch;
  else if (obj(json.rangeMatch)) {
    const r = obj(json.rangeMatch) as JsonObject;
    m.range = { start: num(r.start) ?? 0, end: num(r.end) ?? 0 };
  } else if (obj(json.stringMatch)) {
    Object.assign(m, stringMatcherFromJson(obj(json.stringMatch) as JsonObject, at(path, 'string_match'), f));
  } else {
    m.present = true;
  }
  return m;
}

export interface DpStringMatch {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safeRegex?: string;
  ignoreCase: boolean;
}

export function stringMatcherFromJson(json: JsonObject, path: string, f: Findings): DpStringMatch {
  checkFields(json, 'envoy.type.matcher.v3.StringMatcher', path, {
    handled: ['exact', 'prefix', 'suffix', 'safe_regex', 'contains', 'ignore_case'],
    rejected: { custom: 'custom string matcher extensions are not implemented' },
  }, f);
  const m: DpStringMatch = { ignoreCase: json.ignoreCase === true };
  if (typeof json.exact === 'string') m.exact = json.exact;
  else if (typeof json.prefix === 'string') m.prefix = json.prefix;
  else if (typeof json.suffix === 'string') m.suffix = json.suffix;
  else if (typeof json.contains === 'string') m.contains = json.contains;
  else if (obj(json.safeRegex)) m.safeRegex = regexFromJson(obj(json.safeRegex) as JsonObject, at(path, 'safe_regex'), f);
  else if (!obj(json.custom)) invalid(path, 'a string matcher needs one of exact, prefix, suffix, contains, safe_regex');
  return m;
}

/** `RegexMatcher` → the regex text (RE2 syntax; checked to compile as a JS RegExp). */
export function regexFromJson(json: JsonObject, path: string, f: Findings): string {
  checkFields(json, 'envoy.type.matcher.v3.RegexMatcher', path, { handled: ['regex'], silent: ['google_re2'] }, f);
  const regex = str(json.regex) ?? '';
  try {
    new RegExp(regex);
  } catch (err) {
    invalid(at(path, 'regex'), `invalid regex ${JSON.stringify(regex)}: ${(err as Error).message}`);
  }
  return regex;
}
