/**
 * One downstream HTTP/1.1 request through the connection manager: request header processing
 * (absolute-form URIs, Host port stripping, internal/external classification, x-forwarded-*,
 * x-request-id, hop-by-hop removal), virtual host and route selection, direct responses, the fault
 * filter, then the router. It owns the downstream response: local replies, forwarding upstream
 * headers and body, resets, the HCM stats and the access log line.
 */
import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LogEntry } from '../accessLog/format';
import type { DpRouteAction } from '../config/model';
import type { HeaderMap } from '../retry/api';
import { atoiUnsigned } from '../retry/numbers';
import { parseRetryGrpcOn, parseRetryOn } from '../retry/retryOn';
import { F } from '../router/flags';
import type { ScopedStats } from '../router/scopedStats';
import { Router } from '../router/router';
import { decideFault, FAULT_ABORT_BODY } from './fault';
import { EXTERNAL_STRIPPED, HOP_BY_HOP, RESPONSE_HOP_BY_HOP, stripPort, stripTrailingHostDot } from './headers';
import type { HcmConfig } from './hcm';
import { pickCluster, RouteTable, type CompiledRoute } from './routeTable';

type Headers = Record<string, string | string[]>;

/** HCM stream_idle_timeout default (5 min); a route's idle_timeout replaces it. */
const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;

/** Response headers the proxy sets itself; an upstream's own copy is dropped. */
const OVERWRITTEN = new Set(['server', 'x-envoy-upstream-service-time', 'x-envoy-attempt-count']);

export class HttpStream {
  readonly startMs = Date.now();
  readonly t0 = performance.now();
  method: string;
  /** Path (origin-form) as routed and forwarded; the router may rewrite it. */
  path = '/';
  authority = '';
  scheme = 'http';
  /** Request headers to forward: lower-case names, no hop-by-hop, no host. */
  headers: Headers = {};
  internal = false;
  /** The request has no body, or the whole body arrived. */
  bodyComplete = false;
  bytesReceived = 0;
  bytesSent = 0;

  flags = 0;
  responseCode = 0;
  responseStarted = false;
  responseCodeDetails: string | undefined;
  attemptCount: number | undefined;
  upstreamHost: string | undefined;
  upstreamCluster: string | undefined;
  upstreamLocalAddress: string | undefined;
  transportFailureReason: string | undefined;
  route: CompiledRoute | undefined;
  /** The request's virtual cluster stats (envoy-retry.md §6.2), if any. */
  vcluster: ScopedStats | undefined;
  /** Set by the router: the downstream went away (or was reset) before the response completed. */
  onDownstreamReset: (() => void) | undefined;

  private responseHeaders: HeaderMap | undefined;
  private pseudo: HeaderMap | undefined;
  private lastRxMs: number | undefined;
  private firstTxMs: number | undefined;
  private bodyChunks: Buffer[] | undefined = [];
  private bodyConsumer: { data(chunk: Buffer): void; end(): void } | undefined;
  private finished = false;
  private resetByProxy = false;
  private faultTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private durationTimer: NodeJS.Timeout | undefined;

  constructor(readonly config: HcmConfig, readonly req: http.IncomingMessage, readonly res: http.ServerResponse, readonly connectionId: number) {
    this.method = req.method ?? 'GET';
  }

  /** Entry point: the request headers are in. */
  start(): void {
    const { config, req, res } = this;
    const stats = config.stats;
    stats.downstream_rq_total.inc();
    stats.downstream_rq_http1_total.inc();
    stats.downstream_rq_active.add(1);
    res.on('finish', () => this.finish());
    res.on('close', () => {
      if (this.finished) return;
      if (!this.resetByProxy) {
        this.flags |= F.DC;
        stats.downstream_rq_rx_reset.inc();
      }
      this.clearFault();
      const cb = this.onDownstreamReset;
      this.onDownstreamReset = undefined;
      cb?.();
      this.finish();
    });

    // Body: kept until a consumer (the router) takes it.
    const h = req.headers;
    const cl = h['content-length'];
    this.bodyComplete = h['transfer-encoding'] === undefined && (cl === undefined || cl === '0');
    this.idleTimer = setTimeout(() => this.onIdleTimeout(), DEFAULT_STREAM_IDLE_TIMEOUT_MS);
    req.on('data', (chunk: Buffer) => {
      this.idleTimer?.refresh();
      this.bytesReceived += chunk.length;
      if (this.bodyConsumer) this.bodyConsumer.data(chunk);
      else this.bodyChunks?.push(chunk);
    });
    req.on('end', () => {
      this.lastRxMs = performance.now();
      if (this.bodyComplete) return;
      this.bodyComplete = true;
      this.bodyConsumer?.end();
    });
    if (this.bodyComplete) this.lastRxMs = this.t0;

    // Request target and authority.
    let target = req.url ?? '/';
    let authority = h.host ?? '';
    if (target.charCodeAt(0) !== 47 /* / */ && target !== '*') {
      if (config.allowAbsoluteUrl && /^https?:\/\//i.test(target)) {
        try {
          const u = new URL(target);
          authority = u.host;
          this.scheme = u.protocol.slice(0, -1).toLowerCase();
          target = u.pathname + u.search;
        } catch {
          // keep as is: it will not route
        }
      }
    }
    // ConnectionManagerUtility::maybeNormalizeHost: the trailing dot first, then the port.
    if (config.stripTrailingHostDot) authority = stripTrailingHostDot(authority);
    if (config.stripAnyHostPort) authority = stripPort(authority);
    else if (config.stripMatchingHostPort) {
      const s = stripPort(authority);
      if (s !== authority && authority.slice(s.length + 1) === String(config.listenerPort)) authority = s;
    }
    this.path = target;
    this.authority = authority;

    // Forwarded headers.
    const headers: Headers = {};
    for (const k in h) {
      if (HOP_BY_HOP.has(k)) {
        if (k === 'te' && h.te === 'trailers') headers.te = 'trailers';
        continue;
      }
      if (k === 'host' || k === 'expect') continue;
      const v = h[k];
      if (v !== undefined) headers[k] = v;
    }
    this.headers = headers;

    // Internal or external (ConnectionManagerUtility::mutateRequestHeaders).
    const remote = req.socket.remoteAddress ?? '';
    let trusted: string | undefined;
    if (config.useRemoteAddress) trusted = remote;
    else {
      const xff = headers['x-forwarded-for'];
      const xffText = Array.isArray(xff) ? xff.join(',') : xff;
      if (xffText) {
        const parts = xffText.split(',');
        trusted = parts[parts.length - 1].trim();
      }
    }
    // The config layer fills Envoy's implicit internal set when the config names none.
    const internal = trusted !== undefined && trusted !== '' && config.internalCidrs.contains(trusted);
    this.internal = internal;
    if (!internal) for (const name of EXTERNAL_STRIPPED) if (name in headers) delete headers[name];
    if (config.useRemoteAddress) {
      const xff = headers['x-forwarded-for'];
      headers['x-forwarded-for'] = xff ? `${Array.isArray(xff) ? xff.join(',') : xff},${remote}` : remote;
      if (!internal) headers['x-envoy-external-address'] = remote;
      headers['x-forwarded-proto'] = this.scheme;
    } else if (headers['x-forwarded-proto'] === undefined) {
      headers['x-forwarded-proto'] = this.scheme;
    }
    if (internal) headers['x-envoy-internal'] = 'true';
    if (headers['x-request-id'] === undefined || (config.useRemoteAddress && !internal)) headers['x-request-id'] = randomUUID();

    if (target.charCodeAt(0) !== 47 && target !== '*') {
      stats.downstream_rq_non_relative_path.inc();
      this.sendLocalReply(404, '', undefined, 'absolute_path');
      return;
    }
    this.decodeRoute();
  }

  private decodeRoute(): void {
    const config = this.config;
    const table = config.routeTable;
    const vh = table?.findVirtualHost(this.authority);
    let route: CompiledRoute | undefined;
    if (vh) {
      const withPseudo = () => this.headersWithPseudo();
      route = RouteTable.route(vh, this.path, withPseudo);
      if (route) this.vcluster = RouteTable.virtualCluster(vh, withPseudo);
    }
    if (!route) {
      config.stats.no_route.inc();
      this.flags |= F.NR;
      this.sendLocalReply(404, '', undefined, 'route_not_found');
      return;
    }
    this.route = route;
    const action = route.action;
    if (action?.idleTimeoutMs !== undefined) this.setIdleTimeout(action.idleTimeoutMs);
    if (action) this.startDurationTimer(action);
    if (route.direct) {
      config.stats.rq_direct_response.inc();
      this.sendLocalReply(route.direct.status, route.direct.body ?? '', undefined, 'direct_response');
      return;
    }
    if (route.fault) {
      const d = decideFault(route.fault);
      if (d) {
        if (d.delayMs > 0) {
          config.stats.fault_delays_injected.inc();
          config.stats.fault_active_faults.add(1);
          this.flags |= F.DI;
          this.faultTimer = setTimeout(() => {
            this.faultTimer = undefined;
            config.stats.fault_active_faults.add(-1);
            if (this.finished) return;
            if (d.abort) this.faultAbort(d.abort);
            else this.decodeRouter(route!);
          }, d.delayMs);
          return;
        }
        if (d.abort) {
          this.faultAbort(d.abort);
          return;
        }
      }
    }
    this.decodeRouter(route);
  }

  /** The downstream peer and our end as Envoy prints addresses (`ip:port`, IPv6 in brackets). */
  get downstreamRemoteAddress(): string {
    return formatAddress(this.req.socket.remoteAddress, this.req.socket.remotePort);
  }

  get downstreamLocalAddress(): string {
    return formatAddress(this.req.socket.localAddress, this.req.socket.localPort);
  }

  /** The downstream peer's IP alone (Address::Ip::addressAsString). */
  get downstreamRemoteIp(): string {
    const ip = this.req.socket.remoteAddress ?? '';
    return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  }

  /** Request headers plus :method, :path, :authority, :scheme (for header matchers). */
  headersWithPseudo(): HeaderMap {
    return (this.pseudo ??= { ...this.headers, ':method': this.method, ':path': this.path, ':authority': this.authority, ':scheme': this.scheme });
  }

  /** Route idle_timeout replaces the HCM stream idle timeout (0 disables), counted from now. */
  private setIdleTimeout(ms: number): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = ms > 0 ? setTimeout(() => this.onIdleTimeout(), ms) : undefined;
  }

  /** HCM stream idle timeout: no byte either way for that long (flag SI). */
  private onIdleTimeout(): void {
    this.idleTimer = undefined;
    if (this.finished) return;
    this.config.stats.downstream_rq_idle_timeout.inc();
    this.flags |= F.SI;
    this.abortStream(408, 'stream timeout', 'stream_idle_timeout');
  }

  /**
   * ActiveStream::refreshDurationTimeout: a grpc-timeout request header sets the stream duration
   * when the route has grpc_timeout_header_max (capped by it unless 0, minus the offset); else the
   * route's max_stream_duration (0 or absent: none — the HCM-level limit is not implemented).
   * Counted from the start of the stream.
   */
  private startDurationTimer(action: DpRouteAction): void {
    const grpcTimeout = parseGrpcTimeout(this.headers['grpc-timeout']);
    let timeout: number;
    if (grpcTimeout === undefined || action.grpcTimeoutHeaderMaxMs === undefined) {
      if (action.maxStreamDurationMs === undefined || action.maxStreamDurationMs <= 0) return;
      timeout = action.maxStreamDurationMs;
    } else {
      timeout = grpcTimeout;
      const max = action.grpcTimeoutHeaderMaxMs;
      if (max !== 0 && timeout > max) timeout = max;
      const offset = action.grpcTimeoutHeaderOffsetMs;
      if (timeout !== 0 && offset !== undefined) timeout = offset < timeout ? timeout - offset : 0;
    }
    const left = timeout - (performance.now() - this.t0);
    this.durationTimer = setTimeout(() => this.onDurationTimeout(), Math.max(0, left));
  }

  /**
   * The stream's max duration elapsed (ActiveStream::onStreamMaxDurationReached): 504, or 408 while
   * the request is still arriving; gRPC requests get DEADLINE_EXCEEDED. Envoy 1.40 sets no response
   * flag here (checked in the differential suite).
   */
  private onDurationTimeout(): void {
    this.durationTimer = undefined;
    if (this.finished) return;
    this.config.stats.downstream_rq_max_duration_reached.inc();
    this.abortStream(this.bodyComplete ? 504 : 408, 'downstream duration timeout', 'max_duration_timeout', GRPC_DEADLINE_EXCEEDED);
  }

  /** The HCM ends the stream: the router (if any) resets its attempt, then a local reply or a reset. */
  private abortStream(status: number, body: string, details: string, grpcStatus?: number): void {
    this.clearFault();
    const cb = this.onDownstreamReset;
    this.onDownstreamReset = undefined;
    cb?.();
    this.sendLocalReply(status, body, undefined, details, grpcStatus);
  }

  private clearFault(): void {
    if (this.faultTimer) {
      clearTimeout(this.faultTimer);
      this.faultTimer = undefined;
      this.config.stats.fault_active_faults.add(-1);
    }
  }

  private faultAbort(abort: { httpStatus?: number; grpcStatus?: number }): void {
    this.config.stats.fault_aborts_injected.inc();
    this.flags |= F.FI;
    if (abort.grpcStatus !== undefined) {
      this.sendGrpcLocalReply(abort.grpcStatus, FAULT_ABORT_BODY, {}, 'fault_filter_abort');
    } else {
      this.sendLocalReply(abort.httpStatus ?? 503, FAULT_ABORT_BODY, undefined, 'fault_filter_abort');
    }
  }

  private decodeRouter(route: CompiledRoute): void {
    const config = this.config;
    config.stats.rq_total.inc();
    const { name, cluster } = pickCluster(route);
    this.upstreamCluster = name;
    if (!cluster) {
      config.stats.no_cluster.inc();
      this.flags |= F.NC;
      this.sendLocalReply(503, '', undefined, 'cluster_not_found');
      return;
    }
    for (const name of config.strictCheckHeaders) {
      const v = this.headers[name];
      if (v === undefined) continue;
      const value = Array.isArray(v) ? v[0] : v;
      if (!strictHeaderValid(name, value)) {
        this.flags |= F.IH;
        this.sendLocalReply(400, `invalid header '${name}' with value '${value}'`, undefined, `request_headers_failed_strict_check{${name}}`);
        return;
      }
    }
    new Router(this, route, cluster).start();
  }

  /** The router takes the request body: what arrived so far, then the rest as it comes. */
  setBodyConsumer(data: (chunk: Buffer) => void, end: () => void): void {
    this.bodyConsumer = { data, end };
    const chunks = this.bodyChunks;
    this.bodyChunks = undefined;
    if (chunks) for (const c of chunks) data(c);
  }

  /** Flow control of the request body (the upstream cannot take more yet). */
  pauseBody(): void {
    if (!this.bodyComplete) this.req.pause();
  }

  resumeBody(): void {
    this.req.resume();
  }

  /** Envoy's sendLocalReply: a response made by the proxy (or a reset if a response already started). */
  sendLocalReply(status: number, body: string, extra: Record<string, string> | undefined, details: string, grpcStatus?: number): void {
    if (this.finished) return;
    if (this.responseStarted) {
      this.resetDownstream();
      return;
    }
    this.responseCodeDetails = details;
    if (isGrpc(this.req.headers['content-type'])) {
      this.sendGrpcLocalReply(grpcStatus ?? httpToGrpcStatus(status), body, extra ?? {}, details);
      return;
    }
    const flat: string[] = [];
    if (body.length > 0) flat.push('content-type', 'text/plain');
    flat.push('content-length', String(Buffer.byteLength(body)));
    if (extra) for (const k in extra) flat.push(k, extra[k]);
    flat.push('server', 'envoy');
    this.writeHead(status, flat, extra);
    this.bytesSent += this.method === 'HEAD' ? 0 : Buffer.byteLength(body);
    this.res.end(body);
  }

  private sendGrpcLocalReply(grpcStatus: number, message: string, extra: Record<string, string>, details: string): void {
    this.responseCodeDetails = details;
    const flat = ['content-type', 'application/grpc', 'grpc-status', String(grpcStatus)];
    if (message) flat.push('grpc-message', grpcPercentEncode(message));
    flat.push('content-length', '0');
    for (const k in extra) flat.push(k, extra[k]);
    flat.push('server', 'envoy');
    this.writeHead(200, flat, extra);
    this.res.end();
  }

  /** Upstream response headers: `raw` is the upstream's flat list; `extra` what the router adds. */
  encodeHeaders(status: number, raw: string[], upstreamHeaders: HeaderMap, extra: string[]): void {
    const flat: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      if (RESPONSE_HOP_BY_HOP.has(name) || OVERWRITTEN.has(name)) continue;
      flat.push(name, raw[i + 1]);
    }
    for (let i = 0; i < extra.length; i++) flat.push(extra[i]);
    flat.push('server', 'envoy');
    this.responseCodeDetails = 'via_upstream';
    let logged: HeaderMap | undefined;
    if (this.config.accessLoggers.length > 0) {
      logged = { ...upstreamHeaders };
      for (let i = 0; i < extra.length; i += 2) logged[extra[i]] = extra[i + 1];
    }
    this.writeHead(status, flat, logged);
  }

  private writeHead(status: number, flat: string[], logged: HeaderMap | undefined): void {
    this.idleTimer?.refresh();
    this.responseStarted = true;
    this.responseCode = status;
    this.responseHeaders = logged;
    this.firstTxMs = performance.now();
    this.config.stats.chargeResponse(status);
    try {
      this.res.writeHead(status, flat as unknown as http.OutgoingHttpHeaders);
    } catch (err) {
      this.config.logger?.warn({ err, listener: this.config.listenerName }, 'invalid response header from upstream');
      this.resetDownstream();
    }
  }

  /** Body bytes downstream; false when the socket buffer is full (wait for onceDrain). */
  encodeData(chunk: Buffer): boolean {
    if (this.finished) return true;
    this.idleTimer?.refresh();
    this.bytesSent += chunk.length;
    return this.res.write(chunk);
  }

  onceDrain(cb: () => void): void {
    this.res.once('drain', cb);
  }

  encodeEnd(): void {
    if (!this.finished) this.res.end();
  }

  /** Abort the downstream stream (response already started, or the proxy gives up on it). */
  resetDownstream(): void {
    if (this.finished) return;
    this.resetByProxy = true;
    this.config.stats.downstream_rq_tx_reset.inc();
    this.onDownstreamReset = undefined;
    this.res.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.clearFault();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.durationTimer) clearTimeout(this.durationTimer);
    this.idleTimer = this.durationTimer = undefined;
    const config = this.config;
    config.stats.downstream_rq_active.add(-1);
    config.stats.downstream_rq_completed.inc();
    if (this.bodyConsumer === undefined) {
      this.bodyChunks = undefined;
      // Drain what is left of a request body nobody will read, so keep-alive can continue.
      if (!this.req.complete) this.req.resume();
    }
    const loggers = config.accessLoggers;
    if (loggers.length === 0) return;
    const now = performance.now();
    const entry: LogEntry = {
      startTimeMs: this.startMs,
      durationMs: Math.floor(now - this.t0),
      requestDurationMs: this.lastRxMs !== undefined ? Math.floor(this.lastRxMs - this.t0) : undefined,
      responseDurationMs: this.firstTxMs !== undefined ? Math.floor(this.firstTxMs - this.t0) : undefined,
      method: this.method,
      path: this.path,
      authority: this.authority,
      scheme: this.scheme,
      protocol: `HTTP/${this.req.httpVersion}`,
      requestHeaders: this.headers,
      responseHeaders: this.responseHeaders,
      responseCode: this.responseCode,
      responseCodeDetails: this.responseCodeDetails,
      flags: this.flags,
      attemptCount: this.attemptCount,
      bytesReceived: this.bytesReceived,
      bytesSent: this.bytesSent,
      upstreamHost: this.upstreamHost,
      upstreamCluster: this.upstreamCluster,
      upstreamLocalAddress: this.upstreamLocalAddress,
      upstreamTransportFailureReason: this.transportFailureReason,
      downstreamRemoteAddress: formatAddress(this.req.socket.remoteAddress, this.req.socket.remotePort),
      downstreamLocalAddress: formatAddress(this.req.socket.localAddress, this.req.socket.localPort),
      routeName: this.route?.name,
      connectionId: this.connectionId,
    };
    for (const l of loggers) {
      try {
        l.log(entry);
      } catch (err) {
        config.logger?.warn({ err }, 'access log write failed');
      }
    }
  }
}

function formatAddress(ip: string | undefined, port: number | undefined): string {
  if (!ip) return '-';
  const a = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}

/** Router FilterUtility::StrictHeaderChecker: integers for the ms/count headers, known tokens for retry-on. */
function strictHeaderValid(name: string, value: string): boolean {
  switch (name) {
    case 'x-envoy-upstream-rq-timeout-ms':
    case 'x-envoy-upstream-rq-per-try-timeout-ms':
    case 'x-envoy-max-retries':
      return atoiUnsigned(value, 64) !== undefined;
    case 'x-envoy-retry-on':
      return parseRetryOn(value).allValid;
    case 'x-envoy-retry-grpc-on':
      return parseRetryGrpcOn(value).allValid;
    default:
      return true;
  }
}

/** gRPC's grpc-message encoding: percent-encode bytes outside 0x20–0x7E, and '%'. */
function grpcPercentEncode(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    out += b < 0x20 || b > 0x7e || b === 0x25 ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  }
  return out;
}

function isGrpc(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.startsWith('application/grpc');
}

const GRPC_DEADLINE_EXCEEDED = 4;

/**
 * Grpc::Common::getGrpcTimeout: `<digits><H|M|S|m|u|n>` in ms (micro- and nanoseconds rounded
 * up); undefined when absent or malformed.
 */
export function parseGrpcTimeout(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') return undefined;
  const m = /^(\d+)([HMSmun])$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  // TimeoutValue: a positive integer of at most 8 digits (leading zeros allowed by SimpleAtoi).
  if (n > 99_999_999) return undefined;
  switch (m[2]) {
    case 'H': return n * 3_600_000;
    case 'M': return n * 60_000;
    case 'S': return n * 1000;
    case 'm': return n;
    case 'u': return Math.ceil(n / 1000);
    default: return Math.ceil(n / 1_000_000);
  }
}

/** Envoy's Grpc::Utility::httpToGrpcStatus. */
export function httpToGrpcStatus(status: number): number {
  switch (status) {
    case 400:
      return 13;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return 12;
    case 429:
    case 502:
    case 503:
    case 504:
      return 14;
    default:
      return 2;
  }
}
