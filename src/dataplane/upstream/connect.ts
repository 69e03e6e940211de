/**
 * Opening an upstream TCP connection the way Envoy's pools account for it: `upstream_cx_total`
 * when the attempt starts, the cluster `connect_timeout` timer, and on failure the reset reason
 * Envoy would give (envoy-retry.md §1.2): a timeout is `connection timeout`, an asynchronous
 * connect error (refused, unreachable, reset) is a remote close while connecting, i.e.
 * `remote connection failure`; errors raised by our own socket setup are `local connection failure`.
 */
import * as net from 'node:net';
import { constants as osConstants } from 'node:os';
import type { ResetReason } from '../retry/api';
import type { ClusterContext } from './types';

export interface ConnectFailure {
  reason: ResetReason;
  /**
   * Envoy's transport failure reason. Empty for plain TCP: Envoy 1.40 reports none for a refused
   * or timed-out connect (its local reply ends at the reset reason); the errno is kept for logs.
   */
  detail: string;
  /** The socket error, for debug logs. */
  error?: string;
}

const LOCAL_ERRORS = new Set(['EADDRNOTAVAIL', 'EADDRINUSE', 'EACCES', 'EPERM', 'EINVAL', 'EMFILE', 'ENFILE', 'ENOBUFS', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_INVALID_IP_ADDRESS', 'ERR_SOCKET_BAD_PORT']);

export function classifyConnectError(err: NodeJS.ErrnoException): ConnectFailure {
  const code = err.code ?? '';
  const errno = (osConstants.errno as Record<string, number>)[code];
  const error = errno !== undefined ? `${code} (${errno})` : err.message;
  if (LOCAL_ERRORS.has(code)) return { reason: 'local connection failure', detail: '', error };
  return { reason: 'remote connection failure', detail: '', error };
}

/**
 * Connects to address:port with the cluster's connect timeout, counting cluster stats. `done` is
 * called exactly once: with no failure when connected, or with the failure (the socket is then
 * destroyed).
 */
export function connectUpstream(ctx: ClusterContext, address: string, port: number, done: (failure: ConnectFailure | undefined) => void): net.Socket {
  const stats = ctx.stats;
  stats.upstream_cx_total.inc();
  if (ctx.http2) stats.upstream_cx_http2_total.inc();
  else stats.upstream_cx_http1_total.inc();
  const socket = net.connect({ host: address, port, noDelay: true });
  let settled = false;
  const settle = (failure: ConnectFailure | undefined) => {
    if (settled) return;
    settled = true;
    if (timer) clearTimeout(timer);
    socket.removeListener('error', onError);
    socket.removeListener('connect', onConnect);
    if (failure) {
      stats.upstream_cx_connect_fail.inc();
      socket.on('error', noop);
      socket.destroy();
    }
    done(failure);
  };
  const onError = (err: NodeJS.ErrnoException) => settle(classifyConnectError(err));
  const onConnect = () => settle(undefined);
  socket.once('error', onError);
  socket.once('connect', onConnect);
  const timeoutMs = ctx.connectTimeoutMs;
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          stats.upstream_cx_connect_timeout.inc();
          settle({ reason: 'connection timeout', detail: '' });
        }, timeoutMs)
      : undefined;
  return socket;
}

function noop(): void {}
