/**
 * Envoy access-log command operators, compiled once per config into a list of small functions.
 * Supported: START_TIME[(strftime)], REQ(H[?ALT])[:N], RESP(H[?ALT])[:N], TRAILER(...) (always -),
 * RESPONSE_CODE, RESPONSE_FLAGS, RESPONSE_FLAGS_LONG, RESPONSE_CODE_DETAILS,
 * UPSTREAM_REQUEST_ATTEMPT_COUNT, DURATION, REQUEST_DURATION, RESPONSE_DURATION,
 * RESPONSE_TX_DURATION, BYTES_RECEIVED, BYTES_SENT, PROTOCOL, UPSTREAM_HOST, UPSTREAM_CLUSTER,
 * UPSTREAM_LOCAL_ADDRESS, UPSTREAM_TRANSPORT_FAILURE_REASON, DOWNSTREAM_REMOTE_ADDRESS[_WITHOUT_PORT],
 * DOWNSTREAM_LOCAL_ADDRESS[_WITHOUT_PORT], DOWNSTREAM_LOCAL_PORT, ROUTE_NAME, HOSTNAME,
 * REQUESTED_SERVER_NAME, CONNECTION_ID, METHOD-less pseudo headers via REQ(:METHOD) etc.
 * Missing values print `-`, as in Envoy. An unknown operator is kept verbatim in the output.
 */
import * as os from 'node:os';
import { flagsToString, FLAG_ORDER } from '../router/flags';

export const DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

type HeaderValue = string | string[] | undefined;

export interface LogEntry {
  /** Epoch ms of the first downstream byte. */
  startTimeMs: number;
  durationMs: number | undefined;
  requestDurationMs: number | undefined;
  responseDurationMs: number | undefined;
  method: string;
  path: string;
  authority: string;
  scheme: string;
  protocol: string;
  /** Request headers as forwarded (lower-case names). */
  requestHeaders: Record<string, HeaderValue>;
  responseHeaders: Record<string, HeaderValue> | undefined;
  responseCode: number;
  responseCodeDetails: string | undefined;
  flags: number;
  attemptCount: number | undefined;
  bytesReceived: number;
  bytesSent: number;
  upstreamHost: string | undefined;
  upstreamCluster: string | undefined;
  upstreamLocalAddress: string | undefined;
  upstreamTransportFailureReason: string | undefined;
  downstreamRemoteAddress: string;
  downstreamLocalAddress: string;
  routeName: string | undefined;
  connectionId: number;
}

type Piece = string | ((e: LogEntry) => string);

export type LogFormatter = (e: LogEntry) => string;

const LONG_FLAGS: Record<string, string> = {
  LH: 'FailedLocalHealthCheck', UH: 'NoHealthyUpstream', UT: 'UpstreamRequestTimeout', LR: 'LocalReset',
  UR: 'UpstreamRemoteReset', UF: 'UpstreamConnectionFailure', UC: 'UpstreamConnectionTermination',
  UO: 'UpstreamOverflow', NR: 'NoRouteFound', DI: 'DelayInjected', FI: 'FaultInjected', RL: 'RateLimited',
  UAEX: 'UnauthorizedExternalService', RLSE: 'RateLimitServiceError', DC: 'DownstreamConnectionTermination',
  URX: 'UpstreamRetryLimitExceeded', SI: 'StreamIdleTimeout', IH: 'InvalidEnvoyRequestHeaders',
  DPE: 'DownstreamProtocolError', UMSDR: 'UpstreamMaxStreamDurationReached', RFCF: 'ResponseFromCacheFilter',
  NFCF: 'NoFilterConfigFound', DT: 'DurationTimeout', UPE: 'UpstreamProtocolError', NC: 'NoClusterFound',
  OM: 'OverloadManagerTerminated', DF: 'DnsResolutionFailed', DO: 'DropOverload', DR: 'DownstreamRemoteReset',
  UDO: 'UnconditionalDropOverload',
};

export function compileFormat(format: string | undefined): LogFormatter {
  const pieces = parse(format ?? DEFAULT_FORMAT);
  return (e) => {
    let out = '';
    for (const p of pieces) out += typeof p === 'string' ? p : p(e);
    return out;
  };
}

const OPERATOR = /%([A-Z_0-9]+)(?:\(([^)]*)\))?(?::(\d+))?%/g;

function parse(format: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of format.matchAll(OPERATOR)) {
    const at = m.index ?? 0;
    if (at > last) pieces.push(format.slice(last, at));
    last = at + m[0].length;
    const fn = operator(m[1], m[2], m[3] !== undefined ? Number(m[3]) : undefined);
    pieces.push(fn ?? m[0]);
  }
  if (last < format.length) pieces.push(format.slice(last));
  // Merge adjacent literals.
  const merged: Piece[] = [];
  for (const p of pieces) {
    const prev = merged[merged.length - 1];
    if (typeof p === 'string' && typeof prev === 'string') merged[merged.length - 1] = prev + p;
    else merged.push(p);
  }
  return merged;
}

function dash(v: string | number | undefined): string {
  return v === undefined || v === '' ? '-' : String(v);
}

function truncate(fn: (e: LogEntry) => string, max: number | undefined): (e: LogEntry) => string {
  if (max === undefined) return fn;
  return (e) => {
    const v = fn(e);
    return v === '-' ? v : v.slice(0, max);
  };
}

function headerGetter(spec: string, fromResponse: boolean): (e: LogEntry) => string {
  const [main, alt] = spec.split('?').map((s) => s.trim().toLowerCase());
  const get = (e: LogEntry, name: string): string | undefined => {
    if (!fromResponse) {
      switch (name) {
        case ':method':
          return e.method;
        case ':path':
          return e.path;
        case ':authority':
        case 'host':
          return e.authority;
        case ':scheme':
          return e.scheme;
      }
    }
    const h = fromResponse ? e.responseHeaders : e.requestHeaders;
    if (!h) return undefined;
    const v = h[name];
    return Array.isArray(v) ? v.join(',') : v;
  };
  return (e) => {
    let v = get(e, main);
    if (v === undefined && alt) v = get(e, alt);
    return dash(v);
  };
}

function withoutPort(addr: string): string {
  if (addr.startsWith('[')) return addr.slice(1, addr.indexOf(']'));
  const i = addr.lastIndexOf(':');
  return i > 0 && addr.indexOf(':') === i ? addr.slice(0, i) : addr;
}

function portOf(addr: string): string {
  const i = addr.lastIndexOf(':');
  return i >= 0 ? addr.slice(i + 1) : '-';
}

function operator(name: string, arg: string | undefined, max: number | undefined): ((e: LogEntry) => string) | undefined {
  switch (name) {
    case 'START_TIME':
      return arg ? (e) => strftime(arg, e.startTimeMs) : (e) => new Date(e.startTimeMs).toISOString();
    case 'REQ':
      return arg ? truncate(headerGetter(arg, false), max) : undefined;
    case 'RESP':
      return arg ? truncate(headerGetter(arg, true), max) : undefined;
    case 'TRAILER':
      return () => '-';
    case 'RESPONSE_CODE':
      return (e) => String(e.responseCode);
    case 'RESPONSE_FLAGS':
      return (e) => flagsToString(e.flags);
    case 'RESPONSE_FLAGS_LONG':
      return (e) => {
        const short = flagsToString(e.flags);
        return short === '-' ? '-' : short.split(',').map((f) => LONG_FLAGS[f] ?? f).join(',');
      };
    case 'RESPONSE_CODE_DETAILS':
      return truncate((e) => dash(e.responseCodeDetails), max);
    case 'UPSTREAM_REQUEST_ATTEMPT_COUNT':
      return (e) => String(e.attemptCount ?? 0);
    case 'DURATION':
      return (e) => dash(e.durationMs);
    case 'REQUEST_DURATION':
      return (e) => dash(e.requestDurationMs);
    case 'RESPONSE_DURATION':
      return (e) => dash(e.responseDurationMs);
    case 'RESPONSE_TX_DURATION':
      return (e) => (e.durationMs !== undefined && e.responseDurationMs !== undefined ? String(Math.max(0, e.durationMs - e.responseDurationMs)) : '-');
    case 'BYTES_RECEIVED':
      return (e) => String(e.bytesReceived);
    case 'BYTES_SENT':
      return (e) => String(e.bytesSent);
    case 'PROTOCOL':
      return (e) => e.protocol;
    case 'UPSTREAM_HOST':
      return (e) => dash(e.upstreamHost);
    case 'UPSTREAM_CLUSTER':
      return (e) => dash(e.upstreamCluster);
    case 'UPSTREAM_LOCAL_ADDRESS':
      return (e) => dash(e.upstreamLocalAddress);
    case 'UPSTREAM_TRANSPORT_FAILURE_REASON':
      return (e) => dash(e.upstreamTransportFailureReason);
    case 'DOWNSTREAM_REMOTE_ADDRESS':
    case 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS':
      return (e) => e.downstreamRemoteAddress;
    case 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT':
    case 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT':
      return (e) => withoutPort(e.downstreamRemoteAddress);
    case 'DOWNSTREAM_LOCAL_ADDRESS':
      return (e) => e.downstreamLocalAddress;
    case 'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT':
      return (e) => withoutPort(e.downstreamLocalAddress);
    case 'DOWNSTREAM_LOCAL_PORT':
      return (e) => portOf(e.downstreamLocalAddress);
    case 'ROUTE_NAME':
      return (e) => dash(e.routeName);
    case 'HOSTNAME': {
      const h = os.hostname();
      return () => h;
    }
    case 'REQUESTED_SERVER_NAME':
      return () => '-';
    case 'CONNECTION_ID':
      return (e) => String(e.connectionId);
    default:
      return undefined;
  }
}

/** The strftime subset Envoy users put in START_TIME(...), in UTC. */
export function strftime(fmt: string, ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const frac = (digits: number) => String(ms % 1000).padStart(3, '0').padEnd(digits, '0').slice(0, digits);
  return fmt.replace(/%(E?\d?)([a-zA-Z%])/g, (all, mod: string, c: string) => {
    switch (c) {
      case 'Y':
        return String(d.getUTCFullYear());
      case 'm':
        return p2(d.getUTCMonth() + 1);
      case 'd':
        return p2(d.getUTCDate());
      case 'H':
        return p2(d.getUTCHours());
      case 'M':
        return p2(d.getUTCMinutes());
      case 'S': {
        const n = mod.startsWith('E') ? Number(mod.slice(1)) : 0;
        return n > 0 ? `${p2(d.getUTCSeconds())}.${frac(n)}` : p2(d.getUTCSeconds());
      }
      case 'f':
        return frac(mod ? Number(mod) : 9);
      case 's':
        return String(Math.floor(ms / 1000));
      case 'z':
        return '+0000';
      case 'Z':
        return 'UTC';
      case 'j':
        return String(Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1).padStart(3, '0');
      case '%':
        return '%';
      default:
        return all;
    }
  });
}

export const ALL_FLAGS = FLAG_ORDER;
