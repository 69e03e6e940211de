/**
 * The load generators `bench/load.ts` compares, each run as its own process with the same shape
 * (`-c N -qps Q`, then `-t` or `-n`), each writing a JSON result that is read back into one
 * common shape. Every run goes through bash's `time`, so its user and system CPU are the
 * tool's own rusage (children included), not a sample of /proc.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RunShape {
  url: string;
  connections: number;
  /** Run for this long (`-t`) when `calls` is 0. */
  durationMs: number;
  /** Exactly this many calls (`-n`), or 0. */
  calls: number;
  /** `-qps`: 0 = as fast as possible (the default). The floor loop only does 0. */
  qps?: number;
}

/** What every tool reports, in the same units. */
export interface ToolResult {
  calls: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
  /** Status code → count; "-1" for socket errors, as fortio counts them. */
  codes: Record<string, number>;
  /** Connections opened (fortio's "Sockets used"); NaN when the tool does not say. */
  sockets: number;
}

export interface ToolRun {
  result: ToolResult;
  wallS: number;
  userS: number;
  sysS: number;
}

export interface LoadTool {
  /** Short key: fortio, ricochet, floor. */
  key: string;
  /** What the tables call it. */
  label: string;
  /** argv (without the CPU-pinning prefix) that runs `shape` and writes JSON to `jsonFile`. */
  argv(shape: RunShape, jsonFile: string): string[];
  parse(json: unknown): ToolResult;
}

const REPO = path.resolve(__dirname, '..', '..', '..');

/** `-t`/`-n` as both CLIs spell them (Go durations). */
function lengthFlags(shape: RunShape): string[] {
  return shape.calls > 0 ? ['-n', String(shape.calls)] : ['-t', `${shape.durationMs}ms`];
}

/** `fortio load` from the Go module proxy (bench/load.sh installs it). */
export function fortioTool(bin: string, version: string): LoadTool {
  return {
    key: 'fortio',
    label: `fortio ${version}`,
    // -r 0.00001: 10 µs histogram resolution (default 1 ms), so sub-millisecond percentiles are
    // not all interpolated inside fortio's first bucket. -allow-initial-errors: a 503 during
    // fortio's warm-up call must not abort the correctness run.
    argv: (s, json) => [bin, 'load', '-qps', String(s.qps ?? 0), '-c', String(s.connections), ...lengthFlags(s), '-r', '0.00001',
      '-allow-initial-errors', '-loglevel', 'Warning', '-json', json, s.url],
    parse: (json) => {
      const d = json as FortioJson;
      const pct = (p: number): number => 1000 * (d.DurationHistogram.Percentiles.find((x) => x.Percentile === p)?.Value ?? NaN);
      return {
        calls: d.DurationHistogram.Count,
        qps: d.ActualQPS,
        p50Ms: pct(50),
        p99Ms: pct(99),
        codes: Object.fromEntries(Object.entries(d.RetCodes).map(([k, v]) => [k, v])),
        sockets: (d.Sockets ?? []).reduce((a, b) => a + b, 0),
      };
    },
  };
}

/** The fields of fortio's `-json` result that are read here. */
interface FortioJson {
  ActualQPS: number;
  RetCodes: Record<string, number>;
  Sockets?: number[];
  DurationHistogram: { Count: number; Percentiles: Array<{ Percentile: number; Value: number }> };
}

/** `ricochet load` exactly as a user runs it: `node bin/ricochet.js load ...`. */
export function ricochetTool(): LoadTool {
  return {
    key: 'ricochet',
    label: 'ricochet load',
    argv: (s, json) => [process.execPath, path.join(REPO, 'bin', 'ricochet.js'), 'load', '-qps', String(s.qps ?? 0), '-c', String(s.connections),
      ...lengthFlags(s), '-json', json, s.url],
    parse: (json) => {
      const r = json as RicochetJson;
      const pct = (p: number): number => r.latency.percentiles.find((x) => x.percentile === p)?.ms ?? NaN;
      return {
        calls: r.calls,
        qps: r.actualQps,
        p50Ms: pct(50),
        p99Ms: pct(99),
        codes: Object.fromEntries(r.codes.map((c) => [String(c.code), c.count])),
        sockets: r.socketsUsed,
      };
    },
  };
}

/** The fields of `ricochet load -json` that are read here (src/load/types.ts LoadResult). */
interface RicochetJson {
  calls: number;
  actualQps: number;
  socketsUsed: number;
  codes: Array<{ code: number; count: number }>;
  latency: { percentiles: Array<{ percentile: number; ms: number }> };
}

/** The bare node:http loop (nodeFloor.ts): what any load generator built on node:http can reach. */
export function floorTool(): LoadTool {
  return {
    key: 'floor',
    label: 'bare node:http loop',
    argv: (s, json) => {
      if ((s.qps ?? 0) > 0) throw new Error('the node:http floor loop has no -qps: it only runs flat out');
      return [process.execPath, path.join(__dirname, 'nodeFloor.js'), '--url', s.url, '--connections', String(s.connections),
        '--duration-ms', String(s.durationMs), '--calls', String(s.calls), '--json', json];
    },
    parse: (json) => json as ToolResult,
  };
}

/**
 * Runs `argv` (prefixed with `taskset -c <cpu>` when pinned) under bash's `time`, waits for it,
 * and reads its JSON. Output goes to `logFile`; a non-zero exit is an error naming it.
 */
export async function runTool(tool: LoadTool, shape: RunShape, opts: { cpu?: string; workDir: string; tag: string }): Promise<ToolRun> {
  const json = path.join(opts.workDir, `${opts.tag}.json`);
  const log = path.join(opts.workDir, `${opts.tag}.log`);
  fs.rmSync(json, { force: true });
  const argv = [...(opts.cpu !== undefined ? ['taskset', '-c', opts.cpu] : []), ...tool.argv(shape, json)];
  const script = 'TIMEFORMAT="__time %3R %3U %3S"; log="$1"; shift; time "$@" >"$log" 2>&1';
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', ['-c', script, 'bash', log, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(err) : reject(new Error(`${tool.label} exited ${code}: ${argv.join(' ')}\n${readTail(log)}`))));
  });
  const t = /__time (\S+) (\S+) (\S+)/.exec(stderr);
  if (!t) throw new Error(`${tool.label}: no timing from bash (${stderr.trim()})`);
  const result = tool.parse(JSON.parse(fs.readFileSync(json, 'utf8')) as unknown);
  return { result, wallS: Number(t[1]), userS: Number(t[2]), sysS: Number(t[3]) };
}

function readTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}
