/**
 * tcp_proxy listener (envoy-retry.md §7.1): each downstream connection is held (paused) while the
 * proxy connects upstream. Only failures while connecting are retried, up to
 * `max_connect_attempts` attempts in total, each with a fresh host selection, on the next event
 * loop iteration (Envoy's retry timer with no backoff options). Connect outcomes go to the host's
 * outlier detector (success, connect failure, connect timeout). When the attempts run out:
 * `upstream_cx_connect_attempts_exceeded`, downstream closed. Once connected, bytes flow both
 * ways (half-close propagated) until either side closes or the idle timeout (default 1 h) fires.
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { LogEntry } from '../accessLog/format';
import type { AccessLogger } from '../accessLog/sink';
import type { DpTcpProxy } from '../config/model';
import { F } from '../router/flags';
import type { Counter, Gauge, StatsStore } from '../stats/store';
import type { Cluster } from '../upstream/cluster';
import { connectUpstream } from '../upstream/connect';
import { xxHash64 } from '../upstream/xxhash64';

const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;

export interface TcpProxyConfig {
  tcp: DpTcpProxy;
  lookupCluster(name: string): Cluster | undefined;
  /** The tcp_proxy's `access_log`: one line per downstream connection. */
  accessLoggers: AccessLogger[];
  logger: Logger | undefined;
}

class TcpStats {
  readonly downstream_cx_total: Counter;
  readonly downstream_cx_no_route: Counter;
  readonly downstream_cx_rx_bytes_total: Counter;
  readonly downstream_cx_tx_bytes_total: Counter;
  readonly idle_timeout: Counter;
  readonly upstream_flush_total: Counter;
  readonly downstream_cx_active: Gauge;

  constructor(store: StatsStore, prefix: string) {
    const p = `tcp.${prefix}.`;
    this.downstream_cx_total = store.counter(p + 'downstream_cx_total');
    this.downstream_cx_no_route = store.counter(p + 'downstream_cx_no_route');
    this.downstream_cx_rx_bytes_total = store.counter(p + 'downstream_cx_rx_bytes_total');
    this.downstream_cx_tx_bytes_total = store.counter(p + 'downstream_cx_tx_bytes_total');
    this.idle_timeout = store.counter(p + 'idle_timeout');
    this.upstream_flush_total = store.counter(p + 'upstream_flush_total');
    this.downstream_cx_active = store.gauge(p + 'downstream_cx_active');
  }
}

export class TcpProxyListener {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private boundPort = 0;
  private stats: TcpStats;
  private closing: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly address: string,
    readonly configuredPort: number,
    public config: TcpProxyConfig,
    private readonly store: StatsStore,
  ) {
    this.stats = new TcpStats(store, config.tcp.statPrefix);
    this.server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => this.onConnection(socket));
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
        resolve();
      });
    });
  }

  update(config: TcpProxyConfig): void {
    this.config = config;
    this.stats = new TcpStats(this.store, config.tcp.statPrefix);
  }

  private onConnection(down: net.Socket): void {
    const config = this.config;
    const stats = this.stats;
    stats.downstream_cx_total.inc();
    stats.downstream_cx_active.add(1);
    this.sockets.add(down);
    down.on('error', noop);
    let up: net.Socket | undefined;
    let closed = false;
    let retryTimer: NodeJS.Immediate | undefined;
    const startMs = Date.now();
    const t0 = performance.now();
    let flags = 0;
    let attempts = 0;
    let upstreamHost: string | undefined;
    const remote = formatAddress(down.remoteAddress, down.remotePort);
    const local = formatAddress(down.localAddress, down.localPort);

    const finish = () => {
      if (closed) return;
      closed = true;
      if (retryTimer) clearImmediate(retryTimer);
      stats.downstream_cx_active.add(-1);
      stats.downstream_cx_rx_bytes_total.inc(down.bytesRead);
      stats.downstream_cx_tx_bytes_total.inc(down.bytesWritten);
      this.sockets.delete(down);
      const bytesReceived = down.bytesRead;
      const bytesSent = down.bytesWritten;
      down.destroy();
      up?.destroy();
      if (config.accessLoggers.length > 0) {
        const entry: LogEntry = {
          startTimeMs: startMs,
          durationMs: Math.floor(performance.now() - t0),
          requestDurationMs: undefined,
          responseDurationMs: undefined,
          method: '',
          path: '',
          authority: '',
          scheme: '',
          protocol: '-',
          requestHeaders: {},
          responseHeaders: undefined,
          responseCode: 0,
          responseCodeDetails: undefined,
          flags,
          attemptCount: attempts,
          bytesReceived,
          bytesSent,
          upstreamHost,
          upstreamCluster: config.tcp.cluster,
          upstreamLocalAddress: undefined,
          upstreamTransportFailureReason: undefined,
          downstreamRemoteAddress: remote,
          downstreamLocalAddress: local,
          routeName: undefined,
          connectionId: 0,
        };
        for (const l of config.accessLoggers) l.log(entry);
      }
    };
    down.on('close', finish);

    const cluster = config.lookupCluster(config.tcp.cluster);
    if (!cluster) {
      stats.downstream_cx_no_route.inc();
      finish();
      return;
    }
    const c = cluster;
    const maxAttempts = Math.max(1, config.tcp.maxConnectAttempts);
    const idleMs = config.tcp.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;

    const attempt = (n: number) => {
      retryTimer = undefined;
      if (closed) return;
      // hash_policy source_ip (Network::HashPolicyImpl): XXH64 of the peer's IP, for hash-based clusters.
      const hash = config.tcp.hashSourceIp && c.hashBased ? xxHash64(peerIp(down.remoteAddress)) : undefined;
      const host = c.chooseHost(undefined, 1, undefined, hash);
      if (!host) {
        c.stats.upstream_cx_none_healthy.inc();
        flags |= F.UH;
        finish();
        return;
      }
      if (!c.resources.connections.canCreate()) {
        c.stats.upstream_cx_overflow.inc();
        flags |= F.UO;
        finish();
        return;
      }
      attempts = n;
      upstreamHost = host.addressString;
      host.cxActive++;
      c.stats.upstream_cx_active.add(1);
      c.resources.connections.inc();
      let released = false;
      const release = (local: boolean) => {
        if (released) return;
        released = true;
        host.cxActive--;
        c.stats.upstream_cx_active.add(-1);
        c.resources.connections.dec();
        c.stats.upstream_cx_destroy.inc();
        (local ? c.stats.upstream_cx_destroy_local : c.stats.upstream_cx_destroy_remote).inc();
      };
      const sock = connectUpstream(c, host.address, host.port, (failure) => {
        if (failure) {
          release(failure.reason !== 'remote connection failure');
          // Envoy's TCP proxy: a connect timeout is LocalOriginTimeout, a remote close while
          // connecting LocalOriginConnectFailed; a local failure is not the host's fault.
          if (failure.reason === 'connection timeout') host.outlier?.putResult('local-origin-timeout');
          else if (failure.reason === 'remote connection failure') host.outlier?.putResult('local-origin-connect-failed');
          if (closed) return;
          flags |= F.UF;
          if (n < maxAttempts) {
            retryTimer = setImmediate(() => attempt(n + 1));
          } else {
            c.stats.upstream_cx_connect_attempts_exceeded.inc();
            flags |= F.URX;
            finish();
          }
          return;
        }
        if (closed) {
          release(true);
          sock.destroy();
          return;
        }
        up = sock;
        host.outlier?.putResult('local-origin-connect-success-final');
        let localClose = false;
        sock.on('error', noop);
        sock.on('close', () => {
          release(localClose);
          finish();
        });
        down.removeListener('close', finish);
        down.on('close', () => {
          localClose = true;
          finish();
        });
        if (idleMs > 0) {
          const onIdle = () => {
            this.stats.idle_timeout.inc();
            localClose = true;
            finish();
          };
          down.setTimeout(idleMs, onIdle);
          sock.setTimeout(idleMs, onIdle);
        }
        sock.pipe(down);
        down.pipe(sock);
        down.resume();
      });
    };
    attempt(1);
  }

  close(force = false): Promise<void> {
    if (!this.closing) {
      this.closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
    if (force) for (const s of this.sockets) s.destroy();
    return this.closing;
  }
}

function formatAddress(ip: string | undefined, port: number | undefined): string {
  if (!ip) return '-';
  const a = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}

function noop(): void {}

function peerIp(ip: string | undefined): string {
  const a = ip ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
