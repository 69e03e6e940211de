/**
 * Envoy's HeaderMatcher over a HeaderMap (HeaderUtility::matchHeaders; envoy-retry.md §5.3),
 * shared by retriable_headers, retriable_request_headers and route matching:
 *
 * - the value is every value of the header joined with ',' (getAllOfHeaderAsString);
 * - a missing header only ever matches a `present_match` matcher: present_match:false matches it,
 *   present_match:true matches it only when inverted; every other kind (even inverted) fails;
 * - otherwise the kind's result is XOR-ed with invert_match;
 * - ignore_case (from string_match) folds ASCII only and has no effect on safe_regex;
 * - safe_regex is a full match (RE2::FullMatch), range is [start, end) over an int64 SimpleAtoi;
 * - no match specifier at all means "present".
 */
import type { DpHeaderMatcher } from '../config/model';
import type { HeaderMap } from './api';
import { headerValue } from './headers';
import { asciiLower, atoiInt64 } from './numbers';

export function headerMatches(matcher: DpHeaderMatcher, headers: HeaderMap): boolean {
  const value = headerValue(headers, matcher.name);
  if (value === undefined) return missingHeaderMatches(matcher);
  return valueMatches(matcher, value) !== matcher.invert;
}

/** Any matcher of the list matches (how Envoy uses retriable_headers / retriable_request_headers). */
export function anyHeaderMatches(matchers: readonly DpHeaderMatcher[], headers: HeaderMap): boolean {
  for (const m of matchers) if (headerMatches(m, headers)) return true;
  return false;
}

function isPresentMatcher(m: DpHeaderMatcher): boolean {
  return (
    m.exact === undefined &&
    m.prefix === undefined &&
    m.suffix === undefined &&
    m.contains === undefined &&
    m.safeRegex === undefined &&
    m.range === undefined
  );
}

function missingHeaderMatches(m: DpHeaderMatcher): boolean {
  if (!isPresentMatcher(m)) return false;
  const present = m.present ?? true;
  return m.invert ? present : !present;
}

function valueMatches(m: DpHeaderMatcher, value: string): boolean {
  if (m.exact !== undefined) return fold(m, value) === fold(m, m.exact);
  if (m.prefix !== undefined) return fold(m, value).startsWith(fold(m, m.prefix));
  if (m.suffix !== undefined) return fold(m, value).endsWith(fold(m, m.suffix));
  if (m.contains !== undefined) return fold(m, value).includes(fold(m, m.contains));
  if (m.safeRegex !== undefined) return fullMatch(m.safeRegex, value);
  if (m.range !== undefined) return inRange(m.range, value);
  return m.present ?? true;
}

function fold(m: DpHeaderMatcher, s: string): string {
  return m.ignoreCase ? asciiLower(s) : s;
}

function inRange(range: { start: number; end: number }, value: string): boolean {
  const v = atoiInt64(value);
  return v !== undefined && v >= BigInt(Math.trunc(range.start)) && v < BigInt(Math.trunc(range.end));
}

/** Compiled anchored regexes by source; `null` = does not compile as a JS RegExp (never matches). */
const regexCache = new Map<string, RegExp | null>();

function fullMatch(source: string, value: string): boolean {
  let re = regexCache.get(source);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${source})$`);
    } catch {
      re = null;
    }
    if (regexCache.size < 4096) regexCache.set(source, re);
  }
  return re !== null && re.test(value);
}
