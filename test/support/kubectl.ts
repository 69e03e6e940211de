/**
 * The real kubectl 1.20 (Debian's `kubernetes-client`, spec/kubectl-1.20.md §0) for tests. The
 * binary comes from scripts/install-kubectl.js (.cache/kubectl, or KUBECTL_BIN), passed in by
 * test/run.js as RICOCHET_KUBECTL_BIN, or read from .cache/kubectl.json when mocha is run by hand.
 * Never the kubectl on the PATH: a newer one behaves differently (§11 pitfall 1).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoPath } from './paths';
import { freePort, spawnProcess, waitForHttp, type ManagedProcess } from './processes';
import { locateTool, requireTool, type ToolBinary } from './requireTool';

export type KubectlBinary = ToolBinary;

let cached: KubectlBinary | undefined;

/** Where kubectl 1.20 is, or why there is none. */
export function kubectlBinary(): KubectlBinary {
  cached ??= locateTool({ name: 'kubectl', envPrefix: 'RICOCHET_KUBECTL', cacheFile: 'kubectl.json', script: 'install-kubectl.js' });
  return cached;
}

/**
 * Call first in a test or `before` hook that needs kubectl. Without it the test skips, loudly (a
 * green run must never silently mean "the kubectl tests did not run"); under CI=true it fails,
 * because CI installs kubectl and a skip there would hide a broken install.
 */
export function requireKubectl(ctx: Mocha.Context): string {
  return requireTool(ctx, 'KUBECTL', kubectlBinary());
}

// One scratch HOME and discovery cache per test run: kubectl caches discovery for 10 minutes per
// host:port (§1, §11 pitfall 2), so a cache shared across runs could describe another server.
let scratch: string | undefined;
function scratchDir(): string {
  if (!scratch) {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-kubectl-'));
    const dir = scratch;
    process.on('exit', () => {
      if (process.env.RICOCHET_KEEP_TMP !== '1') fs.rmSync(dir, { recursive: true, force: true });
    });
  }
  return scratch;
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The command line, for assertion messages. */
  command: string;
}

export interface KubectlOptions {
  /** `--server`, e.g. http://127.0.0.1:PORT. */
  server: string;
  /** Written to kubectl's stdin (for `-f -`). */
  stdin?: string;
  /** Kill kubectl after this long (a hanging `delete` must fail the test, not the suite); default 20 s. */
  timeoutMs?: number;
  cwd?: string;
}

/**
 * Runs the real kubectl 1.20 with no kubeconfig (`KUBECONFIG=/dev/null`, namespace `default`, no
 * credentials), a scratch HOME and this run's `--cache-dir`. Never throws for a non-zero exit:
 * tests assert on `code`, `stdout` and `stderr`.
 */
export function kubectl(args: readonly string[], opts: KubectlOptions): Promise<KubectlResult> {
  const found = kubectlBinary();
  if (!('bin' in found)) return Promise.reject(new Error(`KUBECTL UNAVAILABLE: ${found.unavailable}`));
  const home = scratchDir();
  const full = ['--server', opts.server, '--cache-dir', path.join(home, 'cache'), ...args];
  const command = `kubectl ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(found.bin, full, {
      cwd: opts.cwd,
      env: { ...process.env, HOME: home, KUBECONFIG: '/dev/null' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timeoutMs = opts.timeoutMs ?? 20_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) stderr += `\n[test: ${command} killed after ${timeoutMs} ms]`;
      resolve({ code: timedOut ? null : code, stdout, stderr, command });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

/** A failure message that shows what kubectl said. */
export function describeRun(r: KubectlResult): string {
  return `${r.command} → exit ${String(r.code)}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`;
}

export interface ApiServer {
  /** http://127.0.0.1:PORT, for `--server`. */
  url: string;
  process: ManagedProcess;
  sourcesDir: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * `ricochet serve --sources <empty dir> --data <dir>` on free ports: the admin API kubectl talks to,
 * with the durable store behind it and no file-managed objects.
 */
export async function startApiServer(extraArgs: readonly string[] = []): Promise<ApiServer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-api-'));
  const sourcesDir = path.join(root, 'sources');
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(sourcesDir);
  const admin = await freePort();
  const xds = await freePort();
  const proc = spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'serve', '--sources', sourcesDir, '--data', dataDir,
    '--xds-address', `127.0.0.1:${xds}`, '--admin-address', `127.0.0.1:${admin}`, '--log-level', 'warn', ...extraArgs], { name: 'ricochet serve (admin API)' });
  const url = `http://127.0.0.1:${admin}`;
  try {
    await waitForHttp(`${url}/healthz`, { timeoutMs: 15_000, process: proc });
  } catch (err) {
    await proc.kill();
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    process: proc,
    sourcesDir,
    dataDir,
    close: async () => {
      await proc.kill();
      if (process.env.RICOCHET_KEEP_TMP !== '1') fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
