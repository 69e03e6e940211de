/**
 * One attempt (Envoy's UpstreamRequest): asks the host's pool for a stream, sends the request
 * headers and body when the stream is ready, owns the per-try and per-try-idle timers, and passes
 * the response or the reset back to the router. It never decides anything itself.
 */
import type { HeaderMap, ResetReason } from '../retry/api';
import type { Host } from '../upstream/host';
import type { Cancellable, PoolCallbacks, RequestHead, StreamHandler, UpstreamStream } from '../upstream/types';

export interface AttemptOwner {
  /** The downstream request has been received in full. */
  readonly downstreamComplete: boolean;
  onAttemptStreamReady(attempt: UpstreamRequest): void;
  onAttemptHeaders(attempt: UpstreamRequest, status: number, headers: HeaderMap, raw: string[], endStream: boolean): void;
  onAttemptData(attempt: UpstreamRequest, chunk: Buffer): void;
  onAttemptEnd(attempt: UpstreamRequest): void;
  onAttemptReset(attempt: UpstreamRequest, reason: ResetReason, detail: string): void;
  onAttemptPerTryTimeout(attempt: UpstreamRequest, idle: boolean): void;
  onAttemptMaxDuration(attempt: UpstreamRequest): void;
  /** x-envoy-upstream-stream-duration-ms of the request (0 = none). */
  readonly maxStreamDurationMs: number;
}

export class UpstreamRequest implements PoolCallbacks, StreamHandler {
  stream: UpstreamStream | undefined;
  awaitingHeaders = true;
  /** A hedged retry was scheduled for this attempt (Envoy's retried()): it is never retried again. */
  hedged = false;
  /** A timeout of this attempt was reported to the outlier detector (reported once only). */
  outlierTimeoutRecorded = false;
  private handle: Cancellable | null = null;
  private pending: Buffer[];
  private pendingBytes = 0;
  private writableWaiters: Array<() => void> = [];
  private endSent = false;
  private done = false;
  private perTryTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private perTryArmed = false;
  private durationTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly owner: AttemptOwner,
    readonly host: Host,
    private readonly head: RequestHead,
    /** Body bytes received so far (the retry buffer), replayed to this attempt. */
    initialBody: Buffer[],
    private readonly highWatermark: number,
  ) {
    this.pending = initialBody;
  }

  start(): void {
    this.handle = this.host.connPool().newStream(this);
  }

  get encodeComplete(): boolean {
    return this.stream?.encodeComplete ?? false;
  }

  // ---- pool callbacks

  onPoolReady(stream: UpstreamStream): void {
    this.handle = null;
    if (this.done) {
      stream.reset();
      return;
    }
    this.stream = stream;
    const maxMs = this.owner.maxStreamDurationMs;
    if (maxMs > 0) {
      this.durationTimer = setTimeout(() => {
        this.durationTimer = undefined;
        if (!this.done) this.owner.onAttemptMaxDuration(this);
      }, maxMs);
    }
    const complete = this.owner.downstreamComplete;
    const chunks = this.pending;
    this.pending = [];
    stream.sendHeaders(this.head, this, complete && chunks.length === 0);
    if (this.done) return; // failed inline
    let writable = true;
    for (const c of chunks) writable = stream.sendData(c);
    if (complete && !stream.encodeComplete) stream.end();
    this.endSent = complete;
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    if (waiters.length > 0) {
      if (writable) for (const w of waiters) w();
      else stream.onceDrain(() => waiters.forEach((w) => w()));
    }
    this.owner.onAttemptStreamReady(this);
  }

  onPoolFailure(reason: ResetReason, detail: string): void {
    this.handle = null;
    if (this.done) return;
    this.done = true;
    this.awaitingHeaders = false;
    this.releaseWaiters();
    this.clearTimers();
    this.owner.onAttemptReset(this, reason, detail);
  }

  // ---- body from the router

  /**
   * Forwards a body chunk (queued until the stream is ready). False asks the router to stop
   * reading the downstream until `onceWritable` fires: the codec's buffer is full, or more than
   * the buffer limit waits for a connection (Envoy's watermarks).
   */
  sendData(chunk: Buffer): boolean {
    if (this.done) return true;
    if (this.stream) return this.stream.sendData(chunk);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    return this.pendingBytes < this.highWatermark;
  }

  onceWritable(cb: () => void): void {
    if (this.done) queueMicrotask(cb);
    else if (this.stream) this.stream.onceDrain(cb);
    else this.writableWaiters.push(cb);
  }

  endStream(): void {
    if (this.done || this.endSent) return;
    if (this.stream) {
      this.endSent = true;
      this.stream.end();
    }
    // otherwise onPoolReady ends it (the owner's downstreamComplete is true by then)
  }

  // ---- timers (from max(request complete, stream obtained), envoy-retry.md §2.3)

  setupPerTryTimeout(perTryMs: number | undefined, idleMs: number | undefined): void {
    if (this.perTryArmed || this.done) return;
    this.perTryArmed = true;
    if (perTryMs !== undefined && perTryMs > 0) this.perTryTimer = setTimeout(() => this.onPerTry(false), perTryMs);
    if (idleMs !== undefined && idleMs > 0) this.idleTimer = setTimeout(() => this.onPerTry(true), idleMs);
  }

  private onPerTry(idle: boolean): void {
    if (idle) this.idleTimer = undefined;
    else this.perTryTimer = undefined;
    if (this.done) return;
    this.owner.onAttemptPerTryTimeout(this, idle);
  }

  /** The response started downstream: the per-try timeout no longer applies (the idle one does). */
  responseForwarded(): void {
    if (this.perTryTimer) {
      clearTimeout(this.perTryTimer);
      this.perTryTimer = undefined;
    }
  }

  private touchIdle(): void {
    this.idleTimer?.refresh();
  }

  private releaseWaiters(): void {
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const w of waiters) w();
  }

  clearTimers(): void {
    if (this.perTryTimer) clearTimeout(this.perTryTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.durationTimer) clearTimeout(this.durationTimer);
    this.perTryTimer = this.idleTimer = this.durationTimer = undefined;
  }

  // ---- stream handler (response)

  onHeaders(status: number, headers: HeaderMap, raw: string[], endStream: boolean): void {
    if (this.done) return;
    this.awaitingHeaders = false;
    this.touchIdle();
    this.owner.onAttemptHeaders(this, status, headers, raw, endStream);
  }

  onData(chunk: Buffer): void {
    if (this.done) return;
    this.touchIdle();
    this.owner.onAttemptData(this, chunk);
  }

  onEnd(): void {
    if (this.done) return;
    this.done = true;
    this.clearTimers();
    this.owner.onAttemptEnd(this);
  }

  onReset(reason: ResetReason, detail: string): void {
    if (this.done) return;
    this.done = true;
    this.awaitingHeaders = false;
    this.clearTimers();
    this.owner.onAttemptReset(this, reason, detail);
  }

  // ---- local actions

  /** Envoy's resetStream(): cancel the pending pool request or reset the stream. Silent. */
  reset(): void {
    this.awaitingHeaders = false;
    if (this.done && !this.stream && !this.handle) return;
    this.done = true;
    this.clearTimers();
    this.releaseWaiters();
    if (this.handle) {
      this.handle.cancel();
      this.handle = null;
    }
    this.stream?.reset();
  }

  /** Abandon without reset: the exchange completes by itself and the connection is reused. */
  detach(): void {
    this.done = true;
    this.clearTimers();
    this.stream?.detach();
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }
}
