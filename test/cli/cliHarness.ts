/**
 * Running `ricochet <client command>` as a user does: a real process (bin/ricochet.js), its exit
 * status, stdout and stderr, optionally with stdin. Spawned asynchronously so a `ricochet serve`
 * started by the same test keeps having its output drained while the command runs.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoPath } from '../support/paths';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The admin API, passed as --server. */
  server?: string;
  input?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

export function ricochet(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const argv = [repoPath('bin', 'ricochet.js'), ...(opts.server ? ['--server', opts.server] : []), ...args];
  // A RICOCHET_SERVER in the developer's shell must not redirect the tests.
  const env: Record<string, string | undefined> = { ...process.env, RICOCHET_SERVER: undefined, ...opts.env };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: repoPath(), env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A message for assertions: everything the command said. */
export function said(r: CliResult): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** A scratch directory with these files, removed by the caller (or left for RICOCHET_KEEP_TMP=1). */
export function scratchDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-cli-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export function removeDir(dir: string): void {
  if (process.env.RICOCHET_KEEP_TMP !== '1') fs.rmSync(dir, { recursive: true, force: true });
}

/** Polls until `check` returns a value (not undefined), or fails with the last reason. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A printed table (istioctl or kubectl style) as records keyed by header, cut at the columns the
 * header starts (cells may be empty or contain single spaces, as `VHOST NAME` does).
 */
export function tableOf(text: string): Array<Record<string, string>> {
  const [header, ...rows] = text.trimEnd().split('\n');
  const starts: Array<{ name: string; at: number }> = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(header); m; m = re.exec(header)) starts.push({ name: m[0], at: m.index });
  return rows.map((row) => Object.fromEntries(starts.map((c, i) => [c.name, row.slice(c.at, i + 1 < starts.length ? starts[i + 1].at : undefined).trim()])));
}
