/**
 * `ricochet load` (src/load) beside fortio, measured in the same run (not a test: `npm test` never
 * runs it). `bash bench/load.sh` installs fortio and nginx into .cache, builds, and runs:
 *
 *   node dist/bench/load.js --fortio BIN [--nginx BIN] [--duration-ms 5000] [--connections 1,8,32]
 *       [--rounds 3] [--targets upstream,nginx] [--check-calls 2000] [--quiet-wait-ms 20000]
 *       [--fixed-qps 1000] [--fixed-connections 8] [--no-pin] [--no-floor] [--json FILE]
 *
 * 1. Correctness: for each -c, each tool runs `-n <check-calls> -c N -qps 0` against a fresh
 *    `ricochet upstream --seed 1` at `/echo?status=503:10`. The upstream's outcome is a function of
 *    (seed, request index), so every tool must report exactly the codes the upstream says it
 *    served, and all tools the same codes.
 * 2. Speed: for each target, each -c and each round, each tool runs `-qps 0 -c N -t <duration>`
 *    (max qps, closed loop), tools in a rotating order per round. The table keeps each tool's best
 *    round by qps (other load on a shared machine only lowers qps), with the median and range.
 *    Before each run it waits (up to --quiet-wait-ms) for the machine to be nearly idle.
 * 3. Latency at a fixed rate both sustain (`-qps 1000 -c 8`, --fixed-qps 0 skips it): at max qps a
 *    closed loop's latency is mostly its own queue, so this is the fair latency comparison.
 * Pinning (default): every load generator on CPU 0, every target on CPU 1 (`taskset -c`), so each
 * tool has the same single core and never competes with the server (fortio's Go runtime then sets
 * GOMAXPROCS to 1). A bare node:http loop (lib/nodeFloor.ts) is run the same way, as the floor
 * of any node:http client.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cpuModel } from './lib/proc';
import { floorTool, fortioTool, ricochetTool, runTool, type LoadTool, type RunShape, type ToolRun } from './lib/loadTools';
import { servedCounts, startNginx, startRicochetUpstream, startTinyServer, type Target } from './lib/loadTargets';

const REPO = path.resolve(__dirname, '..', '..');
const TOOL_CPU = '0';
const SERVER_CPU = '1';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const flag = (name: string): boolean => process.argv.includes(name);

/** utime + stime of a process, in seconds (Linux /proc, USER_HZ 100). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds the whole machine spent busy (user, nice, system, irq, softirq; all cores), from /proc/stat. */
function machineBusySeconds(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6]) / 100;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits (up to `maxWaitMs`) until the machine has been nearly idle for half a second: on a shared
 * machine another process's burst would otherwise land in one tool's run and not the other's. The
 * run goes ahead after the limit anyway; its "other CPU" column then shows the interference.
 */
async function waitForQuiet(maxWaitMs: number, idleShare = 0.2): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  for (let waited = false; ; waited = true) {
    const before = machineBusySeconds();
    await sleep(500);
    const busy = (machineBusySeconds() - before) / 0.5;
    if (busy <= idleShare || Date.now() >= deadline) {
      if (waited) process.stderr.write(`[bench] machine ${busy <= idleShare ? 'quiet' : 'still busy'} (${(100 * busy).toFixed(0)} % of a core), going on\n`);
      return;
    }
    if (!waited) process.stderr.write(`[bench] machine busy (${(100 * busy).toFixed(0)} % of a core): waiting up to ${maxWaitMs / 1000} s\n`);
  }
}

interface SpeedRun extends ToolRun {
  tool: string;
  target: string;
  connections: number;
  round: number;
  /** The target's CPU over the run, as a share of one core. */
  serverCpu: number;
  /**
   * The rest of the machine's busy CPU over the run (other processes, and kernel softirq time not
   * charged to either process), as a share of one core: other sessions' load shows up here.
   */
  otherCpu: number;
}

interface CheckRun {
  tool: string;
  connections: number;
  calls: number;
  toolCodes: Record<string, number>;
  served: number;
  servedCodes: Record<string, number>;
  sockets: number;
}

const sameCodes = (a: Record<string, number>, b: Record<string, number>): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
const codesText = (c: Record<string, number>): string => Object.entries(c).sort().map(([k, v]) => `${k}: ${v}`).join(', ');

async function correctness(tools: LoadTool[], connections: number[], calls: number, cpu: { tool?: string; server?: string }, workDir: string): Promise<CheckRun[]> {
  const runs: CheckRun[] = [];
  for (const c of connections) {
    for (const tool of tools) {
      const upstream = await startRicochetUpstream(cpu.server, 1);
      const shape: RunShape = { url: `${upstream.url}?status=503:10`, connections: c, durationMs: 0, calls };
      const run = await runTool(tool, shape, { cpu: cpu.tool, workDir, tag: `check-${tool.key}-c${c}` }).catch(async (err: unknown) => {
        await upstream.stop();
        throw err;
      });
      // Stopped after the run: its SIGTERM summary is what it served.
      const served = servedCounts(await upstream.stop());
      runs.push({ tool: tool.key, connections: c, calls: run.result.calls, toolCodes: run.result.codes, served: served.served, servedCodes: served.codes, sockets: run.result.sockets });
      process.stderr.write(`[bench] check ${tool.key} -c ${c}: ${codesText(run.result.codes)} (upstream served ${served.served}: ${codesText(served.codes)})\n`);
    }
  }
  return runs;
}

async function startTarget(key: string, cpu: string | undefined, workDir: string): Promise<Target> {
  if (key === 'upstream') return startRicochetUpstream(cpu, 1);
  if (key === 'node') return startTinyServer(cpu);
  if (key === 'nginx') {
    const bin = arg('--nginx', path.join(REPO, '.cache', 'nginx', 'usr', 'sbin', 'nginx'));
    if (fs.existsSync(bin)) return startNginx(bin, workDir, cpu);
    process.stderr.write(`[bench] no nginx at ${bin}: using the tiny node:http server as the fast target\n`);
    return startTinyServer(cpu);
  }
  throw new Error(`--targets: unknown target ${key} (upstream, nginx, node)`);
}

interface FixedRateShape {
  qps: number;
  connections: number;
  tools: LoadTool[];
}

async function speed(tools: LoadTool[], targetKeys: string[], connections: number[], rounds: number, durationMs: number, quietWaitMs: number, fixed: FixedRateShape | undefined, cpu: { tool?: string; server?: string }, workDir: string): Promise<{ runs: SpeedRun[]; fixedRuns: FixedRateRun[]; labels: Record<string, string> }> {
  const runs: SpeedRun[] = [];
  const fixedRuns: FixedRateRun[] = [];
  const labels: Record<string, string> = {};
  for (const key of targetKeys) {
    const target = await startTarget(key, cpu.server, workDir);
    labels[target.key] = target.label;
    try {
      // One short discarded run per tool: page cache, JIT and the server's first connections.
      for (const tool of tools) await runTool(tool, { url: target.url, connections: Math.max(...connections), durationMs: 1000, calls: 0 }, { cpu: cpu.tool, workDir, tag: 'warmup' });
      for (let round = 0; round < rounds; round++) {
        for (const c of connections) {
          const order = tools.map((_, i) => tools[(i + round) % tools.length]);
          for (const tool of order) {
            await waitForQuiet(quietWaitMs);
            const [server0, busy0] = [cpuSeconds(target.process.pid), machineBusySeconds()];
            const run = await runTool(tool, { url: target.url, connections: c, durationMs, calls: 0 }, { cpu: cpu.tool, workDir, tag: `${target.key}-${tool.key}-c${c}-r${round}` });
            const serverS = cpuSeconds(target.process.pid) - server0;
            const otherS = machineBusySeconds() - busy0 - serverS - run.userS - run.sysS;
            const r: SpeedRun = { ...run, tool: tool.key, target: target.key, connections: c, round, serverCpu: serverS / run.wallS, otherCpu: Math.max(0, otherS) / run.wallS };
            runs.push(r);
            process.stderr.write(`[bench] ${target.key} ${tool.key} -c ${c} round ${round + 1}: ${r.result.qps.toFixed(0)} qps, p50 ${r.result.p50Ms.toFixed(3)} ms, p99 ${r.result.p99Ms.toFixed(3)} ms, CPU tool ${pct(toolCpu(r))} target ${pct(r.serverCpu)} other ${pct(r.otherCpu)}\n`);
          }
        }
      }
      if (fixed) fixedRuns.push(...(await fixedRate(fixed.tools, target, fixed.connections, fixed.qps, rounds, durationMs, quietWaitMs, cpu, workDir)));
    } finally {
      await target.stop();
    }
  }
  return { runs, fixedRuns, labels };
}

const toolCpu = (r: ToolRun): number => (r.userS + r.sysS) / r.wallS;
const pct = (share: number): string => `${(100 * share).toFixed(0)} %`;

interface FixedRateRun extends ToolRun {
  tool: string;
  target: string;
  round: number;
  serverCpu: number;
  otherCpu: number;
}

/**
 * Latency at one fixed rate that every tool sustains (`-qps <rate> -c <c>`): at max qps a closed
 * loop's latency is mostly its own queue (about c ÷ qps), so this is where the latencies that the
 * tools report can be compared as measurements.
 */
async function fixedRate(tools: LoadTool[], target: Target, c: number, qps: number, rounds: number, durationMs: number, quietWaitMs: number, cpu: { tool?: string }, workDir: string): Promise<FixedRateRun[]> {
  const runs: FixedRateRun[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const tool of tools.map((_, i) => tools[(i + round) % tools.length])) {
      await waitForQuiet(quietWaitMs);
      const [server0, busy0] = [cpuSeconds(target.process.pid), machineBusySeconds()];
      const run = await runTool(tool, { url: target.url, connections: c, durationMs, calls: 0, qps }, { cpu: cpu.tool, workDir, tag: `${target.key}-${tool.key}-c${c}-qps${qps}-r${round}` });
      const serverS = cpuSeconds(target.process.pid) - server0;
      const otherS = machineBusySeconds() - busy0 - serverS - run.userS - run.sysS;
      const r: FixedRateRun = { ...run, tool: tool.key, target: target.key, round, serverCpu: serverS / run.wallS, otherCpu: Math.max(0, otherS) / run.wallS };
      runs.push(r);
      process.stderr.write(`[bench] ${target.key} ${tool.key} -c ${c} -qps ${qps} round ${round + 1}: ${r.result.qps.toFixed(0)} qps, p50 ${r.result.p50Ms.toFixed(3)} ms, p99 ${r.result.p99Ms.toFixed(3)} ms, CPU tool ${pct(toolCpu(r))} target ${pct(r.serverCpu)} other ${pct(r.otherCpu)}\n`);
    }
  }
  return runs;
}

/** The round with the highest qps: other load on the machine only ever lowers a tool's qps. */
function best(runs: SpeedRun[]): SpeedRun {
  return runs.reduce((a, b) => (b.result.qps > a.result.qps ? b : a));
}

/** The median qps (the lower middle one for an even count). */
function medianQps(runs: SpeedRun[]): number {
  const sorted = runs.map((r) => r.result.qps).sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

const f = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : '–');
const ms = (n: number): string => (Number.isFinite(n) ? (n < 1 ? n.toFixed(3) : n.toFixed(2)) : '–');

function speedTables(runs: SpeedRun[], labels: Record<string, string>, tools: LoadTool[], connections: number[]): string[] {
  const lines: string[] = [];
  for (const [target, label] of Object.entries(labels)) {
    lines.push('', `**Target: ${label}**`, '',
      '| -c | tool | qps (best) | qps median [range] | p50 ms | p99 ms | tool CPU | target CPU | other CPU | sockets |',
      '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const c of connections) {
      const top: Record<string, SpeedRun> = {};
      for (const tool of tools) {
        const mine = runs.filter((r) => r.target === target && r.tool === tool.key && r.connections === c);
        if (mine.length === 0) continue;
        const m = (top[tool.key] = best(mine));
        const qs = mine.map((r) => r.result.qps);
        lines.push(`| ${c} | ${tool.label} | ${f(m.result.qps)} | ${f(medianQps(mine))} [${f(Math.min(...qs))}–${f(Math.max(...qs))}] | ${ms(m.result.p50Ms)} | ${ms(m.result.p99Ms)} | ${pct(toolCpu(m))} | ${pct(m.serverCpu)} | ${pct(m.otherCpu)} | ${f(m.result.sockets)} |`);
      }
      const [fo, ri, floor] = [top.fortio, top.ricochet, top.floor];
      if (fo && ri) {
        lines.push(`| ${c} | **ricochet ÷ fortio** | **${f(ri.result.qps / fo.result.qps, 2)}×** | | ${f(ri.result.p50Ms / fo.result.p50Ms, 2)}× | ${f(ri.result.p99Ms / fo.result.p99Ms, 2)}× | | | | |`);
      }
      if (floor && ri) lines.push(`| ${c} | ricochet ÷ node:http floor | ${f(ri.result.qps / floor.result.qps, 2)}× | | | | | | | |`);
    }
  }
  return lines;
}

/** Per target, each tool's median round by p99 at the fixed rate. */
function fixedRateTable(runs: FixedRateRun[], labels: Record<string, string>, tools: LoadTool[]): string[] {
  const lines = ['| target | tool | qps achieved | p50 ms | p99 ms | p99 range | tool CPU | target CPU | other CPU |', '|---|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const [target, label] of Object.entries(labels)) {
    const mid: Record<string, FixedRateRun> = {};
    for (const tool of tools) {
      const mine = runs.filter((r) => r.target === target && r.tool === tool.key).sort((a, b) => a.result.p99Ms - b.result.p99Ms);
      if (mine.length === 0) continue;
      const m = (mid[tool.key] = mine[Math.floor((mine.length - 1) / 2)]);
      lines.push(`| ${label} | ${tool.label} | ${f(m.result.qps)} | ${ms(m.result.p50Ms)} | ${ms(m.result.p99Ms)} | ${ms(mine[0].result.p99Ms)}–${ms(mine[mine.length - 1].result.p99Ms)} | ${pct(toolCpu(m))} | ${pct(m.serverCpu)} | ${pct(m.otherCpu)} |`);
    }
    const [fo, ri] = [mid.fortio, mid.ricochet];
    if (fo && ri) lines.push(`| ${label} | **ricochet ÷ fortio** | | ${f(ri.result.p50Ms / fo.result.p50Ms, 2)}× | ${f(ri.result.p99Ms / fo.result.p99Ms, 2)}× | | ${f(toolCpu(ri) / toolCpu(fo), 2)}× | | |`);
  }
  return lines;
}

function checkTable(runs: CheckRun[], tools: LoadTool[]): { lines: string[]; ok: boolean } {
  let ok = true;
  const lines = ['', '| -c | tool | calls reported | codes reported | upstream served | codes served | match | sockets |', '|---:|---|---:|---|---:|---|---|---:|'];
  for (const r of runs) {
    const first = runs.find((x) => x.connections === r.connections);
    const match = sameCodes(r.toolCodes, r.servedCodes) && r.served === r.calls && first !== undefined && sameCodes(r.toolCodes, first.toolCodes);
    ok &&= match;
    const label = tools.find((t) => t.key === r.tool)?.label ?? r.tool;
    lines.push(`| ${r.connections} | ${label} | ${r.calls} | ${codesText(r.toolCodes)} | ${r.served} | ${codesText(r.servedCodes)} | ${match ? 'yes' : '**NO**'} | ${f(r.sockets)} |`);
  }
  return { lines, ok };
}

async function main(): Promise<void> {
  const fortioBin = arg('--fortio', path.join(REPO, '.cache', 'fortio', 'bin', 'fortio'));
  if (!fs.existsSync(fortioBin)) throw new Error(`no fortio at ${fortioBin}: run bash bench/load.sh (it installs it) or pass --fortio`);
  const fortioVersion = execFileSync(fortioBin, ['version'], { encoding: 'utf8' }).trim().split(/\s+/)[0];
  const tools = [fortioTool(fortioBin, fortioVersion), ricochetTool(), ...(flag('--no-floor') ? [] : [floorTool()])];
  const connections = arg('--connections', '1,8,32').split(',').map(Number);
  const rounds = Number(arg('--rounds', '3'));
  const durationMs = Number(arg('--duration-ms', '5000'));
  const checkCalls = Number(arg('--check-calls', '2000'));
  const targetKeys = arg('--targets', 'upstream,nginx').split(',');
  const pin = !flag('--no-pin') && os.cpus().length >= 2;
  const cpu = pin ? { tool: TOOL_CPU, server: SERVER_CPU } : {};
  const workDir = path.join(REPO, 'bench', '.out', 'load');
  fs.mkdirSync(workDir, { recursive: true });

  const checks = await correctness(tools, connections, checkCalls, cpu, workDir);
  const fixedQps = Number(arg('--fixed-qps', '1000'));
  const fixed = fixedQps > 0 ? { qps: fixedQps, connections: Number(arg('--fixed-connections', '8')), tools: tools.filter((t) => t.key !== 'floor') } : undefined;
  const { runs, fixedRuns, labels } = await speed(tools, targetKeys, connections, rounds, durationMs, Number(arg('--quiet-wait-ms', '20000')), fixed, cpu, workDir);

  const check = checkTable(checks, tools);
  const out = [
    `ricochet load vs ${tools[0].label}: ${os.cpus().length} × ${cpuModel()}, Node ${process.version}, ${new Date().toISOString()}`,
    pin ? `Pinned: every load generator on CPU ${TOOL_CPU}, every target on CPU ${SERVER_CPU} (taskset -c).` : 'Not pinned: tools and target share all cores.',
    '',
    `Correctness: -n ${checkCalls} -qps 0 against a fresh \`ricochet upstream --seed 1\`, GET /echo?status=503:10: ${check.ok ? 'every tool reported exactly what the upstream served, and all tools the same' : '**MISMATCH**'}.`,
    ...check.lines,
    '',
    `Speed: -qps 0 (max), ${durationMs / 1000} s per run, ${rounds} round(s). Each row is the tool's best round by qps (latency and CPU from that round), then the median and range of all rounds; ratios compare best rounds. CPU as a share of one core over the tool's wall time: tool = its user + sys (Node's start-up included), target = the server process, other = the rest of the machine's busy time (other processes, unattributed softirq).`,
    ...speedTables(runs, labels, tools, connections),
    ...(fixed ? ['', `Latency at a fixed rate: -qps ${fixed.qps} -c ${fixed.connections}, ${durationMs / 1000} s, ${rounds} round(s); each tool's median round by p99, with the p99 range.`, '', ...fixedRateTable(fixedRuns, labels, fixed.tools)] : []),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  const json = arg('--json', '');
  if (json) fs.writeFileSync(json, JSON.stringify({ checks, runs, fixedRuns, labels, pin, durationMs, rounds }, null, 2));
  if (!check.ok) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
