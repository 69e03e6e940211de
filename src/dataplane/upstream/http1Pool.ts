/**
 * HTTP/1.1 connection pool for one host: keep-alive connections, one stream each, reused most
 * recently freed first (as Envoy's ready list). The codec is node's own HTTP client: each stream
 * is an `http.ClientRequest` bound to a socket this pool owns, through a tiny agent whose
 * `addRequest` hands over that socket; node emits `free` on the socket when the exchange is
 * complete and the connection may be reused.
 *
 * A local reset (per-try timeout, retry on response headers, client gone) closes the connection,
 * as Envoy's HTTP/1 pool does. Reset reasons: a parse error is `protocol error`
 * (`upstream_cx_protocol_error`), any other close with the response incomplete is
 * `connection termination`.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { HeaderMap } from '../retry/api';
import { connectUpstream } from './connect';
import type { Host } from './host';
import { ConnectionLimits, PoolBase } from './poolBase';
import type { PoolCallbacks, RequestHead, StreamHandler, UpstreamStream } from './types';

const SOCKET_OPTION = 'ricochetSocket';

/** An agent that never pools: it attaches the request to the socket named in its options. */
class SocketLeaseAgent extends http.Agent {}
(SocketLeaseAgent.prototype as unknown as { addRequest: (req: http.ClientRequest, options: Record<string, unknown>) => void }).addRequest = function addRequest(req, options) {
  req.onSocket(options[SOCKET_OPTION] as Socket);
};
const leaseAgent = new SocketLeaseAgent({ keepAlive: true });

type ConnState = 'connecting' | 'ready' | 'busy' | 'closed';

class H1Connection {
  state: ConnState = 'connecting';
  socket!: Socket;
  stream: H1Stream | undefined;
  closingLocally = false;
  constructor(readonly limits: ConnectionLimits) {}
}

export class Http1Pool extends PoolBase {
  private readonly conns = new Set<H1Connection>();
  private readonly ready: H1Connection[] = [];

  constructor(host: Host) {
    super(host);
  }

  protected connectionCount(): number {
    return this.conns.size;
  }

  protected hasReadyConnection(): boolean {
    return this.ready.length > 0;
  }

  protected tryAttachReady(cb: PoolCallbacks): boolean {
    let conn: H1Connection | undefined;
    while ((conn = this.ready.pop()) !== undefined) {
      if (conn.state === 'ready' && !conn.socket.destroyed) break;
    }
    if (!conn) return false;
    if (!this.admitStream(cb)) {
      this.ready.push(conn);
      return true;
    }
    conn.limits.streamAttached();
    conn.state = 'busy';
    const stream = new H1Stream(this, conn);
    conn.stream = stream;
    cb.onPoolReady(stream);
    return true;
  }

  protected openConnection(): void {
    const conn = new H1Connection(new ConnectionLimits(this));
    this.conns.add(conn);
    this.connectingCapacity++;
    this.connectionOpened();
    const host = this.host;
    conn.socket = connectUpstream(host.cluster, host.address, host.port, (failure) => {
      this.connectingCapacity--;
      if (failure) {
        conn.state = 'closed';
        this.conns.delete(conn);
        this.connectionClosed(failure.reason !== 'remote connection failure', false);
        this.purgePending(failure.reason, failure.detail);
        return;
      }
      const socket = conn.socket;
      socket.on('error', noop);
      socket.on('close', () => this.onClose(conn));
      socket.on('free', () => this.onFree(conn));
      if (this.draining && this.pending.length === 0) {
        conn.closingLocally = true;
        socket.destroy();
        return;
      }
      conn.limits.connected(() => {
        if (conn.state === 'ready') this.closeLocally(conn);
      });
      this.makeReady(conn);
    });
  }

  /** An idle connection goes back to the ready list (its idle timer runs) and serves what waits. */
  private makeReady(conn: H1Connection): void {
    conn.state = 'ready';
    this.ready.push(conn);
    conn.limits.becameIdle(() => {
      if (conn.state === 'ready') this.closeLocally(conn);
    });
    this.processPending();
  }

  private closeLocally(conn: H1Connection): void {
    const i = this.ready.indexOf(conn);
    if (i >= 0) this.ready.splice(i, 1);
    conn.closingLocally = true;
    conn.socket.destroy();
  }

  /** node finished the exchange and keeps the connection: make it ready again. */
  private onFree(conn: H1Connection): void {
    (conn.socket as unknown as { _httpMessage: unknown })._httpMessage = null;
    const stream = conn.stream;
    conn.stream = undefined;
    if (stream && !stream.finished) stream.finish();
    if (conn.state === 'closed') return;
    if (this.draining || conn.limits.draining || conn.socket.destroyed) {
      conn.closingLocally = true;
      conn.socket.destroy();
      return;
    }
    this.makeReady(conn);
  }

  private onClose(conn: H1Connection): void {
    if (conn.state === 'closed') return;
    const withActive = conn.stream !== undefined && !conn.stream.finished;
    conn.state = 'closed';
    conn.limits.closed();
    this.conns.delete(conn);
    const i = this.ready.indexOf(conn);
    if (i >= 0) this.ready.splice(i, 1);
    this.connectionClosed(conn.closingLocally, withActive);
    const stream = conn.stream;
    conn.stream = undefined;
    if (stream && !stream.finished) stream.onConnectionClosed();
    if (this.pending.length > 0) this.tryCreateConnection();
  }

  /** Called by a stream once it no longer counts as active. */
  streamDone(): void {
    this.streamClosed();
  }

  drain(): void {
    this.draining = true;
    for (const conn of this.ready.splice(0, this.ready.length)) {
      conn.closingLocally = true;
      conn.socket.destroy();
    }
  }

  destroy(): void {
    this.draining = true;
    for (const conn of [...this.conns]) {
      conn.closingLocally = true;
      conn.socket?.destroy();
    }
    this.purgePending('connection termination', '');
  }
}

const noopHandler: StreamHandler = { onHeaders() {}, onData() {}, onEnd() {}, onReset() {} };

class H1Stream implements UpstreamStream {
  readonly protocol = 'HTTP/1.1' as const;
  finished = false;
  encodeComplete = false;
  private req: http.ClientRequest | undefined;
  private res: http.IncomingMessage | undefined;
  private handler: StreamHandler = noopHandler;
  private resetLocally = false;
  private responseComplete = false;
  private failed = false;

  constructor(private readonly pool: Http1Pool, private readonly conn: H1Connection) {}

  sendHeaders(head: RequestHead, handler: StreamHandler, endStream: boolean): void {
    this.handler = handler;
    const headers: Record<string, string | string[]> = { host: head.authority };
    for (const k in head.headers) headers[k] = head.headers[k];
    const options: http.RequestOptions & Record<string, unknown> = {
      method: head.method,
      path: head.path,
      headers,
      agent: leaseAgent,
      setHost: false,
      [SOCKET_OPTION]: this.conn.socket,
    };
    let req: http.ClientRequest;
    try {
      req = http.request(options);
    } catch (err) {
      // Invalid header values etc.: the codec refused the request before anything was written.
      queueMicrotask(() => this.fail('protocol error', (err as Error).message));
      return;
    }
    this.req = req;
    req.on('response', (res) => this.onResponse(res));
    req.on('error', (err: NodeJS.ErrnoException) => this.onRequestError(err));
    if (endStream) this.end();
  }

  sendData(chunk: Buffer): boolean {
    if (this.req && !this.resetLocally && !this.req.destroyed) return this.req.write(chunk);
    return true;
  }

  onceDrain(cb: () => void): void {
    if (this.req && !this.resetLocally && !this.req.destroyed) this.req.once('drain', cb);
    else queueMicrotask(cb);
  }

  end(): void {
    if (this.encodeComplete) return;
    this.encodeComplete = true;
    if (this.req && !this.resetLocally) this.req.end();
  }

  pause(): void {
    this.res?.pause();
  }

  resume(): void {
    this.res?.resume();
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
    if (this.conn.state !== 'closed' && this.conn.stream === this) {
      this.conn.closingLocally = true;
      this.conn.socket.destroy();
    }
  }

  detach(): void {
    this.handler = noopHandler;
  }

  /** Stream accounting ends (response complete, or reset). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.pool.streamDone();
  }

  private onResponse(res: http.IncomingMessage): void {
    if (this.resetLocally) return;
    this.res = res;
    const status = res.statusCode ?? 0;
    const raw = res.rawHeaders;
    const endStream =
      res.headers['content-length'] === '0' || status === 204 || status === 304 || (status >= 100 && status < 200) || this.req?.method === 'HEAD';
    res.on('data', (chunk: Buffer) => this.handler.onData(chunk));
    res.on('end', () => {
      if (this.resetLocally || !res.complete) return;
      this.responseComplete = true;
      this.finish();
      this.handler.onEnd();
    });
    res.on('error', noop);
    res.on('aborted', () => this.fail('connection termination', ''));
    this.handler.onHeaders(status, res.headers as HeaderMap, raw, endStream);
  }

  private onRequestError(err: NodeJS.ErrnoException): void {
    if (this.resetLocally || this.responseComplete) return;
    const code = err.code ?? '';
    if (code.startsWith('HPE_')) {
      this.pool.host.cluster.stats.upstream_cx_protocol_error.inc();
      // Envoy's local reply names no transport failure reason for a codec error.
      this.fail('protocol error', '');
    } else {
      this.fail('connection termination', '');
    }
  }

  onConnectionClosed(): void {
    // node reports the failure on the request first; this is the backstop.
    this.fail('connection termination', '');
  }

  private fail(reason: 'protocol error' | 'connection termination', detail: string): void {
    if (this.resetLocally || this.responseComplete || this.failed) return;
    this.failed = true;
    this.finish();
    const handler = this.handler;
    this.handler = noopHandler;
    if (this.conn.state !== 'closed') {
      this.conn.socket.destroy();
    }
    handler.onReset(reason, detail);
  }
}

function noop(): void {}
