/**
 * The demo's child processes (`ricochet serve`, Envoy or `ricochet dataplane`): output kept (a
 * bounded tail for error messages, all of it in a log file), stopped by PID with SIGTERM then
 * SIGKILL, and every one still alive killed when the demo process exits, however it exits, so a
 * Ctrl-C never leaves a port-holding proxy behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { CliError } from '../cli/cliError';

const TAIL_BYTES = 64 * 1024;
const live = new Set<Child>();

export class Child {
  readonly pid: number;
  /** Resolves with the exit code (or signal name) when the process is gone. */
  readonly exited: Promise<string>;
  private tailText = '';
  private exitText: string | undefined;

  constructor(readonly name: string, private readonly proc: ChildProcess, readonly logFile: string) {
    if (proc.pid === undefined) throw new CliError(`${name}: could not start`);
    this.pid = proc.pid;
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    const keep = (chunk: Buffer): void => {
      log.write(chunk);
      this.tailText = (this.tailText + chunk.toString('utf8')).slice(-TAIL_BYTES);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this.exitText = signal ? `signal ${signal}` : `exit code ${code}`;
        live.delete(this);
        resolve(this.exitText);
      });
    });
    proc.on('close', () => log.end());
  }

  get running(): boolean {
    return this.exitText === undefined;
  }

  /** How it ended, or undefined while it runs. */
  get exitStatus(): string | undefined {
    return this.exitText;
  }

  /** The last `lines` lines it printed. */
  tail(lines = 15): string {
    return this.tailText.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** SIGTERM, SIGKILL after `graceMs`; resolves once it is gone. Safe to call twice. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  killNow(): void {
    if (this.running) this.proc.kill('SIGKILL');
  }
}

/** Starts a tracked child with no stdin, its output going to `logFile` (and a tail in memory). */
export function spawnChild(name: string, command: string, args: readonly string[], logFile: string): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  if (proc.pid === undefined) {
    proc.on('error', () => undefined);
    throw new CliError(`${name}: cannot run ${command}: not found or not executable`);
  }
  proc.on('error', () => undefined); // 'exit' still tells how it ended
  const child = new Child(name, proc, logFile);
  live.add(child);
  return child;
}

/** Stops every child still running (in parallel), e.g. when the demo ends or is interrupted. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop()));
}

// Last resort: the demo process is exiting (an uncaught error, process.exit): no time to wait.
process.on('exit', () => {
  for (const c of live) c.killNow();
});
