/**
 * An HTTP listener: a node:http server (HTTP/1.1 downstream) running the connection manager
 * config it was last given. Each request captures the config current when it arrived, so an
 * update never changes a request in flight. Closing stops accepting, closes idle keep-alive
 * connections and lets requests in flight finish (their connections close after the response).
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { StatsStore } from '../stats/store';
import type { HcmConfig } from './hcm';
import { ListenerStats } from './stats';
import { HttpStream } from './stream';

let nextConnectionId = 1;

/** Envoy's default downstream idle timeout (1 h) and max request headers (60 KiB). */
const IDLE_TIMEOUT_MS = 3_600_000;
const MAX_HEADER_BYTES = 60 * 1024;

export class HttpListener {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly active = new Map<Socket, number>();
  private boundPort = 0;
  private closing: Promise<void> | undefined;
  private listenerStats: ListenerStats | undefined;

  constructor(
    readonly name: string,
    readonly address: string,
    /** As configured (0 = any free port). */
    readonly configuredPort: number,
    public config: HcmConfig,
    private readonly store: StatsStore,
  ) {
    this.server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 0, noDelay: true, keepAliveTimeout: IDLE_TIMEOUT_MS }, (req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = IDLE_TIMEOUT_MS;
    this.server.headersTimeout = 60_000;
    this.server.on('connection', (socket: Socket) => this.onConnection(socket));
  }

  get port(): number {
    return this.boundPort;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(new Error(`listener ${this.name}: cannot listen on ${this.address}:${this.configuredPort}: ${err.message}`));
      this.server.once('error', onError);
      this.server.listen(this.configuredPort, this.address, () => {
        this.server.off('error', onError);
        this.boundPort = (this.server.address() as AddressInfo).port;
        this.listenerStats = new ListenerStats(this.store, this.address, this.boundPort);
        resolve();
      });
    });
  }

  update(config: HcmConfig): void {
    this.config = config;
  }

  private onConnection(socket: Socket): void {
    const stats = this.config.stats;
    const ls = this.listenerStats;
    stats.downstream_cx_total.inc();
    stats.downstream_cx_http1_total.inc();
    stats.downstream_cx_active.add(1);
    stats.downstream_cx_http1_active.add(1);
    ls?.downstream_cx_total.inc();
    ls?.downstream_cx_active.add(1);
    this.sockets.add(socket);
    const id = nextConnectionId++;
    (socket as Socket & { ricochetId?: number }).ricochetId = id;
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.active.delete(socket);
      stats.downstream_cx_active.add(-1);
      stats.downstream_cx_http1_active.add(-1);
      stats.downstream_cx_destroy.inc();
      ls?.downstream_cx_active.add(-1);
      ls?.downstream_cx_destroy.inc();
    });
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = req.socket;
    this.active.set(socket, (this.active.get(socket) ?? 0) + 1);
    res.on('close', () => {
      const n = (this.active.get(socket) ?? 1) - 1;
      if (n <= 0) this.active.delete(socket);
      else this.active.set(socket, n);
      if (this.closing) setImmediate(() => this.closeIdle());
    });
    if (this.closing) res.shouldKeepAlive = false;
    const id = (socket as Socket & { ricochetId?: number }).ricochetId ?? 0;
    new HttpStream(this.config, req, res, id).start();
  }

  private closeIdle(): void {
    for (const s of this.sockets) if (!this.active.has(s)) s.destroy();
  }

  /** Stop accepting; requests in flight finish unless `force`. */
  close(force = false): Promise<void> {
    if (!this.closing) {
      this.closing = new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.closeIdle();
      });
    }
    if (force) {
      this.server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    }
    return this.closing;
  }
}
