import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';
import type { ClientCommand, ClientEvent } from './clients';
import type { PrepareReply, PushReply, ServerCommand, StatsReply } from './serverProtocol';

/** A server under test, driven over the line protocol of serverProtocol.ts. */
export class ServerDriver {
  readonly port: number;
  readonly pid: number;
  private constructor(private readonly child: ChildProcess, private readonly lines: AsyncIterator<string>, ready: { port: number; pid: number }) {
    this.port = ready.port;
    this.pid = ready.pid;
  }

  /** `cpu` pins the server (all its threads) to that CPU with taskset. */
  static async start(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, cpu?: number): Promise<ServerDriver> {
    const child = cpu === undefined
      ? spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], env })
      : spawn('taskset', ['-c', String(cpu), command, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env });
    const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${command} exited with ${code} before it was ready`))));
    const first = await Promise.race([lines.next(), exited]);
    if (first.done) throw new Error(`${command}: no ready line`);
    const ready = JSON.parse(first.value) as { event: string; port: number; pid: number };
    if (ready.event !== 'ready') throw new Error(`${command}: expected ready, got ${first.value}`);
    return new ServerDriver(child, lines, ready);
  }

  private async call<T>(command: ServerCommand): Promise<T> {
    (this.child.stdin as NodeJS.WritableStream).write(`${JSON.stringify(command)}\n`);
    const next = await this.lines.next();
    if (next.done) throw new Error(`server exited while answering ${command.cmd}`);
    const reply = JSON.parse(next.value) as { ok: boolean; error?: string };
    if (!reply.ok) throw new Error(`server ${command.cmd}: ${reply.error}`);
    return reply as T;
  }

  prepare(command: Extract<ServerCommand, { cmd: 'prepare' }>): Promise<PrepareReply & Record<string, unknown>> {
    return this.call(command);
  }

  push(label?: string): Promise<PushReply> {
    return this.call({ cmd: 'push', label });
  }

  stats(): Promise<StatsReply> {
    return this.call({ cmd: 'stats' });
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      await Promise.race([this.call({ cmd: 'exit' }), exited]);
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** The forked client-harness process (clients.ts). */
export class ClientsDriver {
  private readonly queue: ClientEvent[] = [];
  private waiter?: () => void;
  private exitError?: Error;

  constructor(private readonly child: ChildProcess) {
    child.on('message', (m: ClientEvent) => {
      this.queue.push(m);
      this.waiter?.();
    });
    child.once('exit', (code) => {
      this.exitError = new Error(`client harness exited with ${code}`);
      this.waiter?.();
    });
  }

  static start(script: string, cpu?: number): ClientsDriver {
    // Generous heap: a thousand grpc-js channels and their receive buffers.
    const child = fork(script, [], { execArgv: ['--max-old-space-size=8192'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    if (cpu !== undefined && child.pid !== undefined) execFileSync('taskset', ['-a', '-pc', String(cpu), String(child.pid)], { stdio: 'ignore' });
    return new ClientsDriver(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  send(command: ClientCommand): void {
    this.child.send(command);
  }

  /** The next event of one of the given kinds; an `error` event or the harness exiting fails. */
  async next<E extends ClientEvent['event']>(...events: E[]): Promise<Extract<ClientEvent, { event: E }>> {
    for (;;) {
      const i = this.queue.findIndex((e) => e.event === 'error' || (events as string[]).includes(e.event));
      if (i >= 0) {
        const [e] = this.queue.splice(i, 1);
        if (e.event === 'error') throw new Error(`client harness: ${e.message}`);
        return e as Extract<ClientEvent, { event: E }>;
      }
      if (this.exitError) throw this.exitError;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      this.waiter = undefined;
    }
  }

  async stop(): Promise<void> {
    if (this.exitError) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ cmd: 'close' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
