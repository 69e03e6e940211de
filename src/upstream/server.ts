/**
 * The scriptable flaky upstream: an HTTP/1.1 (or, with `http2: true`, cleartext HTTP/2 with prior
 * knowledge, as Envoy's `http2_protocol_options` upstreams speak it) server that fails on request,
 * and keeps a log of every attempt it saw, so a test can count what Envoy (or Ricochet's data
 * plane) actually sent upstream: how many attempts, with which x-envoy-attempt-count, for which
 * x-request-id.
 *
 * Two ways to say what to answer:
 * - fortio echo style (see echoQuery.ts): `?status=503:25`, random but seeded. Outcomes are a pure
 *   function of (seed, request index, query): replaying the same requests in the same order
 *   against the same seed gives the same failures.
 * - a per-attempt script (see script.ts): `x-scenario-id: s1` + `x-script: 503,503,200`, exact
 *   per attempt, with hang / close / garbage / HTTP/2 RST_STREAM, recorded per scenario id.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { DEFAULT_MAX_DELAY_MS, EchoQueryError, decideOutcome, parseEchoRequest, type Outcome } from './echoQuery';
import { createRng, deriveSeed, randomSeed } from './rng';
import { BODY_KEEP_BYTES, ScriptBook, ScriptError, now, parseScript, stepFor, type ScriptAttempt, type ScriptStep } from './script';

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
  /** Serve cleartext HTTP/2 (prior knowledge, node:http2) instead of HTTP/1.1. */
  http2?: boolean;
  /** Share scripted attempt counting with other upstreams (e.g. two endpoints of one cluster). */
  scripts?: ScriptBook;
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
  /** For a scripted request (`x-script`): the attempt as recorded in the ScriptBook. */
  script?: ScriptAttempt;
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
  /** 'HTTP/1.1' or 'HTTP/2'. */
  readonly protocol: 'HTTP/1.1' | 'HTTP/2';
  /** Scripted attempts by scenario id (shared with other upstreams if given in the options). */
  readonly scripts: ScriptBook;
  /** Scripted attempts of one scenario id, on any upstream sharing the book, in arrival order. */
  attempts(scenarioId: string): readonly ScriptAttempt[];
  /** Clears counters and log and restarts the outcome sequence from request index 0 (and the script book, if this upstream owns it). */
  reset(): void;
  close(): Promise<void>;
}

export async function startUpstream(options: UpstreamOptions = {}): Promise<Upstream> {
  const host = options.host ?? '127.0.0.1';
  const seed = (options.seed ?? randomSeed()) >>> 0;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const logLimit = options.logLimit ?? 10_000;
  const protocol = options.http2 ? 'HTTP/2' : 'HTTP/1.1';
  const ownsBook = options.scripts === undefined;
  const book = options.scripts ?? new ScriptBook();
  let serverName = '';

  // Everything resettable lives in one object; in-flight requests from before a reset() keep a
  // reference to the old one, so they cannot leak into the new counts.
  let state = newState();
  const sockets = new Set<Socket>();
  // HTTP/2 only: the raw TCP socket of each connection, so `garbage` can write non-HTTP/2 bytes
  // (session.socket is a proxy that refuses writes). Keyed by the client's address:port.
  const rawByPeer = new Map<string, Socket>();

  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    rawByPeer.set(peer, socket);
    socket.on('close', () => {
      sockets.delete(socket);
      rawByPeer.delete(peer);
    });
  };

  let server: http.Server | http2.Http2Server;
  if (options.http2) {
    const h2 = http2.createServer();
    h2.on('session', (session) => session.on('error', () => undefined));
    h2.on('stream', (stream, headers) => handleH2(state, stream, headers));
    server = h2;
  } else {
    const h1 = http.createServer((req, res) => handle(state, req, res));
    // Never close idle keep-alive connections ourselves: a proxy reusing a connection we just closed
    // sees a reset, which would show up as a spurious retry or 503 in the very tests that count them.
    h1.keepAliveTimeout = 0;
    server = h1;
  }
  server.on('connection', onConnection);

  function newRecord(st: State, method: string, url: string, hostHeader: string | undefined, headers: Record<string, string>): RequestRecord {
    const record: RequestRecord = {
      index: st.requests++,
      at: Date.now(),
      method,
      url,
      host: hostHeader,
      attemptCount: headerNumber(headers['x-envoy-attempt-count']),
      requestId: headers['x-request-id'],
      headers,
      outcome: undefined,
      status: undefined,
      closed: false,
      aborted: false,
    };
    st.log.push(record);
    if (st.log.length > logLimit) st.log.splice(0, st.log.length - logLimit);
    return record;
  }

  function scriptOf(url: string, headers: Record<string, string>): string | undefined {
    if (headers['x-script'] !== undefined) return headers['x-script'];
    const q = url.indexOf('?');
    if (q < 0 || !url.includes('script=', q)) return undefined;
    return new URL(url, 'http://upstream.invalid').searchParams.get('script') ?? undefined;
  }

  function countStatus(st: State, record: RequestRecord, status: number): void {
    record.status = status;
    st.countsByStatus.set(status, (st.countsByStatus.get(status) ?? 0) + 1);
  }

  function beginScript(record: RequestRecord, headers: Record<string, string>, step: ScriptStep): ScriptAttempt {
    const attempt = book.begin({
      scenarioId: headers['x-scenario-id'] ?? headers['x-request-id'] ?? `anonymous-${serverName}-${record.index}`,
      at: now(),
      method: record.method,
      url: record.url,
      server: serverName,
      protocol,
      headers,
      body: '',
      bodyBytes: 0,
      step,
      result: 'pending',
    });
    record.script = attempt;
    return attempt;
  }

  /** Collects the body into the attempt; calls `done` at end of request (or right away for an `early` step). */
  function collectBody(source: NodeJS.ReadableStream, attempt: ScriptAttempt, done: () => void): void {
    if (attempt.step.early) setImmediate(done);
    const kept: Buffer[] = [];
    let keptBytes = 0;
    source.on('data', (c: Buffer) => {
      attempt.bodyBytes += c.length;
      if (keptBytes < BODY_KEEP_BYTES) {
        kept.push(c);
        keptBytes += c.length;
      }
    });
    source.on('end', () => {
      attempt.body = Buffer.concat(kept).subarray(0, BODY_KEEP_BYTES).toString('utf8');
      attempt.requestEndedAt = now();
      if (!attempt.step.early) done();
    });
  }

  function scriptedHeaders(attempt: ScriptAttempt, status: number, record: RequestRecord): Record<string, string> {
    return {
      'content-type': 'text/plain; charset=utf-8',
      'x-upstream-status': String(status),
      'x-upstream-index': String(record.index),
      'x-upstream-attempt': String(attempt.attempt),
      'x-upstream-server': serverName,
    };
  }

  function defaultBody(attempt: ScriptAttempt, status: number): string {
    return `scenario ${attempt.scenarioId} attempt ${attempt.attempt}: ${status} from ${serverName}\n`;
  }

  // ---------------------------------------------------------------- HTTP/1.1

  function handle(st: State, req: http.IncomingMessage, res: http.ServerResponse): void {
    const headers = flattenHeaders(req.headers);
    const record = newRecord(st, req.method ?? 'GET', req.url ?? '/', req.headers.host, headers);
    const script = scriptOf(record.url, headers);
    if (script !== undefined) return handleScriptH1(st, record, headers, script, req, res);

    req.resume(); // drain any body; we answer from the request line and headers only
    let spec;
    try {
      spec = parseEchoRequest(record.url);
    } catch (err) {
      if (!(err instanceof EchoQueryError)) throw err;
      respond(st, record, res, 400, `bad echo query: ${err.message}\n`, []);
      return;
    }
    const rng = createRng(deriveSeed(seed, record.index));
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
    countStatus(st, record, status);
  }

  function handleScriptH1(st: State, record: RequestRecord, headers: Record<string, string>, text: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    let steps: ScriptStep[];
    try {
      steps = parseScript(text);
    } catch (err) {
      if (!(err instanceof ScriptError)) throw err;
      req.resume();
      respond(st, record, res, 400, `bad x-script: ${err.message}\n`, []);
      return;
    }
    const countSoFar = book.attempts(headers['x-scenario-id'] ?? headers['x-request-id'] ?? '').length;
    const step = stepFor(steps, countSoFar + 1);
    const attempt = beginScript(record, headers, step);
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: ScriptAttempt['result']) => {
      attempt.result = result;
      attempt.endedAt = now();
    };
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      if (attempt.result === 'pending') {
        record.aborted = true;
        finish('aborted');
      }
    });
    const act = () => {
      timer = undefined;
      if (attempt.result !== 'pending' || res.destroyed) return;
      const socket = req.socket;
      switch (step.verb) {
        case 'hang':
          return;
        case 'close':
        case 'rst': // HTTP/1 has no stream reset: the closest thing is dropping the connection
          record.closed = true;
          st.closes++;
          finish('closed');
          socket.destroy();
          return;
        case 'garbage':
          record.closed = true;
          st.closes++;
          finish('garbage');
          socket.end(Buffer.from('\u0000\u0001\u0002 THIS IS NOT HTTP \u00ff\r\n\r\n', 'latin1'));
          setTimeout(() => socket.destroy(), 50).unref();
          return;
        case 'status': {
          const status = step.status ?? 200;
          const body = step.body ?? defaultBody(attempt, status);
          for (const [k, v] of Object.entries(scriptedHeaders(attempt, status, record))) res.setHeader(k, v);
          // A scripted header replaces our default of the same name; repeating it in the script appends.
          const named = new Set<string>();
          for (const [name, value] of step.headers) {
            if (named.has(name)) res.appendHeader(name, value);
            else res.setHeader(name, value);
            named.add(name);
          }
          if (step.abort) {
            res.setHeader('content-length', String(Buffer.byteLength(body) + 1000));
            res.writeHead(status);
            res.write(body);
            countStatus(st, record, status);
            finish('responded');
            setTimeout(() => socket.destroy(), 20).unref();
            return;
          }
          if (step.trailers.length > 0) res.setHeader('trailer', step.trailers.map(([n]) => n).join(', '));
          res.writeHead(status);
          if (step.trailers.length > 0) {
            res.write(body);
            res.addTrailers(Object.fromEntries(step.trailers));
            res.end();
          } else {
            res.end(body);
          }
          countStatus(st, record, status);
          finish('responded');
          return;
        }
      }
    };
    const run = guard(act, () => {
      finish('aborted');
      req.socket.destroy();
    });
    collectBody(req, attempt, () => {
      if (step.delayMs > 0) timer = setTimeout(run, step.delayMs);
      else run();
    });
  }

  // ---------------------------------------------------------------- HTTP/2

  function handleH2(st: State, stream: http2.ServerHttp2Stream, raw: http2.IncomingHttpHeaders): void {
    stream.on('error', () => undefined); // resets by the proxy are normal here
    const headers = flattenHeaders(raw as http.IncomingHttpHeaders);
    const record = newRecord(st, headers[':method'] ?? 'GET', headers[':path'] ?? '/', headers[':authority'], headers);
    const script = scriptOf(record.url, headers);
    if (script !== undefined) return handleScriptH2(st, record, headers, script, stream);

    stream.resume();
    let spec;
    try {
      spec = parseEchoRequest(record.url);
    } catch (err) {
      if (!(err instanceof EchoQueryError)) throw err;
      respondH2(st, record, stream, 400, `bad echo query: ${err.message}\n`, []);
      return;
    }
    const rng = createRng(deriveSeed(seed, record.index));
    const outcome = decideOutcome(spec, { delay: rng(), close: rng(), status: rng() }, maxDelayMs);
    record.outcome = outcome;
    const act = () => {
      if (stream.destroyed || stream.closed) {
        record.aborted = true;
        return;
      }
      if (outcome.close) {
        record.closed = true;
        st.closes++;
        stream.session?.destroy();
        return;
      }
      respondH2(st, record, stream, outcome.status, `${record.method} ${record.url} HTTP/2.0\n`, spec.headers);
    };
    if (outcome.delayMs <= 0) return act();
    const timer = setTimeout(act, outcome.delayMs);
    stream.on('close', () => {
      if (record.status !== undefined || record.closed) return;
      clearTimeout(timer);
      record.aborted = true;
    });
  }

  function respondH2(st: State, record: RequestRecord, stream: http2.ServerHttp2Stream, status: number, body: string, extra: Array<[string, string]>): void {
    const out: http2.OutgoingHttpHeaders = { ':status': status, 'content-type': 'text/plain; charset=utf-8', 'x-upstream-status': String(status), 'x-upstream-index': String(record.index) };
    addHeaders(out, extra);
    stream.respond(out);
    stream.end(body);
    countStatus(st, record, status);
  }

  function handleScriptH2(st: State, record: RequestRecord, headers: Record<string, string>, text: string, stream: http2.ServerHttp2Stream): void {
    let steps: ScriptStep[];
    try {
      steps = parseScript(text);
    } catch (err) {
      if (!(err instanceof ScriptError)) throw err;
      stream.resume();
      respondH2(st, record, stream, 400, `bad x-script: ${err.message}\n`, []);
      return;
    }
    const countSoFar = book.attempts(headers['x-scenario-id'] ?? headers['x-request-id'] ?? '').length;
    const step = stepFor(steps, countSoFar + 1);
    const attempt = beginScript(record, headers, step);
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: ScriptAttempt['result']) => {
      attempt.result = result;
      attempt.endedAt = now();
    };
    stream.on('close', () => {
      if (timer) clearTimeout(timer);
      if (attempt.result === 'pending') {
        record.aborted = true;
        finish('aborted');
      }
    });
    const act = () => {
      timer = undefined;
      if (attempt.result !== 'pending' || stream.destroyed || stream.closed) return;
      switch (step.verb) {
        case 'hang':
          return;
        case 'close':
          record.closed = true;
          st.closes++;
          finish('closed');
          stream.session?.destroy();
          return;
        case 'garbage': {
          record.closed = true;
          st.closes++;
          finish('garbage');
          const s = stream.session?.socket;
          const rawSocket = s ? rawByPeer.get(`${s.remoteAddress}:${s.remotePort}`) : undefined;
          if (rawSocket) {
            rawSocket.write(Buffer.from('\u0000\u0001\u0002 THIS IS NOT HTTP/2 \u00ff\r\n\r\n', 'latin1'));
            setTimeout(() => rawSocket.destroy(), 50).unref();
          } else {
            stream.session?.destroy();
          }
          return;
        }
        case 'rst':
          finish('rst');
          stream.close(step.rstCode ?? http2.constants.NGHTTP2_REFUSED_STREAM);
          return;
        case 'status': {
          const status = step.status ?? 200;
          const body = step.body ?? defaultBody(attempt, status);
          const out: http2.OutgoingHttpHeaders = { ':status': status, ...scriptedHeaders(attempt, status, record) };
          addHeaders(out, step.headers, true);
          if (step.abort) {
            stream.respond(out);
            stream.write(body);
            countStatus(st, record, status);
            finish('responded');
            setTimeout(() => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR), 20).unref();
            return;
          }
          const withTrailers = step.trailers.length > 0;
          stream.respond(out, withTrailers ? { waitForTrailers: true } : undefined);
          if (withTrailers) {
            stream.on('wantTrailers', () => {
              const t: http2.OutgoingHttpHeaders = {};
              addHeaders(t, step.trailers);
              stream.sendTrailers(t);
            });
          }
          stream.end(body);
          countStatus(st, record, status);
          finish('responded');
          return;
        }
      }
    };
    const run = guard(act, () => {
      finish('aborted');
      stream.destroy();
    });
    collectBody(stream, attempt, () => {
      if (step.delayMs > 0) timer = setTimeout(run, step.delayMs);
      else run();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  serverName = `${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    host,
    port,
    url: `http://${serverName}`,
    seed,
    protocol,
    scripts: book,
    attempts: (scenarioId: string) => book.attempts(scenarioId),
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
      if (ownsBook) book.clear();
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

/** A scripted action must never take the test process down (e.g. a header node refuses): log it and drop the attempt. */
function guard(act: () => void, onError: () => void): () => void {
  return () => {
    try {
      act();
    } catch (err) {
      process.stderr.write(`upstream: scripted step failed: ${err instanceof Error ? err.message : String(err)}\n`);
      onError();
    }
  };
}

/** Adds [name, value] pairs to an HTTP/2 header object, repeated names as arrays; `replace`: the first pair of a name replaces what `out` had. */
function addHeaders(out: http2.OutgoingHttpHeaders, pairs: ReadonlyArray<[string, string]>, replace = false): void {
  const named = new Set<string>();
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    const prev = out[key];
    const first = !named.has(key);
    named.add(key);
    if (prev === undefined || (replace && first)) out[key] = value;
    else out[key] = Array.isArray(prev) ? [...prev, value] : [String(prev), value];
  }
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
