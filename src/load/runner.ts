/**
 * `runLoad`: fortio-style load on node:http. Each connection is one keep-alive Agent holding one
 * socket and sends its calls one after another (fortio's threads); the plan (plan.ts) says how many
 * and how fast. Every call's duration is kept, so the percentiles are exact (summary.ts).
 */
import * as http from 'node:http';
import { Codes, RicochetError } from '../lib/errors';
import { VERSION } from '../version';
import { callOnce, type CallOutcome, type CallSpec, type InFlight } from './call';
import { planRun, type ConnectionPlan } from './plan';
import { DurationRecorder, summarize } from './summary';
import type { LoadOptions, LoadProgress, LoadResult } from './types';

/** What the calls of a run add up to, filled as they complete. */
class Tally {
  readonly all = new DurationRecorder();
  readonly errors = new DurationRecorder();
  readonly codes = new Map<number, number>();
  readonly socketErrors = new Map<string, number>();
  sockets = 0;

  record(o: CallOutcome): void {
    if (o.newSocket) this.sockets++;
    this.all.add(o.ms);
    this.codes.set(o.code, (this.codes.get(o.code) ?? 0) + 1);
    if (o.code < 200 || o.code > 299) this.errors.add(o.ms);
    if (o.error !== undefined) this.socketErrors.set(o.error, (this.socketErrors.get(o.error) ?? 0) + 1);
  }
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const plan = planRun(opts);
  const spec = callSpec(opts);
  const tally = new Tally();
  const startedAt = new Date();
  const t0 = performance.now();
  const elapsed = (): number => performance.now() - t0;

  // One listener for the whole run: it stops every connection's call in flight and its pacing wait.
  let interrupted = false;
  const inFlight: InFlight[] = plan.connections.map(() => ({}));
  let wakeSleepers: () => void = () => undefined;
  const interruption = new Promise<void>((resolve) => {
    wakeSleepers = resolve;
  });
  const onAbort = (): void => {
    interrupted = true;
    for (const call of inFlight) call.abort?.();
    wakeSleepers();
  };
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const total = opts.calls > 0 ? opts.calls : undefined;
  const progress = (): LoadProgress => ({ elapsedMs: elapsed(), done: tally.all.count, total, codes: tally.codes });
  const ticker = opts.onProgress ? setInterval(() => opts.onProgress?.(progress()), opts.progressEveryMs ?? 1000) : undefined;

  const agents = plan.connections.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    await Promise.all(
      plan.connections.map((c, i) =>
        runConnection(c, {
          agent: agents[i],
          spec,
          tally,
          elapsed,
          deadlineMs: plan.deadlineMs,
          // Paced connections start staggered across one interval, as if sharing one clock:
          // all due at the same instant, they would queue behind each other at every tick.
          offsetMs: (i * c.intervalMs) / plan.connections.length,
          stopped: () => interrupted,
          inFlight: inFlight[i],
          interruption,
        }),
      ),
    );
  } finally {
    if (ticker) clearInterval(ticker);
    opts.signal?.removeEventListener('abort', onAbort);
    for (const a of agents) a.destroy();
  }

  const durationMs = elapsed();
  const calls = tally.all.count;
  const codes = [...tally.codes.entries()].sort(([a], [b]) => a - b).map(([code, count]) => ({ code, count, percent: (100 * count) / calls }));
  return {
    url: opts.url,
    connectedTo: `${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`,
    shape: plan.shape,
    startedAt: startedAt.toISOString(),
    durationMs,
    calls,
    actualQps: durationMs > 0 ? calls / (durationMs / 1000) : 0,
    codes,
    latency: summarize(tally.all, plan.shape.percentiles),
    errors: summarize(tally.errors, plan.shape.percentiles),
    socketsUsed: tally.sockets,
    socketErrors: [...tally.socketErrors.entries()].sort(([, a], [, b]) => b - a).map(([message, count]) => ({ message, count })),
    interrupted,
  };
}

interface ConnectionContext {
  agent: http.Agent;
  spec: CallSpec;
  tally: Tally;
  elapsed: () => number;
  deadlineMs: number;
  /** When this connection's first paced call is due. */
  offsetMs: number;
  stopped: () => boolean;
  inFlight: InFlight;
  /** Resolves when the run is interrupted. */
  interruption: Promise<void>;
}

/**
 * One connection's calls, back to back or on its schedule (call i due at i × interval). A paced
 * connection also waits out its last interval (or the deadline), so that N calls at Q qps take
 * N/Q seconds and the measured qps is the one asked, as fortio reports it.
 */
async function runConnection(plan: ConnectionPlan, ctx: ConnectionContext): Promise<void> {
  const seen = new WeakSet<object>();
  const waitUntil = async (atMs: number): Promise<void> => {
    const wait = atMs - ctx.elapsed();
    if (wait > 0 && !ctx.stopped()) await sleep(wait, ctx.interruption);
  };
  for (let i = 0; i < plan.calls; i++) {
    if (ctx.stopped()) return;
    if (plan.intervalMs > 0) {
      const due = ctx.offsetMs + i * plan.intervalMs;
      if (due >= ctx.deadlineMs) return waitUntil(ctx.deadlineMs);
      await waitUntil(due);
      if (ctx.stopped()) return;
    }
    if (ctx.elapsed() >= ctx.deadlineMs) return;
    const outcome = await callOnce(ctx.agent, ctx.spec, seen, ctx.inFlight);
    if (outcome.aborted) return;
    ctx.tally.record(outcome);
  }
  if (plan.intervalMs > 0) await waitUntil(Math.min(plan.calls * plan.intervalMs, ctx.deadlineMs));
}

/** Where to connect and what to send: origin-form path, the URL's authority as Host. */
function callSpec(opts: LoadOptions): CallSpec {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new RicochetError(Codes.InvalidFlag, `load url ${opts.url}: not a URL; write http://host[:port]/path`);
  }
  if (url.protocol !== 'http:') throw new RicochetError(Codes.InvalidFlag, `load url ${opts.url}: only http:// is supported (a sidecar or gateway listener speaks plain HTTP)`);
  const headers: Record<string, string> = { host: url.host, 'user-agent': `ricochet-load/${VERSION}` };
  for (const [name, value] of opts.headers ?? []) headers[name.toLowerCase()] = value;
  const host = opts.proxy?.host ?? url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = opts.proxy?.port ?? (url.port === '' ? 80 : Number(url.port));
  return { host, port, method: opts.method ?? 'GET', path: `${url.pathname}${url.search}`, headers, timeoutMs: opts.timeoutMs };
}

/** Waits `ms`, or less when the run is interrupted. */
async function sleep(ms: number, interruption: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), interruption]);
  clearTimeout(timer);
}
