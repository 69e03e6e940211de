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
import { adminHandle, type EnvoyProcess } from './envoy';
import { get } from './http';
import { startMesh, type MeshHarness, type MeshHarnessOptions } from './mesh';
import { repoPath } from './paths';
import { spawnProcess, type ManagedProcess } from './processes';

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
 * Envoy; the returned harness's `envoy` field is the data plane (same handle), so tests written
 * for startMesh run unchanged.
 */
export async function startDataplaneMesh(opts: MeshHarnessOptions): Promise<MeshHarness> {
  const why = dataplaneUnavailable();
  if (why) throw new Error(`RICOCHET DATAPLANE UNAVAILABLE: ${why}`);
  return startMesh({ ...opts, proxy: 'dataplane' });
}
