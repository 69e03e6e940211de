/**
 * The seams between the router and the upstream layer, shaped like Envoy's: the router asks a
 * host's connection pool for a stream (`newStream`), the pool answers `onPoolReady(stream)` or
 * `onPoolFailure(reason)`, and the stream reports the response (headers, data, end) or a reset
 * with one of Envoy's reset reasons (envoy-retry.md §1.2).
 */
import type { DpUpstreamConnectionOptions } from '../config/model';
import type { HeaderMap, ResetReason } from '../retry/api';
import type { Logger } from 'pino';
import type { ResourceManager } from './resources';
import type { ClusterStats } from './stats';

/** What the pools need from their cluster; live, so config updates reach existing pools. */
export interface ClusterContext {
  readonly name: string;
  readonly stats: ClusterStats;
  readonly resources: ResourceManager;
  readonly connectTimeoutMs: number;
  readonly http2: boolean;
  /** max_requests_per_connection, idle_timeout, max_connection_duration (absent: Envoy's defaults). */
  readonly connectionOptions: DpUpstreamConnectionOptions;
  readonly logger: Logger | undefined;
}

export interface RequestHead {
  method: string;
  /** Origin-form request target. */
  path: string;
  /** Host / :authority sent upstream. */
  authority: string;
  scheme: string;
  /** Lower-case names; no hop-by-hop headers, no `host`, no pseudo-headers. */
  headers: Record<string, string | string[]>;
}

export interface StreamHandler {
  /**
   * Response headers arrived. `headers` has lower-case names (node's joined form, for decisions);
   * `raw` is the flat [name, value, ...] list in arrival order, without pseudo-headers.
   */
  onHeaders(status: number, headers: HeaderMap, raw: string[], endStream: boolean): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
  /** The stream ended without a complete response (never called after a local reset()). */
  onReset(reason: ResetReason, detail: string): void;
}

export interface UpstreamStream {
  readonly protocol: 'HTTP/1.1' | 'HTTP/2';
  /** Hands the request headers to the codec; the request has "started" (§1.4) from here on. */
  sendHeaders(head: RequestHead, handler: StreamHandler, endStream: boolean): void;
  /** False when the codec's buffer is full: wait for onceDrain before sending more. */
  sendData(chunk: Buffer): boolean;
  onceDrain(cb: () => void): void;
  end(): void;
  /** True once the whole request has been written to the codec. */
  readonly encodeComplete: boolean;
  /** Envoy's resetStream(): abandon the stream (HTTP/1: the connection is closed). Idempotent, silent. */
  reset(): void;
  /**
   * Stop reporting to the handler but let the exchange finish on its own (a retried response that
   * arrived complete with the request fully sent: Envoy does not reset it, the connection is reused).
   */
  detach(): void;
  /** Flow control towards a slow downstream. */
  pause(): void;
  resume(): void;
  /** `ip:port` of the local end of the upstream connection. */
  localAddress(): string;
}

export interface PoolCallbacks {
  onPoolReady(stream: UpstreamStream): void;
  onPoolFailure(reason: ResetReason, detail: string): void;
}

export interface Cancellable {
  cancel(): void;
}

export interface ConnPool {
  /** Returns a handle while the stream waits for a connection, null when answered inline. */
  newStream(cb: PoolCallbacks): Cancellable | null;
  /** Active streams + pending streams. */
  readonly activeCount: number;
  /** Close connections with no stream; keep busy ones until they finish (draining). */
  drain(): void;
  /** Close everything now. */
  destroy(): void;
}
