/**
 * Reading a node-style HeaderMap (lower-case names, `string | string[]`) the way Envoy reads its
 * header map.
 */
import type { HeaderMap } from './api';

/**
 * HeaderUtility::getAllOfHeaderAsString: every value of the header joined with ','
 * (undefined = absent). Header matchers and coalesced inline headers see this.
 */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  return v.length === 0 ? undefined : v.join(',');
}

/** `headers.get(name)[0]`: Envoy's "first value only" readers (reset headers, §3.2). */
export function firstHeaderValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined || typeof v === 'string') return v;
  return v[0];
}

export function hasHeader(headers: HeaderMap, name: string): boolean {
  return headerValue(headers, name) !== undefined;
}
