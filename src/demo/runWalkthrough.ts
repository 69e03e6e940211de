/**
 * One walkthrough, start to end: apply each phase's example YAML through the admin API, start
 * this walkthrough's proxy, wait until it runs the config, run the doc's load through it while
 * reading its retry stats before and after, then stop the proxy and delete the objects again so
 * the next walkthrough starts from an empty control plane. Failures of any step become the
 * walkthrough's verdict (the demo goes on with the next one).
 */
import { runLoad, type LoadProgress } from '../load';
import { applyYaml, deleteObject, phaseBundle, type AppliedObject, type PortMoves } from './apply';
import type { DemoEnvironment } from './environment';
import { freePort } from '../lib/ports';
import { evaluate, type PhaseObservation } from './promise';
import { startProxy, type DataPlane, type RunningProxy } from './proxy';
import { commandLines, phaseTable, retryPolicyLines, verdictLines, walkthroughHeader, type PhaseReport } from './report';
import { retryPolicyFor } from './retryPolicy';
import { compiledRevision, waitForRevisionAfter, waitUntilSynced } from './sync';
import type { DemoPhase, Walkthrough } from './walkthroughs';

export interface WalkthroughContext {
  env: DemoEnvironment;
  dataPlane: DataPlane;
  /** `Envoy 1.40.0` or `Ricochet's data plane`, for headers. */
  dataPlaneName: string;
  signal?: AbortSignal;
  out(text: string): void;
  /** A transient status line while a load runs (undefined clears it); a terminal shows it, a log does not need it. */
  progress?(line: string | undefined): void;
}

export interface WalkthroughOutcome {
  id: string;
  title: string;
  ok: boolean;
  problems: string[];
  seconds: number;
  phases: PhaseReport[];
}

/** The fortio percentiles the table needs (p99) plus the usual median and p90. */
const PERCENTILES = [50, 90, 99];

export async function runWalkthrough(ctx: WalkthroughContext, w: Walkthrough, index: number, total: number): Promise<WalkthroughOutcome> {
  const started = performance.now();
  const { env } = ctx;
  ctx.out(walkthroughHeader(w, index, total, ctx.dataPlaneName));
  // Each walkthrough replays the seed's outcome sequence from its start, whatever ran before it.
  env.upstream.reset();
  const applied = new Map<string, AppliedObject>();
  const phases: PhaseReport[] = [];
  let proxy: RunningProxy | undefined;
  let problems: string[];
  try {
    const moves: PortMoves = { upstreamPort: env.upstream.port, gatewayPort: await freePort() };
    for (const phase of w.phases) {
      checkAborted(ctx.signal);
      if (phase.apply.length > 0) for (const o of await applyPhase(ctx, phase, moves)) applied.set(keyOf(o), o);
      proxy ??= await startProxy(ctx.dataPlane, { identity: w.identity, xds: { host: '127.0.0.1', port: env.ports.xds }, adminPort: await freePort(), workDir: env.workDir });
      await waitUntilSynced(env.client, w.identity.nodeId, env.serve);
      phases.push(await measure(ctx, w, phase, proxy, moves));
    }
    ctx.out(commandLines(phases, w));
    ctx.out(phaseTable(phases, w));
    ctx.out(retryPolicyLines(phases));
    problems = evaluate(w.phases.map((p) => p.expect), phases.map(observation)).problems;
  } catch (err) {
    if (ctx.signal?.aborted) throw new DemoInterrupted();
    problems = [`could not run the walkthrough: ${(err as Error).message}${proxy && !proxy.child.running ? `\n${proxy.child.tail()}` : ''}`];
  } finally {
    await proxy?.stop();
    // Interrupted: the whole control plane and its temporary store go away, nothing to undo.
    if (!ctx.signal?.aborted) await deleteApplied(ctx, [...applied.values()].reverse()).catch((err: unknown) => ctx.out(`  (cleanup: ${(err as Error).message})`));
  }
  ctx.out(verdictLines(w, problems));
  return { id: w.id, title: w.title, ok: problems.length === 0, problems, seconds: (performance.now() - started) / 1000, phases };
}

/** POST /apply of the phase's files, then wait until the control plane has compiled them. */
async function applyPhase(ctx: WalkthroughContext, phase: DemoPhase, moves: PortMoves): Promise<AppliedObject[]> {
  const { client, serve } = ctx.env;
  const revision = await compiledRevision(client);
  const results = await applyYaml(client, phaseBundle(phase.apply, moves), phase.apply.join(','));
  if (results.some((r) => r.action !== 'unchanged')) await waitForRevisionAfter(client, revision, serve);
  return results;
}

/** One DELETE at a time, each compiled before the next, so the next walkthrough's waits see only its own changes. */
async function deleteApplied(ctx: WalkthroughContext, objects: readonly AppliedObject[]): Promise<void> {
  const { client, serve } = ctx.env;
  for (const o of objects) {
    const revision = await compiledRevision(client);
    if (await deleteObject(client, o)) await waitForRevisionAfter(client, revision, serve);
  }
}

async function measure(ctx: WalkthroughContext, w: Walkthrough, phase: DemoPhase, proxy: RunningProxy, moves: PortMoves): Promise<PhaseReport> {
  const viaGateway = w.load.url.includes('{gateway}');
  const url = w.load.url.replace('{gateway}', `127.0.0.1:${moves.gatewayPort}`);
  const target = new URL(url);
  const egress = { host: '127.0.0.1', port: ctx.env.ports.egress };
  const retryPolicy = retryPolicyFor(await proxy.configDump(), target.host, `${target.pathname}${target.search}`);
  const prefix = `cluster.${w.cluster}.`;
  const statsBefore = await proxy.stats(`${prefix}upstream_rq_retry`);
  const result = await runLoad({
    url,
    ...(viaGateway ? {} : { proxy: egress }),
    ...(phase.method ? { method: phase.method } : {}),
    connections: w.load.connections,
    calls: w.load.calls,
    durationMs: 0,
    qps: 0,
    timeoutMs: w.load.timeoutMs,
    percentiles: PERCENTILES,
    signal: ctx.signal,
    ...(ctx.progress ? { onProgress: (p: LoadProgress) => ctx.progress?.(progressLine(phase, p)), progressEveryMs: 500 } : {}),
  });
  ctx.progress?.(undefined);
  checkAborted(ctx.signal);
  const statsAfter = await proxy.stats(`${prefix}upstream_rq_retry`);
  const stats: Record<string, number> = {};
  for (const [name, value] of statsAfter) stats[name.slice(prefix.length)] = value - (statsBefore.get(name) ?? 0);
  return { label: phase.label, result, stats, retryPolicy, command: loadCommand(w, url, phase, viaGateway ? undefined : egress) };
}

/** The command that repeats a phase's load by hand: `ricochet load` with fortio's flags. */
function loadCommand(w: Walkthrough, url: string, phase: DemoPhase, proxy: { host: string; port: number } | undefined): string {
  const parts = ['ricochet load', `-c ${w.load.connections}`, `-n ${w.load.calls}`, '-qps 0'];
  if (w.load.timeoutMs !== 3000) parts.push(`-timeout ${w.load.timeoutMs / 1000}s`);
  if (phase.method && phase.method !== 'GET') parts.push(`-X ${phase.method}`);
  if (proxy) parts.push(`--proxy ${proxy.host}:${proxy.port}`);
  parts.push(`'${url}'`);
  return parts.join(' ');
}

/** `  after (+ Retry): 0/1 calls, 6.5 s` */
function progressLine(phase: DemoPhase, p: LoadProgress): string {
  return `  ${phase.label}: ${p.done}/${p.total ?? '?'} calls, ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

function observation(p: PhaseReport): PhaseObservation {
  const successes = p.result.codes.filter((c) => c.code >= 200 && c.code <= 299).reduce((n, c) => n + c.count, 0);
  return { label: p.label, calls: p.result.calls, successes, stats: p.stats };
}

function keyOf(o: AppliedObject): string {
  return `${o.apiVersion.split('/')[0]}/${o.kind}/${o.namespace ?? ''}/${o.name}`;
}

export class DemoInterrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'DemoInterrupted';
  }
}

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DemoInterrupted();
}
