/**
 * Runs scenarios against one proxy (Envoy or Ricochet's data plane) and compares what happened
 * with the scenario's expectations. Nothing here knows which proxy it talks to: both are driven
 * through the same EnvoyProcess-shaped handle, the same listener ports of their own bootstrap,
 * and the same scripted upstreams.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { startUpstream, ScriptBook, type Upstream } from '../../../src/upstream';
import { parseStats, startEnvoy, type EnvoyProcess } from '../../support/envoy';
import { startDataplane } from '../../support/dataplane';
import { freePort, sleep, spawnProcess } from '../../support/processes';
import { writeBootstrap, type GroupDef, type GroupPorts } from './bootstrap';
import { startFixedUpstream, type FixedUpstream } from './fixedUpstream';
import { RETRY_COUNTERS, inRange, showRange, type ClientResult, type Observation, type Range, type Scenario, type ScenarioRequest } from './model';

export type Plane = 'envoy' | 'dataplane';

export const PLANE_TITLE: Record<Plane, string> = { envoy: 'envoy', dataplane: 'ricochet dataplane' };

interface PlaneProxy {
  proxy: EnvoyProcess;
  ports: GroupPorts;
  config: string;
  /** Scenarios left out of this plane's bootstrap because the proxy rejected their config: id → the proxy's words. */
  rejected: Map<string, string>;
}

/**
 * The scenarios whose config a start-up error names by path: `...virtual_hosts[N]...` (the N-th
 * HTTP scenario of the bootstrap) or `static_resources.listeners[K]` with K ≥ 1 (the K-th tcp one).
 */
export function scenariosNamedIn(message: string, active: readonly Scenario[]): Scenario[] {
  const http = active.filter((s) => !s.tcp);
  const tcp = active.filter((s) => s.tcp);
  const out = new Set<Scenario>();
  for (const m of message.matchAll(/listeners\[0\]\S*?virtual_hosts\[(\d+)\]/g)) {
    const s = http[Number(m[1])];
    if (s) out.add(s);
  }
  for (const m of message.matchAll(/static_resources\.listeners\[(\d+)\]/g)) {
    const k = Number(m[1]);
    if (k >= 1 && tcp[k - 1]) out.add(tcp[k - 1]);
  }
  return [...out];
}

/** One config group: its upstreams (shared by both planes) and, started on first use, one proxy per plane. */
export class GroupEnv {
  readonly book = new ScriptBook();
  private upstreams = new Map<string, Upstream>();
  private blackholes = new Map<string, Blackhole>();
  private fixed = new Map<string, FixedUpstream>();
  private deadPort = 0;
  private proxies = new Map<Plane, Promise<PlaneProxy>>();
  private runs = 0;

  constructor(readonly group: GroupDef, readonly scenarios: readonly Scenario[]) {}

  async startUpstreams(): Promise<void> {
    for (const u of this.group.upstreams) {
      if (u.blackhole) this.blackholes.set(u.name, await startBlackhole());
      else if (u.fixed !== undefined) this.fixed.set(u.name, await startFixedUpstream(u.fixed, this.book));
      else this.upstreams.set(u.name, await startUpstream({ http2: u.http2, scripts: this.book, seed: 1 }));
    }
    this.deadPort = await freePort(); // handed out once, never listened on
  }

  /** The plane's proxy, started on first call; a failed start is remembered (every test of the plane then fails with it). */
  proxy(plane: Plane): Promise<PlaneProxy> {
    let p = this.proxies.get(plane);
    if (!p) {
      p = this.start(plane);
      p.catch(() => undefined); // observed by the tests that await it
      this.proxies.set(plane, p);
    }
    return p;
  }

  /** Upstream name → port, every kind ('dead' included). */
  endpointPorts(): Map<string, number> {
    const endpoints = new Map<string, number>([['dead', this.deadPort]]);
    for (const [name, u] of this.upstreams) endpoints.set(name, u.port);
    for (const [name, b] of this.blackholes) endpoints.set(name, b.port);
    for (const [name, f] of this.fixed) endpoints.set(name, f.port);
    return endpoints;
  }

  /** Connections accepted so far by each `fixed` upstream. */
  fixedConnections(): Map<string, number> {
    return new Map([...this.fixed].map(([name, f]) => [name, f.connections]));
  }

  private async start(plane: Plane): Promise<PlaneProxy> {
    const endpoints = this.endpointPorts();
    // The data plane rejects a bootstrap with a field it does not implement where ignoring it would
    // change behaviour, naming the field by path. One scenario's exotic route must not take the
    // whole group down: the scenarios whose virtual host (or tcp listener) is named are set aside,
    // each failing with the rejection, and the rest start on the same bootstrap without them.
    let active = [...this.scenarios];
    const rejected = new Map<string, string>();
    for (;;) {
      const tcp = new Map<string, number>();
      for (const s of active) if (s.tcp) tcp.set(s.id, await freePort());
      const ports: GroupPorts = { admin: await freePort(), http: await freePort(), tcp, endpoints };
      const config = writeBootstrap(this.group, active, ports);
      try {
        const proxy = plane === 'envoy'
          ? await startEnvoy({ config, adminPort: ports.admin, args: ['--file-flush-interval-msec', '10'] })
          : await startDataplane({ config, adminPort: ports.admin });
        return { proxy, ports, config, rejected };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const blamed = plane === 'dataplane' ? scenariosNamedIn(message, active) : [];
        if (blamed.length === 0) throw err;
        const reason = message.split('\n').find((l) => /rejected|not implement/.test(l))?.trim() ?? message.split('\n')[0];
        for (const s of blamed) rejected.set(s.id, reason);
        active = active.filter((s) => !blamed.includes(s));
      }
    }
  }

  /** A fresh id prefix for one run of a scenario on a plane. */
  nextRunId(plane: Plane, s: Scenario): string {
    return `${plane}.${s.id}.${++this.runs}`;
  }

  async close(): Promise<void> {
    for (const p of this.proxies.values()) {
      try {
        await (await p).proxy.stop();
      } catch {
        /* a proxy that never started */
      }
    }
    for (const u of this.upstreams.values()) await u.close();
    for (const b of this.blackholes.values()) await b.close();
    for (const f of this.fixed.values()) await f.close();
  }
}

interface Blackhole {
  port: number;
  close(): Promise<void>;
}

/**
 * A port where TCP connects hang (so a proxy's cluster connect_timeout fires): a child process
 * listens with a backlog of 1 and then blocks its event loop for good, so nothing is ever
 * accepted; our own connections fill the accept queue (however many the kernel allows) and from
 * then on the kernel drops every SYN.
 */
async function startBlackhole(): Promise<Blackhole> {
  const script = "const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>{" +
    "process.stdout.write(s.address().port+'\\n');Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0);});";
  const proc = spawnProcess(process.execPath, ['-e', script], { name: 'blackhole' });
  const m = await proc.waitForOutput(/^(\d+)\n/, 10_000);
  const port = Number(m[1]);
  const fillers: net.Socket[] = [];
  for (let i = 0; ; i++) {
    if (i >= 16) throw new Error(`blackhole :${port}: still accepting connections after ${i} fillers`);
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', () => undefined);
    fillers.push(sock);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      sock.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) break; // the queue is full: this SYN is being dropped
  }
  return {
    port,
    async close() {
      for (const f of fillers) f.destroy();
      await proc.kill(0);
    },
  };
}


// ------------------------------------------------------------------------------------------ running

const STATS_FILTER = /^(cluster|tcp|http|listener|vhost)\./;

async function readCounters(proxy: EnvoyProcess): Promise<Map<string, number>> {
  // ?filter= keeps Envoy's answer small; the client-side filter makes it exact either way.
  return parseStats(await proxy.admin(`/stats?filter=${encodeURIComponent('^(cluster|tcp|http|listener|vhost)\\.')}`), STATS_FILTER);
}

function delta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) out.set(k, v - (before.get(k) ?? 0));
  for (const [k, v] of before) if (!after.has(k)) out.set(k, -v);
  return out;
}

export function statName(s: Scenario, name: string): string {
  return /^(cluster|tcp|http|listener|vhost)\./.test(name) ? name : `cluster.${s.cluster ?? 'backend'}.${name}`;
}

/** Every counter the scenario constrains, with its expected range (unlisted retry counters: 0). */
export function expectedStats(s: Scenario): Map<string, Range> {
  const out = new Map<string, Range>();
  if (s.expect.stats) {
    for (const name of RETRY_COUNTERS) out.set(statName(s, name), 0);
    for (const [name, r] of Object.entries(s.expect.stats)) out.set(statName(s, name), r);
  }
  return out;
}

/** The request body as chunks with the pause before each. */
function bodyChunks(req: ScenarioRequest): Array<{ data: Buffer; afterMs: number }> {
  const b = req.body;
  if (b === undefined) return [];
  if (typeof b === 'string') return [{ data: Buffer.from(b), afterMs: 0 }];
  if ('bytes' in b) return [{ data: Buffer.alloc(b.bytes, 'x'), afterMs: 0 }];
  return b.chunks.map((c) => ({ data: Buffer.alloc(c.bytes, 'x'), afterMs: c.afterMs ?? 0 }));
}

function sendHttp(port: number, s: Scenario, req: ScenarioRequest, scenarioId: string): Promise<ClientResult> {
  const chunks = bodyChunks(req);
  const headers: Record<string, string> = {
    host: `${s.id}.test`,
    'x-scenario-id': scenarioId,
    'x-script': req.script,
    ...(req.headers ?? {}),
  };
  if (chunks.length > 0) headers['content-length'] = String(chunks.reduce((n, c) => n + c.data.length, 0));
  const startedAt = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Omit<ClientResult, 'scenarioId' | 'startedAt' | 'durationMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ scenarioId, startedAt, durationMs: performance.now() - startedAt, ...r });
    };
    const cr = http.request(
      { host: '127.0.0.1', port, method: req.method ?? 'GET', path: req.path ?? '/', headers, agent: false, timeout: 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => undefined);
        const finish = () =>
          done({
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)])),
            body: Buffer.concat(chunks).toString('utf8'),
            truncated: !res.complete,
          });
        res.on('end', finish);
        res.on('close', finish);
      },
    );
    cr.on('timeout', () => cr.destroy(new Error('client timeout after 20s')));
    cr.on('error', (err) => done({ status: 0, headers: {}, body: '', truncated: true, error: err.message }));
    void (async () => {
      for (const c of chunks) {
        if (c.afterMs > 0) await sleep(c.afterMs);
        if (cr.destroyed) return;
        cr.write(c.data);
      }
      if (!cr.destroyed) cr.end();
    })();
  });
}

function sendTcp(port: number, s: Scenario, scenarioId: string): Promise<ClientResult> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const sock = net.connect(port, '127.0.0.1');
    sock.setTimeout(10_000, () => sock.destroy(new Error('tcp client timeout after 10s')));
    sock.on('connect', () => {
      sock.write(`GET / HTTP/1.1\r\nhost: ${s.id}.test\r\nx-scenario-id: ${scenarioId}\r\nx-script: ${s.tcp?.script ?? '200'}\r\nconnection: close\r\n\r\n`);
    });
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', (err) => (error = err.message));
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ scenarioId, status: m ? Number(m[1]) : 0, headers: {}, body: text, truncated: false, error, startedAt, durationMs: performance.now() - startedAt });
    });
  });
}

function findLogLine(proxy: EnvoyProcess, scenarioId: string): string | undefined {
  const prefix = `${scenarioId} `;
  const lines = proxy.logs().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line.startsWith(prefix)) return line;
  }
  return undefined;
}

/** Runs one scenario on one plane and returns everything observed. */
export async function runScenario(env: GroupEnv, plane: Plane, s: Scenario): Promise<Observation> {
  const { proxy, ports, rejected } = await env.proxy(plane);
  const rejection = rejected.get(s.id);
  if (rejection) throw new Error(`${PLANE_TITLE[plane]} rejects this scenario's config at start-up (the group's other scenarios run without it): ${rejection}`);
  const runId = env.nextRunId(plane, s);
  const before = await readCounters(proxy);
  const connectionsBefore = env.fixedConnections();
  let responses: ClientResult[];
  let ids: string[];
  if (s.tcp) {
    const port = ports.tcp.get(s.id);
    if (port === undefined) throw new Error(`no tcp listener for ${s.id}`);
    // tcp_proxy access logs carry no request header: the line is keyed by the scenario id itself.
    ids = [s.id];
    responses = [await sendTcp(port, s, `${runId}.0`)];
  } else {
    const reqs = s.requests ?? [];
    ids = reqs.map((_, i) => `${runId}.${i}`);
    if (s.sequential) {
      responses = [];
      for (let i = 0; i < reqs.length; i++) {
        if (i > 0 && s.gapMs) await sleep(s.gapMs);
        responses.push(await sendHttp(ports.http, s, reqs[i], ids[i]));
      }
    } else {
      responses = await Promise.all(reqs.map(async (r, i) => {
        if (r.startAfterMs) await sleep(r.startAfterMs);
        return sendHttp(ports.http, s, r, ids[i]);
      }));
    }
  }
  const upstreamIds = s.tcp ? [`${runId}.0`] : ids;

  // Counters may be charged when streams are torn down, just after the response (§6.3): poll
  // briefly until the expected deltas show up (an unexpected one is caught by the final read).
  const want = expectedStats(s);
  let stats = new Map<string, number>();
  const deadline = Date.now() + 600;
  await sleep(20);
  for (;;) {
    stats = delta(before, await readCounters(proxy));
    const ok = [...want].every(([name, r]) => inRange(stats.get(name) ?? 0, r));
    if (ok || Date.now() > deadline) break;
    await sleep(30);
  }

  // Access-log lines: Envoy flushes its log file every 10 ms here; give either proxy up to 2 s.
  const needLog = s.expect.flags !== undefined || s.expect.proxyAttempts !== undefined;
  const accessLog: Array<string | undefined> = ids.map(() => undefined);
  if (needLog) {
    const logDeadline = Date.now() + 2000;
    for (;;) {
      if (s.tcp) {
        // The newest line for this listener's id (one scenario per tcp listener).
        accessLog[0] = findLogLine(proxy, s.id);
      } else {
        ids.forEach((id, i) => (accessLog[i] = findLogLine(proxy, id)));
      }
      if (accessLog.every((l) => l !== undefined) || Date.now() > logDeadline) break;
      await sleep(25);
    }
  }

  const admin: Record<string, string> = {};
  for (const p of s.readAdmin ?? []) admin[p] = await proxy.admin(p);
  const connections: Record<string, number> = {};
  for (const [name, n] of env.fixedConnections()) connections[name] = n - (connectionsBefore.get(name) ?? 0);
  const endpoints: Record<string, string> = {};
  for (const [name, port] of env.endpointPorts()) endpoints[name] = `127.0.0.1:${port}`;

  return {
    plane,
    responses,
    attempts: upstreamIds.map((id) => [...env.book.attempts(id)]),
    stats,
    accessLog,
    endpoints,
    connections,
    admin,
  };
}

// ------------------------------------------------------------------------------------------ checking

function matches(value: string | undefined, want: string | RegExp): boolean {
  if (value === undefined) return false;
  return typeof want === 'string' ? value === want : want.test(value);
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.length > 300 ? `${v.slice(0, 300)}…` : v) : v instanceof RegExp ? String(v) : JSON.stringify(v);
}

function flagSet(f: string): string {
  return f === '-' || f === '' ? '-' : f.split(',').map((x) => x.trim()).sort().join(',');
}

/** Every way the observation differs from the scenario's expectations (empty = pass). */
export function checkScenario(s: Scenario, obs: Observation): string[] {
  const e = s.expect;
  const problems: string[] = [];
  const rs = obs.responses;

  // client status
  if (typeof e.status === 'number') {
    rs.forEach((r, i) => {
      if (r.status !== e.status) problems.push(`client status${rs.length > 1 ? ` (request ${i + 1})` : ''}: expected ${e.status}, observed ${r.status}${r.error ? ` (${r.error})` : ''} body ${show(r.body)}`);
    });
  } else {
    const got = rs.map((r) => r.status).sort((a, b) => a - b);
    const want = [...e.status].sort((a, b) => a - b);
    if (got.join(',') !== want.join(',')) problems.push(`client statuses: expected [${want}], observed [${got}]`);
  }
  if (e.body !== undefined) {
    rs.forEach((r, i) => {
      if (!matches(r.body, e.body as string | RegExp)) problems.push(`client body${rs.length > 1 ? ` (request ${i + 1})` : ''}: expected ${show(e.body)}, observed ${show(r.body)}`);
    });
  }
  for (const [name, want] of Object.entries(e.headers ?? {})) {
    rs.forEach((r, i) => {
      const got = r.headers[name];
      if (want === null ? got !== undefined : !matches(got, want)) {
        problems.push(`response header ${name}${rs.length > 1 ? ` (request ${i + 1})` : ''}: expected ${want === null ? 'absent' : show(want)}, observed ${got === undefined ? 'absent' : show(got)}`);
      }
    });
  }
  if (e.truncated !== undefined) {
    rs.forEach((r, i) => {
      if (r.truncated !== e.truncated) problems.push(`response ${i + 1} ${e.truncated ? 'should have been cut off mid-body' : 'was cut off'}: observed truncated=${r.truncated} body ${show(r.body)}`);
    });
  }

  // upstream attempts
  const total = obs.attempts.reduce((n, a) => n + a.length, 0);
  if (!inRange(total, e.attempts)) {
    const detail = obs.attempts.map((a) => a.map((x) => `${x.step.text}→${x.result}`).join(' ')).join(' | ');
    problems.push(`upstream attempts: expected ${showRange(e.attempts)}, observed ${total} (${detail || 'none'})`);
  }
  for (const [which, hdrs] of Object.entries(e.upstreamHeaders ?? {})) {
    const attempts = obs.attempts[0] ?? [];
    const targets = which === '*' ? attempts : attempts.filter((a) => a.attempt === Number(which));
    if (which !== '*' && targets.length === 0) problems.push(`upstream attempt ${which}: never arrived`);
    for (const a of targets) {
      for (const [name, want] of Object.entries(hdrs)) {
        const got = a.headers[name];
        if (want === null ? got !== undefined : !matches(got, want)) {
          problems.push(`upstream attempt ${a.attempt} header ${name}: expected ${want === null ? 'absent' : show(want)}, observed ${got === undefined ? 'absent' : show(got)}`);
        }
      }
    }
  }

  // stats
  for (const [name, want] of expectedStats(s)) {
    const got = obs.stats.get(name) ?? 0;
    if (!inRange(got, want)) problems.push(`stat ${name}: expected Δ ${showRange(want)}, observed Δ ${got}`);
  }

  // access log: flags and Envoy's attempt count
  if (e.flags !== undefined || e.proxyAttempts !== undefined) {
    const parsed = obs.accessLog.map((l) => (l ? l.split(/\s+/) : undefined));
    parsed.forEach((p, i) => {
      if (!p) problems.push(`access log line for request ${i + 1}: not found in the proxy's output`);
    });
    if (e.flags !== undefined) {
      const got = parsed.map((p) => (p ? flagSet(p[2] ?? '') : '?'));
      if (typeof e.flags === 'string') {
        got.forEach((g, i) => {
          if (g !== '?' && g !== flagSet(e.flags as string)) problems.push(`response flags${got.length > 1 ? ` (request ${i + 1})` : ''}: expected ${e.flags}, observed ${parsed[i]?.[2]}`);
        });
      } else {
        const want = e.flags.map(flagSet).sort();
        if (!got.includes('?') && got.slice().sort().join(' ') !== want.join(' ')) problems.push(`response flags: expected [${want.join(' ')}], observed [${got.slice().sort().join(' ')}]`);
      }
    }
    if (e.proxyAttempts !== undefined) {
      parsed.forEach((p, i) => {
        if (!p) return;
        const n = Number(p[3]);
        if (!inRange(n, e.proxyAttempts as Range)) problems.push(`%UPSTREAM_REQUEST_ATTEMPT_COUNT%${parsed.length > 1 ? ` (request ${i + 1})` : ''}: expected ${showRange(e.proxyAttempts as Range)}, observed ${p[3]}`);
      });
    }
  }

  // timing
  if (e.durationMs) {
    const [lo, hi] = e.durationMs;
    rs.forEach((r, i) => {
      if (r.durationMs < lo || r.durationMs > hi) problems.push(`duration${rs.length > 1 ? ` (request ${i + 1})` : ''}: expected ${lo}..${hi} ms, observed ${r.durationMs.toFixed(1)} ms`);
    });
  }

  if (e.check) problems.push(...e.check(obs));
  return problems;
}

/** A compact account of what happened, printed with failures. */
export function describeObservation(s: Scenario, obs: Observation): string {
  const lines: string[] = [];
  obs.responses.forEach((r, i) => {
    lines.push(`  request ${i + 1} (${r.scenarioId}): ${r.status}${r.error ? ` error=${r.error}` : ''} in ${r.durationMs.toFixed(0)} ms, body ${show(r.body)}`);
    const a = obs.attempts[i] ?? [];
    const t0 = a[0]?.at ?? 0;
    lines.push(`    upstream: ${a.map((x) => `#${x.attempt} +${(x.at - t0).toFixed(0)}ms ${x.step.text}→${x.result}@${x.server.split(':')[1]}`).join(', ') || 'no attempts'}`);
    if (obs.accessLog[i]) lines.push(`    access log: ${obs.accessLog[i]}`);
  });
  // The scenario cluster's request/retry counters (connection churn and gauges left out).
  const prefix = `cluster.${s.cluster ?? 'backend'}.`;
  const moved = [...obs.stats]
    .filter(([k, v]) => v !== 0 && k.startsWith(prefix) && /\.(upstream_rq_|retry\.|retry_or_shadow|upstream_cx_connect)/.test(k))
    .map(([k, v]) => `${k.slice(prefix.length)}=${v}`);
  lines.push(`  stats Δ (${prefix}): ${moved.join(' ') || 'none'}`);
  return lines.join('\n');
}
