/**
 * Ricochet's own data plane for tests: `node bin/ricochet.js dataplane -c <envoy bootstrap>`,
 * with the same handle as a real Envoy from ./envoy (stats(), configDump(), admin(), waitFor(),
 * stop()), so one test body can drive either. Readiness is the bootstrap's admin `/ready`
 * answering 200, as for Envoy.
 *
 * Also `startDataplaneMesh`: ./mesh's startMesh with this data plane in place of Envoy (same
 * envoy/bootstrap.yaml, same control plane, same upstream).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startUpstream } from '../../src/upstream';
import { adminHandle, renderBootstrap, type EnvoyProcess } from './envoy';
import { get } from './http';
import type { MeshHarness, MeshHarnessOptions } from './mesh';
import { repoPath } from './paths';
import { freePort, spawnProcess, waitForHttp, type ManagedProcess } from './processes';

export interface StartDataplaneOptions {
  /** Path to the Envoy bootstrap (YAML or JSON). */
  config: string;
  /** Must match the bootstrap's admin port; used for readiness and the helpers. */
  adminPort: number;
  /** Extra CLI flags after `-c <config>`. */
  args?: string[];
  /** Also append the process's output to this file. */
  logFile?: string;
  /** How long to wait for /ready, default 15s. */
  readyTimeoutMs?: number;
  env?: Record<string, string | undefined>;
}

/** The same shape as a real Envoy's handle (baseId is 0: there is no shared memory). */
export type DataplaneProcess = EnvoyProcess;

let availability: { ok: true } | { ok: false; why: string } | undefined;

/**
 * Why `ricochet dataplane` cannot run here, or undefined when it can. Checked once per run by
 * asking the built CLI for `dataplane --help`. A missing data plane is a reason for its tests to
 * FAIL with this text (it is the thing under test), never to skip.
 */
export function dataplaneUnavailable(): string | undefined {
  if (!availability) {
    const main = repoPath('dist', 'src', 'cli', 'main.js');
    if (!fs.existsSync(main)) {
      availability = { ok: false, why: `${main} missing: run npm run build` };
    } else {
      // commander answers `<unknown> --help` with the top-level help and exit 0: look for the subcommand's own usage line.
      const r = spawnSync(process.execPath, [repoPath('bin', 'ricochet.js'), 'dataplane', '--help'], { encoding: 'utf8', timeout: 15_000 });
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
      availability = r.status === 0 && /Usage: ricochet dataplane\b/.test(out)
        ? { ok: true }
        : { ok: false, why: `\`ricochet dataplane --help\` (exit ${r.status ?? r.signal}) does not show the dataplane command: src/cli/dataplane.ts not registered yet? (${out.trim().split('\n')[0]})` };
    }
  }
  return availability.ok ? undefined : availability.why;
}

export async function startDataplane(opts: StartDataplaneOptions): Promise<DataplaneProcess> {
  const why = dataplaneUnavailable();
  if (why) throw new Error(`RICOCHET DATAPLANE UNAVAILABLE: ${why}`);
  const proc = spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'dataplane', '-c', opts.config, ...(opts.args ?? [])], {
    name: `ricochet dataplane(admin :${opts.adminPort})`,
    logFile: opts.logFile,
    env: opts.env,
  });
  try {
    await waitReady(proc, opts.adminPort, opts.readyTimeoutMs ?? 15_000);
  } catch (err) {
    await proc.kill(0);
    throw err;
  }
  return adminHandle(proc, opts.adminPort, 0, 'ricochet dataplane');
}

async function waitReady(proc: ManagedProcess, adminPort: number, timeoutMs: number): Promise<void> {
  const url = `http://127.0.0.1:${adminPort}/ready`;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!proc.running) throw proc.failure(`exited before ${url} answered 200 (last: ${last})`);
    try {
      const res = await get(url, { timeoutMs: 1000 });
      if (res.status === 200) return;
      last = `HTTP ${res.status} ${res.body.trim()}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw proc.failure(`${url} not 200 within ${timeoutMs}ms (last: ${last})`);
}


/**
 * startMesh (test/support/mesh.ts) with `ricochet dataplane -c envoy/bootstrap.yaml` in place of
 * Envoy: the flaky upstream, `ricochet serve --sources DIR`, and the data plane started from the
 * repository's envoy/bootstrap.yaml with this run's ports. The returned harness's `envoy` field
 * is the data plane (same handle), so tests written for startMesh run unchanged.
 */
export async function startDataplaneMesh(opts: MeshHarnessOptions): Promise<MeshHarness> {
  const why = dataplaneUnavailable();
  if (why) throw new Error(`RICOCHET DATAPLANE UNAVAILABLE: ${why}`);
  const upstream = await startUpstream({ seed: opts.seed ?? 1 });
  const ports = { xds: await freePort(), admin: await freePort(), egress: await freePort(), envoyAdmin: await freePort() };
  const sourcesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-sources-'));
  const writeSource = (name: string, text: string): void => {
    fs.writeFileSync(path.join(sourcesDir, name), text.replace(/\{\{UPSTREAM_PORT\}\}/g, String(upstream.port)));
  };
  for (const [name, text] of Object.entries(opts.sources)) writeSource(name, text);
  const ricochet = spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'serve', '--sources', sourcesDir,
    '--xds-address', `127.0.0.1:${ports.xds}`, '--admin-address', `127.0.0.1:${ports.admin}`,
    '--egress-address', `127.0.0.1:${ports.egress}`], { name: 'ricochet serve' });
  let dataplane: DataplaneProcess | undefined;
  try {
    await waitForHttp(`http://127.0.0.1:${ports.admin}/readyz`, { timeoutMs: 15_000, process: ricochet });
    const bootstrap = fs.readFileSync(repoPath('envoy', 'bootstrap.yaml'), 'utf8')
      .replace('port_value: 18000', `port_value: ${ports.xds}`)
      .replace('port_value: 9901', `port_value: ${ports.envoyAdmin}`);
    dataplane = await startDataplane({ config: renderBootstrap({ yaml: bootstrap }, {}), adminPort: ports.envoyAdmin });
  } catch (err) {
    await ricochet.kill();
    await upstream.close();
    fs.rmSync(sourcesDir, { recursive: true, force: true });
    throw err;
  }
  const proxy = dataplane;
  return {
    upstream, ricochet, envoy: proxy, ports, sourcesDir, writeSource,
    adminJson: async <T>(p: string) => JSON.parse((await get(`http://127.0.0.1:${ports.admin}${p}`)).body) as T,
    logMessages: (from = 0) => ricochet.output().slice(from).split('\n').filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg?: string }).msg ?? ''),
    close: async () => {
      await proxy.stop();
      await ricochet.kill();
      await upstream.close();
      fs.rmSync(sourcesDir, { recursive: true, force: true });
    },
  };
}
