/**
 * HTTP/2 connection pool for one host: one multiplexed node:http2 session (a new one once the
 * current one is going away), streams bounded by the peer's SETTINGS_MAX_CONCURRENT_STREAMS and
 * the cluster's `max_requests`. The TCP connection is opened by `connectUpstream` (connect timeout,
 * cx stats) and handed to the session.
 *
 * Reset reasons (envoy-retry.md §1.2): RST_STREAM REFUSED_STREAM → `remote refused stream reset`,
 * any other RST_STREAM → `remote reset` (both count `upstream_rq_rx_reset`), the session dying with
 * the stream open → `connection termination`.
 */
import * as http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { HeaderMap } from '../retry/api';
import { connectUpstream } from './connect';
import type { Host } from './host';
import { ConnectionLimits, PoolBase } from './poolBase';
import type { PoolCallbacks, RequestHead, StreamHandler, UpstreamStream } from './types';

const { NGHTTP2_REFUSED_STREAM, NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = http2.constants;

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2); node throws on them. */
const H2_FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);

class H2Connection {
  constructor(readonly limits: ConnectionLimits) {}
  socket!: Socket;
  session: http2.ClientHttp2Session | undefined;
  streams = 0;
  maxConcurrent = 100;
  goingAway = false;
  closed = false;
  closingLocally = false;

  get ready(): boolean {
    return this.session !== undefined && !this.goingAway && !this.closed && !this.limits.draining && this.streams < this.maxConcurrent;
  }
}

/** Envoy's default upstream max_concurrent_streams: effectively unbounded, so one connection takes every pending stream. */
const CONNECTING_STREAM_CAPACITY = 2 ** 31 - 1;

export class Http2Pool extends PoolBase {
  private readonly conns = new Set<H2Connection>();

  constructor(host: Host) {
    super(host);
  }

  protected connectionCount(): number {
    return this.conns.size;
  }

  protected hasReadyConnection(): boolean {
    for (const c of this.conns) if (c.ready) return true;
    return false;
  }

  protected tryAttachReady(cb: PoolCallbacks): boolean {
    let conn: H2Connection | undefined;
    for (const c of this.conns) {
      if (c.ready) {
        conn = c;
        break;
      }
    }
    if (!conn) return false;
    if (!this.admitStream(cb)) return true;
    conn.limits.streamAttached();
    conn.streams++;
    cb.onPoolReady(new H2Stream(this, conn));
    return true;
  }

  protected openConnection(): void {
    const conn = new H2Connection(new ConnectionLimits(this));
    this.conns.add(conn);
    this.connectingCapacity += CONNECTING_STREAM_CAPACITY;
    this.connectionOpened();
    const host = this.host;
    conn.socket = connectUpstream(host.cluster, host.address, host.port, (failure) => {
      this.connectingCapacity -= CONNECTING_STREAM_CAPACITY;
      if (failure) {
        conn.closed = true;
        this.conns.delete(conn);
        this.connectionClosed(failure.reason !== 'remote connection failure', false);
        this.purgePending(failure.reason, failure.detail);
        return;
      }
      const socket = conn.socket;
      socket.on('error', noop);
      socket.on('close', () => this.onClose(conn));
      const authority = host.address.includes(':') ? `[${host.address}]:${host.port}` : `${host.address}:${host.port}`;
      const session = http2.connect(`http://${authority}`, { createConnection: () => socket });
      conn.session = session;
      session.on('error', noop);
      session.on('goaway', () => {
        conn.goingAway = true;
        if (this.pending.length > 0) this.tryCreateConnection();
      });
      session.on('remoteSettings', (settings) => {
        conn.maxConcurrent = settings.maxConcurrentStreams ?? CONNECTING_STREAM_CAPACITY;
        this.processPending();
      });
      session.on('close', () => this.onClose(conn));
      if (this.draining && this.pending.length === 0) {
        conn.closingLocally = true;
        session.destroy();
        return;
      }
      conn.limits.connected(() => {
        if (conn.streams === 0) this.closeIdle(conn);
      });
      this.processPending();
      if (conn.streams === 0) conn.limits.becameIdle(() => this.closeIdle(conn));
    });
  }

  /** Closes a connection with no stream (idle timeout, age limit). */
  private closeIdle(conn: H2Connection): void {
    if (conn.closed || conn.streams > 0) return;
    conn.closingLocally = true;
    conn.session?.close();
  }

  private onClose(conn: H2Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.limits.closed();
    this.conns.delete(conn);
    this.connectionClosed(conn.closingLocally, conn.streams > 0);
    if (!conn.session?.destroyed) conn.session?.destroy();
    if (this.pending.length > 0) this.tryCreateConnection();
  }

  streamDone(conn: H2Connection): void {
    conn.streams--;
    this.streamClosed();
    if (conn.streams === 0 && (this.draining || conn.goingAway || conn.limits.draining) && !conn.closed) {
      conn.closingLocally = true;
      conn.session?.close();
      if (this.pending.length > 0) this.tryCreateConnection();
      return;
    }
    if (this.pending.length > 0) this.processPending();
    if (conn.streams === 0 && !conn.closed) conn.limits.becameIdle(() => this.closeIdle(conn));
  }

  drain(): void {
    this.draining = true;
    for (const conn of this.conns) {
      if (conn.streams === 0) {
        conn.closingLocally = true;
        if (conn.session) conn.session.close();
        else conn.socket?.destroy();
      }
    }
  }

  destroy(): void {
    this.draining = true;
    for (const conn of [...this.conns]) {
      conn.closingLocally = true;
      if (conn.session) conn.session.destroy();
      conn.socket?.destroy();
    }
    this.purgePending('connection termination', '');
  }
}

const noopHandler: StreamHandler = { onHeaders() {}, onData() {}, onEnd() {}, onReset() {} };

class H2Stream implements UpstreamStream {
  readonly protocol = 'HTTP/2' as const;
  encodeComplete = false;
  private stream: http2.ClientHttp2Stream | undefined;
  private handler: StreamHandler = noopHandler;
  private finished = false;
  private resetLocally = false;
  private gotHeaders = false;
  private ended = false;

  constructor(private readonly pool: Http2Pool, private readonly conn: H2Connection) {}

  sendHeaders(head: RequestHead, handler: StreamHandler, endStream: boolean): void {
    this.handler = handler;
    const headers: http2.OutgoingHttpHeaders = {
      ':method': head.method,
      ':path': head.path,
      ':scheme': head.scheme,
      ':authority': head.authority,
    };
    for (const k in head.headers) {
      if (H2_FORBIDDEN.has(k) || (k === 'te' && head.headers[k] !== 'trailers')) continue;
      headers[k] = head.headers[k];
    }
    let stream: http2.ClientHttp2Stream;
    try {
      stream = this.conn.session!.request(headers, { endStream });
    } catch (err) {
      queueMicrotask(() => this.fail('local reset', (err as Error).message));
      return;
    }
    this.stream = stream;
    if (endStream) this.encodeComplete = true;
    stream.on('response', (h, flags) => this.onResponse(h, flags));
    stream.on('data', (chunk: Buffer) => {
      if (!this.resetLocally) this.handler.onData(chunk);
    });
    stream.on('end', () => {
      this.ended = true;
    });
    stream.on('error', noop);
    stream.on('close', () => this.onStreamClose());
  }

  sendData(chunk: Buffer): boolean {
    if (this.stream && !this.resetLocally && !this.stream.destroyed) return this.stream.write(chunk);
    return true;
  }

  onceDrain(cb: () => void): void {
    if (this.stream && !this.resetLocally && !this.stream.destroyed) this.stream.once('drain', cb);
    else queueMicrotask(cb);
  }

  end(): void {
    if (this.encodeComplete) return;
    this.encodeComplete = true;
    if (this.stream && !this.resetLocally && !this.stream.destroyed) this.stream.end();
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  localAddress(): string {
    const s = this.conn.socket;
    return `${s.localAddress}:${s.localPort}`;
  }

  reset(): void {
    if (this.resetLocally) return;
    this.resetLocally = true;
    this.handler = noopHandler;
    if (!this.finished) {
      this.pool.host.cluster.stats.upstream_rq_tx_reset.inc();
      this.finish();
    }
    if (this.stream && !this.stream.destroyed) this.stream.close(NGHTTP2_CANCEL);
  }

  detach(): void {
    this.handler = noopHandler;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.pool.streamDone(this.conn);
  }

  private onResponse(h: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader, flags: number): void {
    if (this.resetLocally) return;
    const status = Number(h[':status'] ?? 0);
    if (status >= 100 && status < 200) return; // 1xx: informational, keep waiting
    this.gotHeaders = true;
    const headers: HeaderMap = {};
    const raw: string[] = [];
    for (const k in h) {
      if (k.charCodeAt(0) === 58 /* : */) continue;
      const v = h[k];
      if (v === undefined) continue;
      headers[k] = v as string | string[];
      if (Array.isArray(v)) for (const one of v) raw.push(k, one);
      else raw.push(k, String(v));
    }
    const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0 || this.stream?.endAfterHeaders === true;
    this.handler.onHeaders(status, headers, raw, endStream);
  }

  private onStreamClose(): void {
    if (this.resetLocally) return;
    const stream = this.stream!;
    if (this.gotHeaders && this.ended && stream.rstCode === NGHTTP2_NO_ERROR) {
      this.finish();
      this.handler.onEnd();
      return;
    }
    if (this.conn.closed || this.conn.session?.destroyed || this.conn.socket.destroyed) {
      this.fail('connection termination', '');
    } else if (stream.rstCode === NGHTTP2_REFUSED_STREAM) {
      this.pool.host.cluster.stats.upstream_rq_rx_reset.inc();
      this.fail('remote refused stream reset', '');
    } else {
      this.pool.host.cluster.stats.upstream_rq_rx_reset.inc();
      this.fail('remote reset', '');
    }
  }

  private fail(reason: 'connection termination' | 'remote refused stream reset' | 'remote reset' | 'local reset', detail: string): void {
    if (this.finished && this.handler === noopHandler) return;
    this.finish();
    const handler = this.handler;
    this.handler = noopHandler;
    handler.onReset(reason, detail);
  }
}

function noop(): void {}
