/**
 * Ricochet's xDS push benchmark (not a test: nothing here runs under `npm test`).
 *
 *   node dist/bench/xds-push.js [--services N] [--streams K[:F[:O]][,…]] [--rounds R]
 *                               [--peer PATH | --no-peer | --peer-only] [--peer-gomaxprocs P]
 *                               [--pin] [--profile] [--json FILE] [--timeout-ms MS] [--out DIR]
 *
 * --streams 100:3:3,1000:1:0 (the default) runs K=100 with 3 full and 3 one-service pushes, then
 * K=1000 with one full push. `bash bench/run.sh` builds everything and runs this with the Go peer.
 *
 * (a) translate time of a synthetic mesh of N services, in this process;
 * (b) snapshot build + encode time for a cold build, a full change, a one-service change and a
 *     no-op rebuild, with the number of resources (re-)encoded;
 * (c) push fan-out: K ADS streams in a forked client process, connected to a server process
 *     (Ricochet's AdsServer, then go-control-plane's SnapshotCache + ordered SotW ADS server via
 *     bench/peer-go), clients ACKing every response. Measured: time from cache.set/SetSnapshot
 *     to every stream holding the new version of every type, server CPU (getrusage), bytes the
 *     server wrote (/proc/PID/io wchar), RSS (/proc/PID/status).
 *
 * Prints a side-by-side table with ratios; BENCHMARKS.md records a run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalJson, contentHash } from '../src/lib/hash';
import { buildSnapshot, ResourceEncoder, type Snapshot } from '../src/xds/cache/snapshot';
import { PUSH_ORDER, TypeUrl, resourceName, resourcesOfType } from '../src/xds/resources';
import { translateMesh } from '../src/xds/translate';
import type { RoundReport } from './lib/clients';
import { ClientsDriver, ServerDriver } from './lib/drivers';
import { fullChange, initialState, meshOf, oneServiceChange, translateOptionsOf, type MeshState } from './lib/mesh';
import { cpuModel, procMemory, procWrittenBytes } from './lib/proc';
import { summarizeProfiles } from './lib/profile';
import type { StatsReply } from './lib/serverProtocol';

interface Options {
  services: number;
  /** K values, each with its number of full pushes and of one-service pushes. */
  streams: Array<{ k: number; full: number; one: number }>;
  rounds: number;
  ours: boolean;
  /** Pin each server to CPU 0 and the client harness to CPU 1. */
  pin: boolean;
  peer?: string;
  peerGomaxprocs?: number;
  profile: boolean;
  json?: string;
  timeoutMs: number;
  outDir: string;
}

const USAGE = `usage: node dist/bench/xds-push.js [--services N] [--streams K[:F[:O]][,...]] [--rounds R]
       [--peer PATH | --no-peer | --peer-only] [--peer-gomaxprocs P] [--pin] [--profile] [--json FILE] [--timeout-ms MS] [--out DIR]`;
const REPO = path.resolve(__dirname, '..', '..');
const SHORT: Record<string, string> = {
  [TypeUrl.Cluster]: 'CDS', [TypeUrl.Endpoint]: 'EDS', [TypeUrl.Listener]: 'LDS', [TypeUrl.Route]: 'RDS',
};

function parseArgs(argv: string[]): Options {
  const defaultPeer = path.join(REPO, 'bench', 'peer-go', 'bin', 'peer-go');
  const o: Options = {
    services: 1000,
    streams: [],
    rounds: 3,
    ours: true,
    pin: false,
    peer: fs.existsSync(defaultPeer) ? defaultPeer : undefined,
    profile: false,
    timeoutMs: 120_000,
    outDir: path.join(REPO, 'bench', '.out'),
  };
  // K=1000 costs go-control-plane ~45 s per push here: one full push keeps the run near 5 minutes.
  let streams = '100,1000:1:0';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--services': o.services = Number(value()); break;
      case '--streams': streams = value(); break;
      case '--rounds': o.rounds = Number(value()); break;
      case '--peer': o.peer = path.resolve(value()); break;
      case '--no-peer': o.peer = undefined; break;
      case '--peer-only': o.ours = false; break;
      case '--peer-gomaxprocs': o.peerGomaxprocs = Number(value()); break;
      case '--profile': o.profile = true; break;
      case '--pin': o.pin = true; break;
      case '--json': o.json = path.resolve(value()); break;
      case '--timeout-ms': o.timeoutMs = Number(value()); break;
      case '--out': o.outDir = path.resolve(value()); break;
      case '-h': case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  o.streams = streams.split(',').map((item) => {
    const [k, full, one] = item.split(':').map(Number);
    return { k, full: full ?? o.rounds, one: one ?? full ?? o.rounds };
  });
  if (!(o.services > 0) || o.streams.some((s) => !(s.k > 0) || !(s.full >= 0) || !(s.one >= 0)) || !(o.rounds > 0)) {
    throw new Error('--services, --streams (K[:FULL_PUSHES[:ONE_SERVICE_PUSHES]], comma-separated) and --rounds must be positive');
  }
  if (!o.ours && !o.peer) throw new Error('--peer-only needs a peer binary');
  return o;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function timeMs<T>(fn: () => T): [T, number] {
  const t = process.hrtime.bigint();
  const out = fn();
  return [out, Number(process.hrtime.bigint() - t) / 1e6];
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// (a) + (b): translate and snapshot build/encode, in this process.

interface EncodeRow { name: string; ms: number; encodes: number; expected: number }
interface PipelineResult {
  translateMs: number;
  resourceCounts: Record<string, number>;
  encodedBytes: Record<string, number>;
  rows: EncodeRow[];
  hashOnlyMs: number;
}

function pipelineBench(n: number, rounds: number): PipelineResult {
  const state0 = initialState(n);
  const mesh0 = meshOf(state0);
  const opts0 = translateOptionsOf(state0);
  for (let i = 0; i < 2; i++) translateMesh(mesh0, opts0);
  const translateMs = median(Array.from({ length: 5 }, () => timeMs(() => translateMesh(mesh0, opts0))[1]));

  const rows: EncodeRow[] = [];
  const encoder = new ResourceEncoder();
  const build = (name: string, state: MeshState, expected: number): Snapshot => {
    const resources = translateMesh(meshOf(state), translateOptionsOf(state));
    const before = encoder.encodes;
    const [snapshot, ms] = timeMs(() => buildSnapshot('bench', resources, encoder));
    encoder.endRound();
    rows.push({ name, ms, encodes: encoder.encodes - before, expected });
    return snapshot;
  };
  const allResources = 2 * n + 3; // N clusters + passthrough, N CLAs, one listener, one route configuration
  const snapshot0 = build('cold build (every resource)', state0, allResources);
  let state = state0;
  for (let r = 0; r < rounds; r++) {
    state = fullChange(state);
    build('full change', state, allResources - 1); // the passthrough cluster never changes
  }
  for (let r = 0; r < rounds; r++) {
    state = oneServiceChange(state, r * 7919);
    build('one-service change', state, 3); // its Cluster, its CLA, the RouteConfiguration
  }
  for (let r = 0; r < rounds; r++) build('no change (rebuild)', state, 0);

  // Change detection alone: canonical JSON + SHA-256 of every resource (what a no-op rebuild pays).
  const resources = translateMesh(mesh0, opts0);
  const hashOnlyMs = median(Array.from({ length: 3 }, () => timeMs(() => {
    for (const t of PUSH_ORDER) for (const json of resourcesOfType(resources, t)) contentHash(`${t}\n${canonicalJson(json)}`);
  })[1]));

  const resourceCounts: Record<string, number> = {};
  const encodedBytes: Record<string, number> = {};
  for (const [t, ts] of snapshot0.types) {
    resourceCounts[SHORT[t]] = ts.resources.size;
    encodedBytes[SHORT[t]] = [...ts.resources.values()].reduce((s, r) => s + r.any.length, 0);
  }
  return { translateMs, resourceCounts, encodedBytes, rows, hashOnlyMs };
}

// ---------------------------------------------------------------------------------------------
// (c): push fan-out against a server process.

interface Step {
  index: number;
  kind: 'initial' | 'full' | 'one-service';
  state: MeshState;
  file: string;
  versions: Record<string, string>;
}

/** The push sequence, with each step's resources written for the Go peer (Any bytes, base64). */
function writeSteps(n: number, full: number, one: number, outDir: string): { steps: Step[]; edsNames: string[]; rdsNames: string[] } {
  fs.mkdirSync(outDir, { recursive: true });
  const encoder = new ResourceEncoder();
  const states: Array<[Step['kind'], MeshState]> = [['initial', initialState(n)]];
  for (let r = 0; r < full; r++) states.push(['full', fullChange(states[states.length - 1][1])]);
  for (let r = 0; r < one; r++) states.push(['one-service', oneServiceChange(states[states.length - 1][1], r * 7919 + 1)]);
  let edsNames: string[] = [];
  let rdsNames: string[] = [];
  const steps = states.map(([kind, state], index): Step => {
    const resources = translateMesh(meshOf(state), translateOptionsOf(state));
    const snapshot = buildSnapshot('bench', resources, encoder);
    encoder.endRound();
    const versions: Record<string, string> = {};
    const encoded: Record<string, string[]> = {};
    for (const [t, ts] of snapshot.types) {
      versions[t] = ts.version;
      encoded[t] = [...ts.resources.values()].map((r) => Buffer.from(r.any).toString('base64'));
    }
    if (index === 0) {
      edsNames = resourcesOfType(resources, TypeUrl.Endpoint).map((j) => resourceName(TypeUrl.Endpoint, j));
      rdsNames = resourcesOfType(resources, TypeUrl.Route).map((j) => resourceName(TypeUrl.Route, j));
    }
    const file = path.join(outDir, `step-${n}-f${full}-o${one}-${index}.json`);
    fs.writeFileSync(file, JSON.stringify({ versions, resources: encoded }));
    return { index, kind, state, file, versions };
  });
  return { steps, edsNames, rdsNames };
}

interface PushRow {
  kind: Step['kind'];
  /** cache.set → last stream holds every expected version (ms); for `initial`, connect → synced. */
  latencyMs: number;
  p50Ms: number;
  firstMs: number;
  setMs: number;
  serverCpuMs: number;
  serverWrittenBytes: number;
  clientBytes: number;
  responses: number;
  clientCpuMs: number;
  rssKb: number;
  timedOut: boolean;
  typesChanged: string[];
  metrics: Record<string, number>;
}

interface ServerRun {
  server: string;
  streams: number;
  rows: PushRow[];
  peakRssKb: number;
  idleRssKb: number;
  prepare: Array<Record<string, unknown>>;
  error?: string;
}

const cpuUs = (s: StatsReply): number => s.cpuUserUs + s.cpuSysUs;

/** Waits until the server's CPU stops moving (its ACK processing and GC are done). */
async function settle(server: ServerDriver): Promise<StatsReply> {
  let last = await server.stats();
  let quiet = 0;
  const deadline = Date.now() + 10_000;
  while (quiet < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await server.stats();
    quiet = cpuUs(now) - cpuUs(last) < 3000 ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

const diffMetrics = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - (a[k] ?? 0)]));

async function runServer(
  name: string, start: () => Promise<ServerDriver>, k: number,
  plan: ReturnType<typeof writeSteps>, o: Options,
): Promise<ServerRun> {
  const run: ServerRun = { server: name, streams: k, rows: [], peakRssKb: NaN, idleRssKb: NaN, prepare: [] };
  const server = await start();
  const clients = ClientsDriver.start(path.join(__dirname, 'lib', 'clients.js'), o.pin ? 1 : undefined);
  try {
    const prepare = async (step: Step): Promise<void> => {
      const reply = await server.prepare({ cmd: 'prepare', step: step.index, state: step.state, file: step.file });
      for (const [t, v] of Object.entries(step.versions)) {
        if (reply.versions[t] !== v) throw new Error(`${name}: step ${step.index} ${SHORT[t]} version ${reply.versions[t]} ≠ ${v}`);
      }
      const { ok: _ok, versions: _v, ...rest } = reply;
      run.prepare.push({ step: step.index, ...rest });
    };
    const [step0, ...pushes] = plan.steps;
    await prepare(step0);
    await server.push(`K${k}-0-initial`);
    run.idleRssKb = procMemory(server.pid).rssKb;
    let before = await settle(server);
    let written = procWrittenBytes(server.pid);
    log(`${name} K=${k}: connecting`);
    clients.send({ cmd: 'connect', port: server.port, streams: k, edsNames: plan.edsNames, rdsNames: plan.rdsNames, expect: step0.versions, timeoutMs: o.timeoutMs });
    const synced = await clients.next('synced');
    let after = await settle(server);
    const startedAt = BigInt(synced.startedAt);
    const row = (kind: Step['kind'], ev: RoundReport, t0: bigint, setMs: number, typesChanged: string[]): PushRow => ({
      kind,
      latencyMs: Number(BigInt(ev.doneAt) - t0) / 1e6,
      p50Ms: Number(BigInt(ev.p50DoneAt) - t0) / 1e6,
      firstMs: Number(BigInt(ev.firstDoneAt) - t0) / 1e6,
      setMs,
      serverCpuMs: (cpuUs(after) - cpuUs(before)) / 1000,
      serverWrittenBytes: procWrittenBytes(server.pid) - written,
      clientBytes: ev.bytes,
      responses: ev.responses,
      clientCpuMs: ev.clientCpuUs / 1000,
      rssKb: procMemory(server.pid).rssKb,
      timedOut: ev.timedOut,
      typesChanged,
      metrics: diffMetrics(before.metrics, after.metrics),
    });
    run.rows.push(row('initial', synced, startedAt, 0, Object.keys(step0.versions).map((t) => SHORT[t])));
    if (synced.timedOut) throw new Error(`${name} K=${k}: initial sync timed out (${synced.pendingStreams} streams pending)`);
    let previous = step0;
    for (const step of pushes) {
      await prepare(step);
      before = await settle(server);
      written = procWrittenBytes(server.pid);
      clients.send({ cmd: 'expect', expect: step.versions, timeoutMs: o.timeoutMs });
      await clients.next('armed');
      const pushed = await server.push(`K${k}-${step.index}-${step.kind}`);
      const done = await clients.next('done');
      after = await settle(server);
      const changed = Object.keys(step.versions).filter((t) => step.versions[t] !== previous.versions[t]).map((t) => SHORT[t]);
      run.rows.push(row(step.kind, done, BigInt(pushed.t0), pushed.setMs, changed));
      log(`${name} K=${k}: ${step.kind} push ${run.rows[run.rows.length - 1].latencyMs.toFixed(1)} ms`);
      if (done.timedOut) throw new Error(`${name} K=${k}: push ${step.index} timed out (${done.pendingStreams} streams pending)`);
      previous = step;
    }
    run.peakRssKb = procMemory(server.pid).hwmKb;
  } catch (err) {
    run.error = (err as Error).message;
    log(`${name} K=${k}: ${run.error}`);
  } finally {
    await clients.stop();
    await server.stop();
  }
  return run;
}

// ---------------------------------------------------------------------------------------------
// Report.

const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const mb = (bytes: number): string => fmt(bytes / 1e6, 1);

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(headers), `|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`, ...rows.map(line)].join('\n');
}

function summarize(run: ServerRun, kind: Step['kind']): PushRow | undefined {
  const rows = run.rows.filter((r) => r.kind === kind);
  if (rows.length === 0) return undefined;
  const m = (f: (r: PushRow) => number): number => median(rows.map(f));
  return {
    kind,
    latencyMs: m((r) => r.latencyMs), p50Ms: m((r) => r.p50Ms), firstMs: m((r) => r.firstMs), setMs: m((r) => r.setMs),
    serverCpuMs: m((r) => r.serverCpuMs), serverWrittenBytes: m((r) => r.serverWrittenBytes), clientBytes: m((r) => r.clientBytes),
    responses: m((r) => r.responses), clientCpuMs: m((r) => r.clientCpuMs), rssKb: Math.max(...rows.map((r) => r.rssKb)),
    timedOut: rows.some((r) => r.timedOut), typesChanged: rows[0].typesChanged,
    metrics: Object.fromEntries(Object.keys(rows[0].metrics).map((k) => [k, m((r) => r.metrics[k])])),
  };
}

function pushTable(streams: number, ours: ServerRun | undefined, peer: ServerRun | undefined): string {
  const both = ours !== undefined && peer !== undefined;
  const headers = ['', ...(ours ? ['Ricochet'] : []), ...(peer ? ['go-control-plane'] : []), ...(both ? ['peer ÷ Ricochet'] : [])];
  const rows: string[][] = [];
  const add = (label: string, a: number | undefined, b: number | undefined, unit: (x: number) => string = (x) => fmt(x)): void => {
    const cells = [label];
    if (ours) cells.push(a === undefined ? 'n/a' : unit(a));
    if (peer) cells.push(b === undefined ? 'n/a' : unit(b));
    if (both) cells.push(a === undefined || b === undefined || !(a > 0) ? 'n/a' : `${fmt(b / a, 2)}×`);
    rows.push(cells);
  };
  for (const kind of ['initial', 'full', 'one-service'] as const) {
    const a = ours ? summarize(ours, kind) : undefined;
    const b = peer ? summarize(peer, kind) : undefined;
    const any = a ?? b;
    if (!any) continue;
    const what = kind === 'initial' ? `initial sync (connect → all ${streams} synced)`
      : kind === 'full' ? `full push [${any.typesChanged.join('+')}]` : `one-service push [${any.typesChanged.join('+')}]`;
    add(`${what}: last stream, ms`, a?.latencyMs, b?.latencyMs);
    add(`${what}: median stream, ms`, a?.p50Ms, b?.p50Ms);
    add(`${what}: first stream, ms`, a?.firstMs, b?.firstMs);
    if (kind !== 'initial') add(`${what}: cache.set / SetSnapshot call, ms`, a?.setMs, b?.setMs);
    add(`${what}: server CPU, ms`, a?.serverCpuMs, b?.serverCpuMs);
    add(`${what}: server bytes written, MB`, a?.serverWrittenBytes, b?.serverWrittenBytes, mb);
    add(`${what}: gRPC payload received, MB`, a?.clientBytes, b?.clientBytes, mb);
    add(`${what}: client-process CPU, ms`, a?.clientCpuMs, b?.clientCpuMs);
    add(`${what}: server RSS after, MB`, a ? a.rssKb * 1024 : undefined, b ? b.rssKb * 1024 : undefined, mb);
  }
  add('server peak RSS (VmHWM), MB', ours ? ours.peakRssKb * 1024 : undefined, peer ? peer.peakRssKb * 1024 : undefined, mb);
  return table(headers, rows);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const cpus = os.cpus().length;
  log(`machine: ${cpus} cores (${cpuModel()}), ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}`);
  log(`(a)+(b) translate and snapshot encode, N=${o.services}`);
  const pipeline = pipelineBench(o.services, Math.max(5, o.rounds));
  const plans = new Map<string, ReturnType<typeof writeSteps>>();
  const planFor = (full: number, one: number): ReturnType<typeof writeSteps> => {
    let plan = plans.get(`${full}:${one}`);
    if (!plan) {
      plan = writeSteps(o.services, full, one, o.outDir);
      plans.set(`${full}:${one}`, plan);
    }
    return plan;
  };

  const profDir = path.join(o.outDir, 'prof');
  if (o.profile) fs.rmSync(profDir, { recursive: true, force: true });
  const startOurs = (): Promise<ServerDriver> => ServerDriver.start(process.execPath, [
    '--max-old-space-size=8192',
    path.join(__dirname, 'lib', 'ricochetServer.js'),
  ], { ...process.env, ...(o.profile ? { BENCH_PROFILE_DIR: profDir } : {}) }, o.pin ? 0 : undefined);
  const startPeer = o.peer ? (): Promise<ServerDriver> => ServerDriver.start(o.peer as string, [], {
    ...process.env, ...(o.peerGomaxprocs ? { GOMAXPROCS: String(o.peerGomaxprocs) } : {}),
  }, o.pin ? 0 : undefined) : undefined;

  const runs: Array<{ streams: number; ours?: ServerRun; peer?: ServerRun }> = [];
  for (const { k, full, one } of o.streams) {
    log(`(c) push fan-out, N=${o.services}, K=${k}: ${full} full and ${one} one-service push(es)`);
    const plan = planFor(full, one);
    const ours = o.ours ? await runServer('ricochet', startOurs, k, plan, o) : undefined;
    const peer = startPeer ? await runServer('go-control-plane', startPeer, k, plan, o) : undefined;
    runs.push({ streams: k, ours, peer });
  }

  // ----- print
  const out: string[] = [];
  out.push(`# xds-push: N=${o.services} services; ${o.streams.map((s) => `K=${s.k} (${s.full} full + ${s.one} one-service pushes)`).join(', ')}; medians`);
  out.push(`machine: ${cpus} cores, ${cpuModel()}, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}${o.peer ? `; peer ${path.relative(process.cwd(), o.peer)}${o.peerGomaxprocs ? ` GOMAXPROCS=${o.peerGomaxprocs}` : ''}` : ''}${o.pin ? '; servers pinned to CPU 0, clients to CPU 1' : '; no CPU pinning (servers and clients share both cores)'}`);
  out.push('');
  out.push(`## (a) translate: ${fmt(pipeline.translateMs)} ms for ${o.services} services (translateMesh, median of 5)`);
  out.push(`resources: ${Object.entries(pipeline.resourceCounts).map(([t, c]) => `${t} ${c} (${fmt(pipeline.encodedBytes[t] / 1024, 0)} KiB)`).join(', ')}`);
  out.push('');
  out.push('## (b) snapshot build + encode (ResourceEncoder, buildSnapshot; translate excluded)');
  const byName = new Map<string, EncodeRow[]>();
  for (const r of pipeline.rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  out.push(table(['build', 'ms (median)', 'resources encoded', 'expected', 'ok'], [...byName].map(([name, rs]) => [
    name, fmt(median(rs.map((r) => r.ms))), rs.map((r) => r.encodes).join('/'), String(rs[0].expected),
    rs.every((r) => r.encodes === r.expected) ? 'yes' : 'NO',
  ])));
  out.push(`change detection alone (canonical JSON + SHA-256 of every resource, no encode): ${fmt(pipeline.hashOnlyMs)} ms`);
  const peerPrepare = runs.find((r) => r.peer)?.peer?.prepare.find((p) => typeof p.marshalAllMs === 'number');
  if (peerPrepare) {
    out.push(`go-control-plane: one deterministic marshal of the whole snapshot (what its SnapshotCache pays per response, i.e. per stream per push): ${fmt(peerPrepare.marshalAllMs as number)} ms;`
      + ` Go re-marshals Ricochet's ${fmt((peerPrepare.ricochetBytes as number) / 1024, 0)} KiB of resource bytes into ${fmt((peerPrepare.marshalledBytes as number) / 1024, 0)} KiB`);
  }
  for (const r of runs) {
    out.push('');
    out.push(`## (c) push fan-out, K=${r.streams} streams, N=${o.services}`);
    for (const run of [r.ours, r.peer]) if (run?.error) out.push(`!! ${run.server}: ${run.error}`);
    out.push(pushTable(r.streams, r.ours, r.peer));
    const full = r.ours ? summarize(r.ours, 'full') : undefined;
    if (full) out.push(`Ricochet frames per full push: encoded ${full.metrics.framesEncoded}, reused ${full.metrics.framesReused}, responses ${full.metrics.responsesSent}`);
  }
  if (o.profile && o.ours) {
    for (const { k } of o.streams) {
      for (const kind of ['initial', 'full', 'one-service']) {
        out.push('');
        out.push(`## Ricochet server CPU profile, K=${k}, ${kind} push(es): self time from cache.set until the next command`);
        out.push(summarizeProfiles(profDir, 20, (f) => f.startsWith(`K${k}-`) && f.endsWith(`-${kind}.cpuprofile`)));
      }
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ options: o, machine: { cpus, model: cpuModel(), node: process.version }, pipeline, runs }, null, 2));
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
