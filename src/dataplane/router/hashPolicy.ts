/**
 * The request hash a hash-based load balancer (RING_HASH) picks with, from the route's
 * `hash_policy` list (Envoy's Http::HashPolicyImpl::generateHash):
 *
 * - each policy that yields a value is combined as rotl(hash, 1) XOR new (so equal rules do not
 *   cancel out); a `terminal` policy that leaves a hash ends the walk;
 * - header: XXH64 over all the header's values, sorted, concatenated;
 * - cookie: XXH64 of the cookie's value; absent with a `ttl`, a cookie is made up — the hex XXH64 of
 *   the downstream peer and local addresses — hashed, and sent back as Set-Cookie on the response;
 * - connection_properties.source_ip: XXH64 of the downstream peer's IP;
 * - query_parameter: XXH64 of the parameter's first value, not percent-decoded.
 *
 * No hash (no policy yielded one): the balancer uses a random one per pick.
 */
import type { DpHashPolicy } from '../config/model';
import type { HeaderMap } from '../retry/api';
import { xxHash64 } from '../upstream/xxhash64';

export interface HashInput {
  headers: HeaderMap;
  /** The request target (path and query). */
  path: string;
  downstreamRemoteIp: string;
  /** `ip:port` of the downstream peer and of our end, for made-up cookies. */
  downstreamRemoteAddress: string;
  downstreamLocalAddress: string;
}

export interface RequestHash {
  hash: bigint | undefined;
  /** Set-Cookie values to add to the upstream response (made-up affinity cookies). */
  setCookies: string[];
}

const MASK = (1n << 64n) - 1n;

export function computeRequestHash(policies: readonly DpHashPolicy[], input: HashInput): RequestHash {
  let hash: bigint | undefined;
  const setCookies: string[] = [];
  for (const p of policies) {
    const h = evaluate(p, input, setCookies);
    if (h !== undefined) {
      const old = hash === undefined ? 0n : ((hash << 1n) | (hash >> 63n)) & MASK;
      hash = old ^ h;
    }
    if (p.terminal && hash !== undefined) break;
  }
  return { hash, setCookies };
}

function evaluate(p: DpHashPolicy, input: HashInput, setCookies: string[]): bigint | undefined {
  switch (p.kind) {
    case 'header': {
      const v = input.headers[p.name];
      if (v === undefined) return undefined;
      const values = (Array.isArray(v) ? [...v] : [v]).sort();
      return xxHash64(values.join(''));
    }
    case 'cookie': {
      const value = cookieValue(input.headers.cookie, p.name);
      if (value !== undefined && value !== '') return xxHash64(value);
      if (p.ttlMs === undefined) return undefined;
      const made = xxHash64(input.downstreamRemoteAddress + input.downstreamLocalAddress).toString(16).padStart(16, '0');
      setCookies.push(setCookieValue(p, made));
      return xxHash64(made);
    }
    case 'source_ip':
      return input.downstreamRemoteIp === '' ? undefined : xxHash64(input.downstreamRemoteIp);
    case 'query_parameter': {
      const v = firstQueryValue(input.path, p.name);
      return v === undefined ? undefined : xxHash64(v);
    }
  }
}

/** Utility::parseCookieValue: the first `name=value` among the Cookie headers (quotes removed). */
function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  const all = Array.isArray(header) ? header : header === undefined ? [] : [header];
  for (const line of all) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      if (part.slice(0, eq).trim() !== name) continue;
      let v = part.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      return v;
    }
  }
  return undefined;
}

/** Utility::makeSetCookieValue: `name="value"; Max-Age=s; Path=p; <attributes>; HttpOnly`. */
function setCookieValue(p: Extract<DpHashPolicy, { kind: 'cookie' }>, value: string): string {
  let out = `${p.name}="${value}"`;
  const seconds = Math.floor((p.ttlMs ?? 0) / 1000);
  if (seconds !== 0) out += `; Max-Age=${seconds}`;
  if (p.path) out += `; Path=${p.path}`;
  for (const a of p.attributes) out += a.value === '' ? `; ${a.name}` : `; ${a.name}=${a.value}`;
  return `${out}; HttpOnly`;
}

/** QueryParamsMulti::parseQueryString's first value for `name` (no percent-decoding). */
function firstQueryValue(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  const query = path.slice(q + 1).split('#')[0];
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const k = eq < 0 ? pair : pair.slice(0, eq);
    if (k === name) return eq < 0 ? '' : pair.slice(eq + 1);
  }
  return undefined;
}
