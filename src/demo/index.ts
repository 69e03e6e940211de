/**
 * `ricochet demo` (issue 6, item 3): the seed walkthroughs, runnable on a laptop with no Docker.
 * Starts the flaky upstream and `ricochet serve` on free ports, then per walkthrough one proxy
 * (a real Envoy when found, else Ricochet's data plane) with that walkthrough's identity, and
 * prints the before/after tables and the retry stats; the result says whether every walkthrough
 * showed the effect its doc promises.
 */
import { CliError } from '../cli/cliError';
import { stopAllChildren } from './children';
import { startEnvironment } from './environment';
import { chooseDataPlane, describeDataPlane, type ProxyMode } from './proxy';
import { summaryLines } from './report';
import { checkAborted, DemoInterrupted, runWalkthrough, type WalkthroughOutcome } from './runWalkthrough';
import { WALKTHROUGHS, type Walkthrough } from './walkthroughs';

export { DemoInterrupted } from './runWalkthrough';
export { WALKTHROUGHS } from './walkthroughs';

/** The seed when none is given: every run of the demo sees the same first-try failures. */
export const DEFAULT_SEED = 6;

export interface DemoOptions {
  /** Walkthrough ids to run, in the demo's order; all when absent. */
  only?: string[];
  seed: number;
  proxy: ProxyMode;
  signal?: AbortSignal;
  /** Where the human-readable text goes (a block of lines at a time). */
  out(text: string): void;
  /** A transient status line while a load runs (undefined: clear it). */
  progress?(line: string | undefined): void;
}

/** The machine-readable result (`ricochet demo --json`). */
export interface DemoResult {
  ok: boolean;
  dataPlane: string;
  seed: number;
  totalSeconds: number;
  walkthroughs: Array<{
    id: string;
    title: string;
    ok: boolean;
    seconds: number;
    problems: string[];
    phases: Array<{
      label: string;
      command: string;
      calls: number;
      codes: Array<{ code: number; count: number; percent: number }>;
      avgMs: number;
      p99Ms: number | undefined;
      stats: Record<string, number>;
      retryPolicy: string;
    }>;
  }>;
}

export function selectWalkthroughs(only: readonly string[] | undefined): Walkthrough[] {
  if (!only || only.length === 0) return [...WALKTHROUGHS];
  const known = new Set(WALKTHROUGHS.map((w) => w.id));
  const unknown = only.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new CliError(`--only ${unknown.join(',')}: no such walkthrough (there are: ${[...known].join(', ')})`, 2);
  return WALKTHROUGHS.filter((w) => only.includes(w.id));
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  const chosen = selectWalkthroughs(opts.only);
  const dataPlane = chooseDataPlane(opts.proxy);
  const dataPlaneName = dataPlane.kind === 'envoy' ? `Envoy ${dataPlane.version}` : 'Ricochet\'s data plane';
  opts.out(describeDataPlane(dataPlane));
  const env = await startEnvironment(opts.seed);
  opts.out([
    `Control plane: ricochet serve, admin API http://127.0.0.1:${env.ports.admin}, ADS 127.0.0.1:${env.ports.xds}, sidecar egress listener 127.0.0.1:${env.ports.egress}`,
    `Upstream: the flaky fortio-style upstream on ${env.upstream.url}, seed ${env.upstream.seed} (repeat this run with --seed ${env.upstream.seed})`,
    `Work directory (bootstraps, logs, store; removed at the end unless a walkthrough fails): ${env.workDir}`,
  ].join('\n'));
  const outcomes: WalkthroughOutcome[] = [];
  let ok = false;
  try {
    for (const [i, w] of chosen.entries()) {
      checkAborted(opts.signal);
      outcomes.push(await runWalkthrough({ env, dataPlane, dataPlaneName, signal: opts.signal, out: opts.out, progress: opts.progress }, w, i + 1, chosen.length));
    }
    ok = outcomes.every((o) => o.ok);
  } finally {
    // The logs are worth keeping when something went wrong, not after a Ctrl-C.
    await env.close(!ok && !opts.signal?.aborted).catch(() => undefined);
    await stopAllChildren();
  }
  const totalSeconds = (performance.now() - started) / 1000;
  opts.out(summaryLines(outcomes.map((o) => ({ id: o.id, ok: o.ok, seconds: o.seconds, why: o.problems[0]?.split('\n')[0] })), totalSeconds, dataPlaneName));
  if (!ok) opts.out(`Logs of the control plane and the proxies are kept in ${env.workDir}`);
  return {
    ok,
    dataPlane: describeDataPlane(dataPlane),
    seed: env.upstream.seed,
    totalSeconds,
    walkthroughs: outcomes.map((o) => ({
      id: o.id,
      title: o.title,
      ok: o.ok,
      seconds: o.seconds,
      problems: o.problems,
      phases: o.phases.map((p) => ({
        label: p.label,
        command: p.command,
        calls: p.result.calls,
        codes: p.result.codes,
        avgMs: p.result.latency.avgMs,
        p99Ms: p.result.latency.percentiles.find((x) => x.percentile === 99)?.ms,
        stats: p.stats,
        retryPolicy: p.retryPolicy,
      })),
    })),
  };
}

export function isInterrupted(err: unknown): boolean {
  return err instanceof DemoInterrupted;
}
