/**
 * One call of a load run: a request on a connection's keep-alive agent, its body read to the end,
 * timed from the request to the last byte (what fortio's "Function Time" measures). Socket errors
 * and timeouts come back as code -1 with the reason, as fortio counts them, never as a throw.
 */
import * as http from 'node:http';

export interface CallSpec {
  /** Where to connect (the proxy, or the URL's host). */
  host: string;
  port: number;
  method: string;
  /** Origin-form request target: the URL's path and query. */
  path: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

export interface CallOutcome {
  /** The HTTP status, or -1 for a socket error or a timeout. */
  code: number;
  ms: number;
  /** Why the code is -1. */
  error?: string;
  /** True when the run's signal cut the call short: it is neither a success nor a failure. */
  aborted?: boolean;
  /** True when the call went out on a socket that this connection had not used before. */
  newSocket: boolean;
}

/**
 * A connection's call in flight, for the run to cut short. One per connection, set while a call is
 * out: the run keeps ONE abort listener for all of them, rather than one per call (a listener per
 * call costs time on the hot path, and past 10 connections Node warns about the listener count).
 */
export interface InFlight {
  abort?: () => void;
}

/**
 * Sends one request on `agent` (one keep-alive socket per connection). `seenSockets` holds the
 * sockets already counted, so reused keep-alive sockets are not counted twice.
 */
export function callOnce(agent: http.Agent, spec: CallSpec, seenSockets: WeakSet<object>, inFlight: InFlight): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e6;
    let newSocket = false;
    let settled = false;
    const finish = (o: Omit<CallOutcome, 'ms' | 'newSocket'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      inFlight.abort = undefined;
      resolve({ ...o, ms: elapsed(), newSocket });
    };
    const req = http.request({ agent, host: spec.host, port: spec.port, method: spec.method, path: spec.path, headers: spec.headers });
    const timer = setTimeout(() => {
      finish({ code: -1, error: `timeout after ${spec.timeoutMs}ms` });
      req.destroy();
    }, spec.timeoutMs);
    inFlight.abort = (): void => {
      finish({ code: -1, aborted: true });
      req.destroy();
    };
    req.on('socket', (socket) => {
      if (!seenSockets.has(socket)) {
        seenSockets.add(socket);
        newSocket = true;
      }
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ code: -1, error: err.code ?? err.message }));
    req.on('response', (res) => {
      res.on('data', () => undefined);
      res.on('end', () => finish({ code: res.statusCode ?? -1 }));
      // A connection dropped mid-body (fortio's `close=`) is a socket error, not a status.
      res.on('error', (err: NodeJS.ErrnoException) => finish({ code: -1, error: err.code ?? err.message }));
      res.on('aborted', () => finish({ code: -1, error: 'ECONNRESET' }));
    });
    req.end();
  });
}
