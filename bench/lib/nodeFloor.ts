/**
 * The floor for a Node load generator: the plainest closed loop over node:http that does what
 * `ricochet load -qps 0` does (N connections, each one keep-alive Agent with one socket, calls
 * back to back, body read to the end, every duration kept), without its timers, abort signal,
 * socket accounting or report. Run as its own process by bench/load.ts:
 *
 *   node dist/bench/lib/nodeFloor.js --url URL --connections N (--duration-ms MS | --calls N) --json FILE
 *
 * It writes a ToolResult (loadTools.ts). If `ricochet load` is near this, the limit is node:http,
 * not src/load.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { ToolResult } from './loadTools';

function arg(name: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`nodeFloor: missing ${name}`);
  return v;
}

function callOnce(agent: http.Agent, url: URL): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? -1));
      res.on('error', () => resolve(-1));
    });
    req.on('error', () => resolve(-1));
    req.end();
  });
}

async function main(): Promise<void> {
  const url = new URL(arg('--url'));
  const connections = Number(arg('--connections'));
  const durationMs = Number(arg('--duration-ms'));
  const totalCalls = Number(arg('--calls'));
  const durations: number[] = [];
  const codes = new Map<number, number>();
  let left = totalCalls;
  const t0 = performance.now();
  const more = (): boolean => (totalCalls > 0 ? left-- > 0 : performance.now() - t0 < durationMs);
  const agents = Array.from({ length: connections }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  await Promise.all(agents.map(async (agent) => {
    while (more()) {
      const started = performance.now();
      const code = await callOnce(agent, url);
      durations.push(performance.now() - started);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  for (const a of agents) a.destroy();
  const sorted = Float64Array.from(durations).sort();
  // Linear interpolation between ranks, as src/load/summary.ts computes its percentiles.
  const pct = (p: number): number => {
    const rank = (p / 100) * (sorted.length - 1);
    const lo = Math.floor(rank);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
  };
  const result: ToolResult = {
    calls: sorted.length,
    qps: sorted.length / seconds,
    p50Ms: pct(50),
    p99Ms: pct(99),
    codes: Object.fromEntries([...codes].map(([c, n]) => [String(c), n])),
    sockets: NaN,
  };
  fs.writeFileSync(arg('--json'), JSON.stringify(result));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
