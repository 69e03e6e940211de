/**
 * Header rules of Envoy's HTTP connection manager and router that the proxy reproduces:
 * hop-by-hop headers never cross, `x-envoy-*` control headers from external clients are dropped
 * (ConnectionManagerUtility::cleanInternalHeaders), the router's own control headers are consumed
 * before the request goes upstream, and "internal" is decided from the trusted client address.
 */
import { isIP } from 'node:net';

/** Connection-specific headers (RFC 9110 §7.6.1) Envoy's codecs never forward. `te` is kept only as `trailers`. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'http2-settings']);

/** Response headers never copied downstream (framing is node's job on the downstream side). */
export const RESPONSE_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'http2-settings']);

/** Removed from requests of external clients before anything reads them. */
export const EXTERNAL_STRIPPED = [
  'x-envoy-decorator-operation',
  'x-envoy-downstream-service-cluster',
  'x-envoy-downstream-service-node',
  'x-envoy-expected-rq-timeout-ms',
  'x-envoy-force-trace',
  'x-envoy-hedge-on-per-try-timeout',
  'x-envoy-internal',
  'x-envoy-ip-tags',
  'x-envoy-max-retries',
  'x-envoy-retriable-header-names',
  'x-envoy-retriable-status-codes',
  'x-envoy-retry-grpc-on',
  'x-envoy-retry-on',
  'x-envoy-upstream-alt-stat-name',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-upstream-rq-timeout-alt-response',
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-stream-duration-ms',
  'x-envoy-original-url',
];

/** Consumed by the router (retry and timeout controls), never forwarded upstream. */
export const ROUTER_CONSUMED = [
  'x-envoy-retry-on',
  'x-envoy-retry-grpc-on',
  'x-envoy-max-retries',
  'x-envoy-retriable-status-codes',
  'x-envoy-retriable-header-names',
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-hedge-on-per-try-timeout',
  'x-envoy-upstream-rq-timeout-alt-response',
  'x-envoy-upstream-stream-duration-ms',
  'x-envoy-upstream-alt-stat-name',
  'x-envoy-expected-rq-timeout-ms',
];

/** Position of the port separator in a Host value (`host:port`, `[v6]:port`), or -1. */
export function portStart(host: string): number {
  const colon = host.lastIndexOf(':');
  if (colon < 0) return -1;
  const bracket = host.lastIndexOf(']');
  if (bracket > colon) return -1; // "[::1]"
  if (bracket < 0 && host.indexOf(':') !== colon) return -1; // bare IPv6 without brackets
  for (let i = colon + 1; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return colon + 1 < host.length ? colon : -1;
}

export function stripPort(host: string): string {
  const i = portStart(host);
  return i < 0 ? host : host.slice(0, i);
}

/** HeaderUtility::stripTrailingHostDot: `example.com.` → `example.com`, `example.com.:80` → `example.com:80`. */
export function stripTrailingHostDot(host: string): string {
  const i = portStart(host);
  if (i < 0) return host.endsWith('.') ? host.slice(0, -1) : host;
  return host.charAt(i - 1) === '.' ? host.slice(0, i - 1) + host.slice(i) : host;
}

interface Cidr {
  v6: boolean;
  bytes: Uint8Array;
  prefixLen: number;
}

export class CidrSet {
  private readonly cidrs: Cidr[];

  constructor(ranges: ReadonlyArray<{ address: string; prefixLen: number }>) {
    this.cidrs = [];
    for (const r of ranges) {
      const bytes = ipBytes(r.address);
      if (bytes) this.cidrs.push({ v6: bytes.length === 16, bytes, prefixLen: r.prefixLen });
    }
  }

  get empty(): boolean {
    return this.cidrs.length === 0;
  }

  contains(address: string): boolean {
    let bytes = ipBytes(address);
    if (!bytes) return false;
    for (const c of this.cidrs) {
      let b = bytes;
      if (c.v6 !== (b.length === 16)) {
        // IPv4-mapped IPv6 (::ffff:a.b.c.d) against an IPv4 range.
        if (!c.v6 && isV4Mapped(b)) b = b.subarray(12);
        else continue;
      }
      if (prefixMatch(c.bytes, b, c.prefixLen)) return true;
    }
    bytes = undefined;
    return false;
  }
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function prefixMatch(a: Uint8Array, b: Uint8Array, prefixLen: number): boolean {
  let bits = prefixLen;
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i] & mask) !== (b[i] & mask)) return false;
  }
  return true;
}

export function ipBytes(address: string): Uint8Array | undefined {
  const kind = isIP(address);
  if (kind === 4) return Uint8Array.from(address.split('.').map(Number));
  if (kind !== 6) return undefined;
  let addr = address;
  const pct = addr.indexOf('%');
  if (pct >= 0) addr = addr.slice(0, pct);
  let tail: number[] = [];
  const lastColon = addr.lastIndexOf(':');
  if (addr.indexOf('.', lastColon) >= 0) {
    tail = addr.slice(lastColon + 1).split('.').map(Number);
    addr = addr.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g || '0', 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}
