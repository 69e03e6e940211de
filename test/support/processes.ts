/**
 * Child processes for tests (the control plane, Envoy, demos), with output captured so a failing
 * test can show what the process said, and with cleanup that cannot be forgotten: every process
 * spawned here is killed by a root-level mocha `after` hook and, as a last resort, when the test
 * runner exits or is interrupted. A test that fails half-way must not leave a port-holding
 * process behind for the next test (or the next engineer's run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { get } from './http';

export interface SpawnOptions {
  cwd?: string;
  /** Added to (not replacing) process.env. */
  env?: Record<string, string | undefined>;
  /** Label for error messages; defaults to the command's base name. */
  name?: string;
  /** Also copy output to this process's stderr, live (or set RICOCHET_TEST_VERBOSE=1). */
  echo?: boolean;
  /** Also append all output to this file (kept after the run, unlike the in-memory capture). */
  logFile?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Keep at most this much output per process: enough for any log tail, bounded for long runs. */
const MAX_OUTPUT = 4 * 1024 * 1024;

const live = new Set<ManagedProcess>();

export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;
  private out = '';
  private listeners = new Set<() => void>();

  constructor(readonly child: ChildProcess, name: string, echo: boolean, logFile?: string) {
    this.name = name;
    if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
    this.pid = child.pid;
    const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
    child.on('close', () => log?.end());
    const onData = (chunk: Buffer) => {
      this.out += chunk.toString('utf8');
      if (this.out.length > MAX_OUTPUT) this.out = this.out.slice(-MAX_OUTPUT / 2);
      if (echo) process.stderr.write(chunk);
      log?.write(chunk);
      this.notify();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        live.delete(this);
        this.notify();
        resolve(this.exitStatus);
      });
    });
  }

  /** stdout and stderr interleaved as they arrived. */
  output(): string {
    return this.out;
  }

  /** The last `lines` lines of output, for error messages. */
  tail(lines = 40): string {
    return this.out.split('\n').slice(-lines - 1).join('\n');
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** Waits until the output (from the start) matches; fails early if the process exits first. */
  waitForOutput(re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    return this.waitUntil(() => this.out.match(re) ?? undefined, `output matching ${re}`, timeoutMs);
  }

  /** Polls `check` on every output/exit event; rejects on timeout or exit, with the output tail. */
  waitUntil<T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (err?: Error, value?: T) => {
        clearTimeout(timer);
        this.listeners.delete(onEvent);
        if (err) reject(err);
        else resolve(value as T);
      };
      const onEvent = () => {
        const v = check();
        if (v !== undefined) return finish(undefined, v);
        if (!this.running) finish(this.failure(`exited (${describeExit(this.exitStatus)}) before ${what}`));
      };
      const timer = setTimeout(() => finish(this.failure(`no ${what} within ${timeoutMs}ms`)), timeoutMs);
      this.listeners.add(onEvent);
      onEvent();
    });
  }

  /** An Error naming this process, with its recent output. */
  failure(message: string): Error {
    return new Error(`${this.name} (pid ${this.pid}) ${message}\n--- last output of ${this.name} ---\n${this.tail()}`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Safe to call twice. */
  async kill(graceMs = 3000): Promise<ExitStatus> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** Spawns a tracked child process with its output captured. */
export function spawnProcess(command: string, args: readonly string[], opts: SpawnOptions = {}): ManagedProcess {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    // No stdin: a child waiting for input must not hang a CI run with no terminal.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const name = opts.name ?? command.split('/').pop() ?? command;
  // spawn() reports ENOENT asynchronously; without a pid the process never existed.
  if (child.pid === undefined) {
    child.on('error', () => undefined);
    throw new Error(`${name}: cannot spawn ${command}: not found or not executable`);
  }
  const p = new ManagedProcess(child, name, opts.echo ?? process.env.RICOCHET_TEST_VERBOSE === '1', opts.logFile);
  child.on('error', () => undefined); // exit still fires; the error is visible through output/exit
  live.add(p);
  return p;
}

/** Kills every process still running. Called automatically; exported for tests that want a clean slate. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}

export interface WaitForHttpOptions {
  timeoutMs?: number;
  /** Which statuses count as ready; default 200-399. */
  ok?: (status: number) => boolean;
  /** Fail fast, with its output, if this process exits while we wait. */
  process?: ManagedProcess;
  headers?: Record<string, string>;
}

/** Polls `url` until it answers with an ok status. Resolves with that status. */
export async function waitForHttp(url: string, opts: WaitForHttpOptions = {}): Promise<number> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const ok = opts.ok ?? ((s: number) => s >= 200 && s < 400);
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  for (;;) {
    if (opts.process && !opts.process.running) {
      throw opts.process.failure(`exited (${describeExit(await opts.process.exited)}) while waiting for ${url} (last: ${last})`);
    }
    try {
      const res = await get(url, { headers: opts.headers, timeoutMs: Math.max(100, Math.min(2000, deadline - Date.now())) });
      if (ok(res.status)) return res.status;
      last = `HTTP ${res.status} ${res.body.slice(0, 200).trim()}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      const msg = `${url} not ready within ${timeoutMs}ms (last: ${last})`;
      throw opts.process ? opts.process.failure(msg) : new Error(msg);
    }
    await sleep(50);
  }
}

/** A currently free TCP port on 127.0.0.1, never handed out twice in one run (src/lib/ports.ts, shared with the demo). */
export { freePort } from '../../src/lib/ports';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describeExit(s: ExitStatus | undefined): string {
  if (!s) return 'still running';
  return s.signal ? `signal ${s.signal}` : `code ${s.code}`;
}

// Root-level hook: this module is first imported while mocha loads a test file, i.e. with the root
// suite current, so this runs once after all tests. Outside mocha (`after` undefined) it is a no-op.
if (typeof after === 'function') after('kill leftover child processes', killAll);

// Last resort when the runner exits (mocha --exit, a crash) or is interrupted: synchronous SIGKILL.
process.on('exit', () => {
  for (const p of live) p.child.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    for (const p of live) p.child.kill('SIGKILL');
    process.kill(process.pid, sig); // re-raise with the default action now that ours is spent
  });
}
