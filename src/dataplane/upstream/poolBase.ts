/**
 * What the HTTP/1.1 and HTTP/2 pools share, after Envoy's ConnPoolImplBase: the FIFO of pending
 * streams (bounded by `max_pending_requests`, overflow → reset reason `overflow` and
 * `upstream_rq_pending_overflow`), attaching a stream to a ready connection (bounded by
 * `max_requests`, counting `upstream_rq_total` only then, §2.2), connection creation bounded by
 * `max_connections` (`upstream_cx_overflow`, but a host with no connection at all always gets one),
 * and purging every pending stream when a connection attempt fails.
 *
 * Each connection also gets Envoy's lifetime limits (common_http_protocol_options, see
 * ConnectionLimits): `max_requests_per_connection` streams, then it drains (closed once its streams
 * end, `upstream_cx_max_requests`); `idle_timeout` (default 1 h) with no stream closes it
 * (`upstream_cx_idle_timeout`); `max_connection_duration` after connecting drains it
 * (`upstream_cx_max_duration_reached`).
 */
import type { ResetReason } from '../retry/api';
import type { Host } from './host';
import type { Cancellable, ConnPool, PoolCallbacks } from './types';

/** Envoy's default upstream idle_timeout (HttpProtocolOptions): one hour. */
export const DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS = 3_600_000;

/** One connection's lifetime limits and their timers (Envoy's ActiveClient / CodecClient). */
export class ConnectionLimits {
  /** Streams this connection may still take (Infinity: no cap). */
  remaining: number;
  /** No new stream: closed as soon as it has none. */
  draining = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private ageTimer: NodeJS.Timeout | undefined;

  constructor(private readonly pool: PoolBase) {
    const max = pool.host.cluster.connectionOptions.maxRequestsPerConnection;
    this.remaining = max !== undefined && max > 0 ? max : Infinity;
  }

  /** A stream was attached: the idle timer stops; the last allowed stream drains the connection. */
  streamAttached(): void {
    this.stopIdle();
    if (--this.remaining === 0) {
      this.pool.host.cluster.stats.upstream_cx_max_requests.inc();
      this.draining = true;
    }
  }

  /** The connection has no stream now: `close` runs once it stayed so for idle_timeout. */
  becameIdle(close: () => void): void {
    this.stopIdle();
    const ms = this.pool.host.cluster.connectionOptions.idleTimeoutMs ?? DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS;
    if (ms <= 0) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.pool.host.cluster.stats.upstream_cx_idle_timeout.inc();
      close();
    }, ms);
    this.idleTimer.unref();
  }

  /** Connected: after max_connection_duration the connection drains (`drainNow` closes it if idle). */
  connected(drainNow: () => void): void {
    const ms = this.pool.host.cluster.connectionOptions.maxConnectionDurationMs;
    if (ms === undefined || ms <= 0) return;
    this.ageTimer = setTimeout(() => {
      this.ageTimer = undefined;
      this.pool.host.cluster.stats.upstream_cx_max_duration_reached.inc();
      this.draining = true;
      drainNow();
    }, ms);
    this.ageTimer.unref();
  }

  stopIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** The connection closed: no timer may fire any more. */
  closed(): void {
    this.stopIdle();
    if (this.ageTimer) clearTimeout(this.ageTimer);
    this.ageTimer = undefined;
  }
}

export interface PendingStream extends Cancellable {
  cb: PoolCallbacks;
  cancelled: boolean;
}

export abstract class PoolBase implements ConnPool {
  protected readonly pending: PendingStream[] = [];
  /** Streams attached to connections and not finished. */
  protected activeStreams = 0;
  /** Connections being established, and the streams they will be able to take. */
  protected connectingCapacity = 0;
  protected draining = false;

  constructor(readonly host: Host) {}

  get activeCount(): number {
    return this.activeStreams + this.pending.length;
  }

  newStream(cb: PoolCallbacks): Cancellable | null {
    if (this.tryAttachReady(cb)) return null;
    const ctx = this.host.cluster;
    if (!ctx.resources.pendingRequests.canCreate()) {
      ctx.stats.upstream_rq_pending_overflow.inc();
      cb.onPoolFailure('overflow', '');
      return null;
    }
    const pool = this;
    const p: PendingStream = {
      cb,
      cancelled: false,
      cancel() {
        if (p.cancelled) return;
        p.cancelled = true;
        const i = pool.pending.indexOf(p);
        if (i >= 0) {
          pool.pending.splice(i, 1);
          pool.pendingDone();
          ctx.stats.upstream_rq_cancelled.inc();
        }
      },
    };
    this.pending.push(p);
    ctx.stats.upstream_rq_pending_total.inc();
    ctx.stats.upstream_rq_pending_active.add(1);
    ctx.resources.pendingRequests.inc();
    this.tryCreateConnection();
    return p;
  }

  private pendingDone(): void {
    const ctx = this.host.cluster;
    ctx.stats.upstream_rq_pending_active.add(-1);
    ctx.resources.pendingRequests.dec();
  }

  /** Opens a connection if the pending streams outnumber what is being connected. */
  protected tryCreateConnection(): void {
    if (this.pending.length <= this.connectingCapacity) return;
    const ctx = this.host.cluster;
    const canCreate = ctx.resources.connections.canCreate();
    if (!canCreate) ctx.stats.upstream_cx_overflow.inc();
    if (canCreate || this.connectionCount() === 0) this.openConnection();
  }

  /** Fails every pending stream (a connection attempt failed; Envoy's purgePendingStreams). */
  protected purgePending(reason: ResetReason, detail: string): void {
    const failed = this.pending.splice(0, this.pending.length);
    for (let i = 0; i < failed.length; i++) {
      this.pendingDone();
      this.host.cluster.stats.upstream_rq_pending_failure_eject.inc();
    }
    for (const p of failed) if (!p.cancelled) p.cb.onPoolFailure(reason, detail);
  }

  /** Hands pending streams to ready connections while both exist. */
  protected processPending(): void {
    while (this.pending.length > 0) {
      const p = this.pending[0];
      if (!this.hasReadyConnection()) break;
      this.pending.shift();
      this.pendingDone();
      if (!p.cancelled) this.tryAttachReady(p.cb);
    }
    if (this.pending.length > 0) this.tryCreateConnection();
  }

  /**
   * Counts a stream attached to a connected connection, or refuses it when `max_requests` is
   * reached (Envoy's attachStreamToClient; since Envoy 1.38 that refusal counts
   * `upstream_rq_active_overflow`, not `upstream_rq_pending_overflow`). Returns false on overflow
   * (already reported).
   */
  protected admitStream(cb: PoolCallbacks): boolean {
    const ctx = this.host.cluster;
    if (!ctx.resources.requests.canCreate()) {
      ctx.stats.upstream_rq_active_overflow.inc();
      cb.onPoolFailure('overflow', '');
      return false;
    }
    this.activeStreams++;
    this.host.rqTotal++;
    this.host.rqActive++;
    ctx.stats.upstream_rq_total.inc();
    ctx.stats.upstream_rq_active.add(1);
    ctx.resources.requests.inc();
    return true;
  }

  protected streamClosed(): void {
    const ctx = this.host.cluster;
    this.activeStreams--;
    this.host.rqActive--;
    ctx.stats.upstream_rq_active.add(-1);
    ctx.resources.requests.dec();
  }

  /** Connection accounting shared by both protocols. */
  protected connectionOpened(): void {
    const ctx = this.host.cluster;
    this.host.cxActive++;
    ctx.stats.upstream_cx_active.add(1);
    ctx.resources.connections.inc();
  }

  protected connectionClosed(local: boolean, withActiveRequest: boolean): void {
    const ctx = this.host.cluster;
    const s = ctx.stats;
    this.host.cxActive--;
    s.upstream_cx_active.add(-1);
    ctx.resources.connections.dec();
    s.upstream_cx_destroy.inc();
    (local ? s.upstream_cx_destroy_local : s.upstream_cx_destroy_remote).inc();
    if (withActiveRequest) {
      s.upstream_cx_destroy_with_active_rq.inc();
      (local ? s.upstream_cx_destroy_local_with_active_rq : s.upstream_cx_destroy_remote_with_active_rq).inc();
    }
  }

  /** Attaches `cb` to a ready connection now if there is one; true if handled (ready or overflow). */
  protected abstract tryAttachReady(cb: PoolCallbacks): boolean;
  protected abstract hasReadyConnection(): boolean;
  protected abstract connectionCount(): number;
  protected abstract openConnection(): void;
  abstract drain(): void;
  abstract destroy(): void;
}
