/**
 * The scriptable flaky upstream: an HTTP/1.1 server that fails on request, fortio-echo style
 * (see echoQuery.ts), and keeps a log of every attempt it saw, so a test can count what Envoy
 * (or Ricochet's data plane) actually sent upstream: how many attempts, with which
 * x-envoy-attempt-count, for which x-request-id.
 *
 * Outcomes are a pure function of (seed, request index, query): replaying the same requests in
 * the same order against the same seed gives the same failures.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DEFAULT_MAX_DELAY_MS, EchoQueryError, decideOutcome, parseEchoRequest, type Outcome } from './echoQuery';
import { createRng, deriveSeed, randomSeed } from './rng';

export interface UpstreamOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Pin it to replay a run; otherwise random (and readable as `upstream.seed`). */
  seed?: number;
  /** Cap on `?delay=` (fortio's -maxdelay), default 1.5s. */
  maxDelayMs?: number;
  /** How many log entries to keep (the counters keep counting past it). Default 10000. */
  logLimit?: number;
}

/** One request the upstream received, i.e. one attempt from the proxy's point of view. */
export interface RequestRecord {
  /** Arrival order since start or the last reset(), from 0. */
  index: number;
  /** Date.now() at arrival. */
  at: number;
  method: string;
  /** The request target as received (origin-form or absolute-form). */
  url: string;
  host: string | undefined;
  /** `x-envoy-attempt-count` as a number, when the proxy sent it. */
  attemptCount: number | undefined;
  /** `x-request-id`, when the proxy sent it. */
  requestId: string | undefined;
  /** All request headers, lower-cased, repeated values joined with ", ". */
  headers: Record<string, string>;
  /** What was decided for it; undefined when its query was malformed (it got a 400). */
  outcome: Outcome | undefined;
  /** Status actually sent; undefined while pending, when closed on purpose, or when aborted. */
  status: number | undefined;
  /** The connection was closed without a response on purpose (`?close=`). */
  closed: boolean;
  /** The client went away first (e.g. the proxy's per-try timeout fired during a `?delay=`). */
  aborted: boolean;
}

export interface Upstream {
  readonly host: string;
  readonly port: number;
  /** `http://<host>:<port>` */
  readonly url: string;
  readonly seed: number;
  /** Requests received since start or reset(). */
  readonly requests: number;
  /** Responses sent, by status code. */
  readonly countsByStatus: ReadonlyMap<number, number>;
  /** Connections closed on purpose without a response. */
  readonly closes: number;
  /** The most recent requests, oldest first (see UpstreamOptions.logLimit). */
  readonly log: readonly RequestRecord[];
  /** Log entries grouped by x-request-id: one downstream request's attempts, in arrival order. */
  attemptsByRequestId(): Map<string, RequestRecord[]>;
  /** Clears counters and log and restarts the outcome sequence from request index 0. */
  reset(): void;
  close(): Promise<void>;
}

export async function startUpstream(options: UpstreamOptions = {}): Promise<Upstream> {
  const host = options.host ?? '127.0.0.1';
  const seed = (options.seed ?? randomSeed()) >>> 0;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const logLimit = options.logLimit ?? 10_000;

  // Everything resettable lives in one object; in-flight requests from before a reset() keep a
  // reference to the old one, so they cannot leak into the new counts.
  let state = newState();
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => handle(state, req, res));
  // Never close idle keep-alive connections ourselves: a proxy reusing a connection we just closed
  // sees a reset, which would show up as a spurious retry or 503 in the very tests that count them.
  server.keepAliveTimeout = 0;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function handle(st: State, req: http.IncomingMessage, res: http.ServerResponse): void {
    req.resume(); // drain any body; we answer from the request line and headers only
    const index = st.requests++;
    const record: RequestRecord = {
      index,
      at: Date.now(),
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      host: req.headers.host,
      attemptCount: headerNumber(req.headers['x-envoy-attempt-count']),
      requestId: headerString(req.headers['x-request-id']),
      headers: flattenHeaders(req.headers),
      outcome: undefined,
      status: undefined,
      closed: false,
      aborted: false,
    };
    st.log.push(record);
    if (st.log.length > logLimit) st.log.splice(0, st.log.length - logLimit);

    let spec;
    try {
      spec = parseEchoRequest(record.url);
    } catch (err) {
      if (!(err instanceof EchoQueryError)) throw err;
      respond(st, record, res, 400, `bad echo query: ${err.message}\n`, []);
      return;
    }
    const rng = createRng(deriveSeed(seed, index));
    const outcome = decideOutcome(spec, { delay: rng(), close: rng(), status: rng() }, maxDelayMs);
    record.outcome = outcome;

    const act = () => {
      if (outcome.close) {
        record.closed = true;
        st.closes++;
        req.socket.destroy();
        return;
      }
      const requestLine = `${record.method} ${record.url} HTTP/${req.httpVersion}`;
      respond(st, record, res, outcome.status, `${requestLine}\n`, spec.headers);
    };
    if (outcome.delayMs <= 0) return act();
    const timer = setTimeout(act, outcome.delayMs);
    res.on('close', () => {
      if (res.writableEnded || record.closed) return;
      clearTimeout(timer);
      record.aborted = true;
    });
  }

  function respond(st: State, record: RequestRecord, res: http.ServerResponse, status: number, body: string, extra: Array<[string, string]>): void {
    if (res.destroyed) {
      record.aborted = true;
      return;
    }
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.setHeader('x-upstream-status', String(status));
    res.setHeader('x-upstream-index', String(record.index));
    for (const [name, value] of extra) res.appendHeader(name, value);
    res.writeHead(status);
    res.end(body);
    record.status = status;
    st.countsByStatus.set(status, (st.countsByStatus.get(status) ?? 0) + 1);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    host,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    seed,
    get requests() {
      return state.requests;
    },
    get countsByStatus() {
      return state.countsByStatus;
    },
    get closes() {
      return state.closes;
    },
    get log() {
      return state.log;
    },
    attemptsByRequestId() {
      const byId = new Map<string, RequestRecord[]>();
      for (const r of state.log) {
        if (r.requestId === undefined) continue;
        const list = byId.get(r.requestId) ?? [];
        list.push(r);
        byId.set(r.requestId, list);
      }
      return byId;
    },
    reset() {
      state = newState();
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Delayed requests and idle keep-alive connections would otherwise hold close() open.
        for (const s of sockets) s.destroy();
      });
    },
  };
}

interface State {
  requests: number;
  closes: number;
  countsByStatus: Map<number, number>;
  log: RequestRecord[];
}

function newState(): State {
  return { requests: 0, closes: 0, countsByStatus: new Map(), log: [] };
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function headerNumber(v: string | string[] | undefined): number | undefined {
  const s = headerString(v);
  if (s === undefined || !/^\d+$/.test(s.trim())) return undefined;
  return Number(s);
}

function flattenHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
