/**
 * The demo's data plane: a real Envoy when one is found, otherwise Ricochet's own
 * (`ricochet dataplane`), started from a bootstrap rendered for one walkthrough's identity
 * (src/cli/bootstrap.ts, with this run's ADS and admin ports), read through the admin API both
 * share (/ready, /stats, /config_dump).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bootstrapIdentity, defaultTemplatePath, renderBootstrap } from '../cli/bootstrap';
import { CliError } from '../cli/cliError';
import { spawnChild, type Child } from './children';
import { httpGet, waitFor200 } from './http';
import { packagePath } from './paths';
import type { DemoIdentity } from './walkthroughs';

export type ProxyMode = 'envoy' | 'ricochet' | 'auto';

export type DataPlane =
  /** `skipped`: earlier candidates that did not answer like Envoy (e.g. a broken ENVOY_BIN). */
  | { kind: 'envoy'; bin: string; version: string; from: string; skipped: string[] }
  | { kind: 'ricochet'; why: string };

/** Where Envoy may be, in the order the demo looks (the same sources `npm test` uses). */
function envoyCandidates(env: NodeJS.ProcessEnv): { candidates: Array<{ bin: string; from: string }>; reasons: string[] } {
  const candidates: Array<{ bin: string; from: string }> = [];
  const reasons: string[] = [];
  if (env.ENVOY_BIN) candidates.push({ bin: env.ENVOY_BIN, from: 'ENVOY_BIN' });
  else reasons.push('ENVOY_BIN unset');
  const cacheFile = packagePath('.cache', 'envoy.json');
  if (fs.existsSync(cacheFile)) {
    try {
      const rec = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { bin?: unknown; error?: unknown };
      if (typeof rec.bin === 'string') candidates.push({ bin: rec.bin, from: '.cache/envoy.json' });
      else reasons.push(`.cache/envoy.json names no binary${typeof rec.error === 'string' ? ` (${rec.error})` : ''}`);
    } catch {
      reasons.push('.cache/envoy.json unreadable');
    }
  } else {
    reasons.push('.cache/envoy.json absent');
  }
  const onPath = (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '').map((d) => path.join(d, 'envoy')).find(isExecutable);
  if (onPath) candidates.push({ bin: onPath, from: 'PATH' });
  else reasons.push('no envoy on PATH');
  return { candidates, reasons };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** `envoy --version` → `1.40.0`, or why it does not answer like Envoy. */
function envoyVersion(bin: string): { version: string } | { problem: string } {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  if (r.error) return { problem: r.error.message };
  const m = /version: [0-9a-f]+\/(\d+\.\d+\.\d+)/.exec(`${r.stdout}${r.stderr}`);
  if (r.status !== 0 || !m) return { problem: `\`${bin} --version\` exited ${r.status ?? r.signal} without an Envoy version` };
  return { version: m[1] };
}

/** The data plane `--proxy` asks for; `envoy` without an Envoy is an error naming where it looked. */
export function chooseDataPlane(mode: ProxyMode, env: NodeJS.ProcessEnv = process.env): DataPlane {
  if (mode === 'ricochet') return { kind: 'ricochet', why: '--proxy ricochet' };
  const { candidates, reasons } = envoyCandidates(env);
  const skipped: string[] = [];
  for (const c of candidates) {
    const v = envoyVersion(c.bin);
    if ('version' in v) return { kind: 'envoy', bin: c.bin, version: v.version, from: c.from, skipped };
    skipped.push(`${c.from} ${c.bin}: ${v.problem}`);
  }
  reasons.push(...skipped);
  const why = `no Envoy found: ${reasons.join(', ')}`;
  if (mode === 'envoy') throw new CliError(`--proxy envoy: ${why}; \`node scripts/install-envoy.js\` installs Envoy 1.40.0, or set ENVOY_BIN`, 2);
  return { kind: 'ricochet', why };
}

export function describeDataPlane(dp: DataPlane): string {
  if (dp.kind === 'envoy') return `Data plane: Envoy ${dp.version} (${dp.bin})${dp.skipped.length > 0 ? `; skipped ${dp.skipped.join(', ')}` : ''}`;
  if (dp.why === '--proxy ricochet') return 'Data plane: Ricochet\'s own (--proxy ricochet)';
  return `Data plane: Ricochet's own (${dp.why}; \`node scripts/install-envoy.js\` installs Envoy 1.40.0)`;
}

export interface RunningProxy {
  readonly nodeId: string;
  readonly adminUrl: string;
  readonly child: Child;
  /** Counters and gauges from /stats whose name starts with `prefix`. */
  stats(prefix: string): Promise<Map<string, number>>;
  configDump(): Promise<unknown>;
  stop(): Promise<void>;
}

export interface StartProxyOptions {
  identity: DemoIdentity;
  xds: { host: string; port: number };
  adminPort: number;
  workDir: string;
}

/** Renders the bootstrap, starts the proxy, waits for its admin /ready. */
export async function startProxy(dp: DataPlane, opts: StartProxyOptions): Promise<RunningProxy> {
  const id = opts.identity;
  const identity = bootstrapIdentity({
    nodeId: id.nodeId,
    namespace: id.namespace,
    serviceAccount: id.serviceAccount,
    labels: id.labels ? Object.entries(id.labels).map(([k, v]) => `${k}=${v}`).join(',') : undefined,
    gateway: id.gateway,
    xdsAddress: `${opts.xds.host}:${opts.xds.port}`,
    adminPort: String(opts.adminPort),
  });
  const config = path.join(opts.workDir, `${id.nodeId}.bootstrap.yaml`);
  fs.writeFileSync(config, await renderBootstrap(fs.readFileSync(defaultTemplatePath(), 'utf8'), identity, 'yaml'));
  const log = path.join(opts.workDir, `${id.nodeId}.log`);
  // Envoy: no hot restart (no shared memory to collide with another Envoy), one worker (2-core laptops).
  const child = dp.kind === 'envoy'
    ? spawnChild(`envoy (${id.nodeId})`, dp.bin, ['-c', config, '--disable-hot-restart', '--concurrency', '1', '--log-level', 'warn'], log)
    : spawnChild(`ricochet dataplane (${id.nodeId})`, process.execPath, [packagePath('bin', 'ricochet.js'), 'dataplane', '-c', config, '--log-level', 'warning'], log);
  const adminUrl = `http://127.0.0.1:${opts.adminPort}`;
  try {
    await waitFor200(`${adminUrl}/ready`, 20_000, child);
  } catch (err) {
    await child.stop();
    throw err;
  }
  const adminGet = async (p: string): Promise<string> => {
    const res = await httpGet(adminUrl + p);
    if (res.status !== 200) throw new Error(`${child.name} admin GET ${p}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    return res.body;
  };
  return {
    nodeId: id.nodeId,
    adminUrl,
    child,
    stats: async (prefix) => parseStats(await adminGet('/stats'), prefix),
    configDump: async () => JSON.parse(await adminGet('/config_dump')) as unknown,
    stop: () => child.stop(),
  };
}

/** Envoy's /stats text (`name: value`), numbers only (histogram lines skipped), names starting with `prefix`. */
export function parseStats(text: string, prefix = ''): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const i = line.lastIndexOf(': ');
    if (i <= 0 || !line.startsWith(prefix)) continue;
    const value = line.slice(i + 2).trim();
    if (/^-?\d+$/.test(value)) out.set(line.slice(0, i), Number(value));
  }
  return out;
}
