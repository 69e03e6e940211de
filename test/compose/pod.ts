/**
 * The compose services without Docker: one fresh network namespace (`unshare --net`, loopback up)
 * plays the controlplane container's, and each service's command runs in it through `nsenter`,
 * as `network_mode: service:controlplane` makes the containers share it. So the services use the
 * exact addresses docker-compose.yml gives them (127.0.0.1:18000, :9901, :15001, :8080) without
 * touching this machine's ports. Needs root (creating a network namespace); without it the tests
 * skip loudly, and fail under CI=true (CI runs as root).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnProcess, sleep, type ManagedProcess } from '../support/processes';
import { repoRoot } from '../support/paths';
import type { ToolBinary } from '../support/requireTool';
import type { Mount } from './composeModel';
import type { Stage } from './repoFacts';

/** Whether this process can create network namespaces: {bin: 'unshare'} or why not. */
export function netnsSupport(): ToolBinary {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { unavailable: 'creating a network namespace needs root (unshare --net)' };
  for (const tool of ['unshare', 'nsenter', 'ip']) {
    if (spawnSync(tool, ['--help'], { stdio: 'ignore' }).error) return { unavailable: `${tool} not found (util-linux / iproute2)` };
  }
  const probe = spawnSync('unshare', ['--net', '--', 'ip', 'link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (probe.status !== 0) return { unavailable: `unshare --net failed here: ${(probe.stderr || probe.stdout).trim()}` };
  return { bin: 'unshare' };
}

export class Pod {
  private constructor(private readonly holder: ManagedProcess, readonly workdir: string) {}

  /** A namespace held by a sleeping process, loopback up; commands run in `workdir` (the image's WORKDIR). */
  static async start(workdir: string): Promise<Pod> {
    const holder = spawnProcess('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && echo pod-ready && exec sleep 3600'], { name: 'pod (network namespace holder)' });
    await holder.waitForOutput(/pod-ready/, 10_000);
    return new Pod(holder, workdir);
  }

  private enter(argv: readonly string[]): string[] {
    return [`--net=/proc/${this.holder.pid}/ns/net`, '--', ...argv];
  }

  /** A long-running process in the namespace, run from the image-like workdir. */
  spawn(name: string, argv: readonly string[]): ManagedProcess {
    return spawnProcess('nsenter', this.enter(argv), { name, cwd: this.workdir });
  }

  /** A command in the namespace, to completion: {code, output}. */
  async run(name: string, argv: readonly string[], timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
    const p = this.spawn(name, argv);
    const timer = setTimeout(() => void p.kill(), timeoutMs);
    const status = await p.exited;
    clearTimeout(timer);
    return { code: status.code, output: p.output() };
  }

  /** Polls a healthcheck command (compose's `test: [CMD, ...]`) until it exits 0, as Docker does. */
  async waitHealthy(name: string, argv: readonly string[], service: ManagedProcess, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!service.running) throw service.failure(`exited before its healthcheck passed (last check: ${last})`);
      const r = await this.run(`${name} healthcheck`, argv, 5_000);
      if (r.code === 0) return;
      last = `exit ${String(r.code)} ${r.output.trim().slice(0, 200)}`;
      await sleep(200);
    }
    throw service.failure(`healthcheck \`${argv.join(' ')}\` did not pass within ${timeoutMs}ms (last: ${last})`);
  }

  async close(): Promise<void> {
    await this.holder.kill();
  }
}

/**
 * A container's argv as a host command: the image's `node` is this Node, `envoy` the Envoy the
 * tests use, and a path under a mount target is the mount's source on the host.
 */
export function hostArgv(argv: readonly string[], mounts: readonly Mount[], bins: Record<string, string>): string[] {
  return argv.map((arg, i) => {
    if (i === 0 && bins[arg]) return bins[arg];
    const m = mounts.find((x) => arg === x.target || arg.startsWith(`${x.target.replace(/\/$/, '')}/`));
    return m ? path.join(m.source, path.relative(m.target, arg)) : arg;
  });
}

/**
 * A scratch directory laid out as the image's WORKDIR: one symlink per file the Dockerfile's last
 * stage copies there, to its source in this checkout (`COPY bin ./bin` → bin; `COPY --from=build
 * /app/dist ./dist` → dist, the build stage's WORKDIR being the repo root). So a service that needs
 * a file the image lacks fails here too, and state a service writes (serve's .ricochet) stays out of
 * the checkout. Copies to absolute paths outside the WORKDIR (the Envoy binary) are the caller's.
 */
export function imageWorkdir(stages: readonly Stage[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-image-'));
  const last = stages[stages.length - 1];
  const workdirOf = (st: Stage | undefined) => [...(st?.instructions ?? [])].reverse().find((i) => i.keyword === 'WORKDIR')?.words[0] ?? '/';
  const imageWorkdirPath = workdirOf(last);
  for (const copy of last.instructions.filter((i) => i.keyword === 'COPY')) {
    const from = copy.flags.get('from');
    const fromWorkdir = from === undefined ? undefined : workdirOf(stages.find((st) => st.alias === from));
    const dest = copy.words[copy.words.length - 1];
    const destAbs = path.posix.resolve(imageWorkdirPath, dest);
    if (path.posix.relative(imageWorkdirPath, destAbs).startsWith('..')) continue;
    for (const src of copy.words.slice(0, -1)) {
      // A source of another stage is in the checkout only when under that stage's WORKDIR.
      const rel = fromWorkdir === undefined ? src : path.posix.relative(fromWorkdir, src);
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
      const intoDir = dest.endsWith('/') || copy.words.length > 2;
      const target = path.join(dir, path.posix.relative(imageWorkdirPath, destAbs), intoDir ? path.basename(rel) : '');
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.symlinkSync(path.join(repoRoot, rel), target);
    }
  }
  return dir;
}
