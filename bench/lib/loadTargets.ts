/**
 * The HTTP servers bench/load.ts points both load generators at, each its own process on a free
 * 127.0.0.1 port, optionally pinned to one CPU:
 *   - upstream: `ricochet upstream --seed 1`, `/echo` (what the walkthroughs load; Node, one thread);
 *   - nginx: Debian's nginx (bench/load.sh extracts it into .cache/nginx), one worker, `return 200`,
 *     so that the target is not what limits the load generator;
 *   - node: tinyServer.ts, the fallback fast target when nginx is not there.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, spawnProcess, waitForHttp, type ManagedProcess } from '../../test/support/processes';

export interface Target {
  key: string;
  label: string;
  /** The URL both tools load (speed runs). */
  url: string;
  port: number;
  process: ManagedProcess;
  /** SIGTERM and wait; returns what the process printed (the upstream's served summary). */
  stop(): Promise<string>;
}

const REPO = path.resolve(__dirname, '..', '..', '..');

function pinned(cpu: string | undefined, argv: string[]): [string, string[]] {
  return cpu === undefined ? [argv[0], argv.slice(1)] : ['taskset', ['-c', cpu, ...argv]];
}

/** `probe` false: the process said it listens, and no request may be sent before the tools' own. */
async function started(key: string, label: string, port: number, urlPath: string, proc: ManagedProcess, probe = true): Promise<Target> {
  const url = `http://127.0.0.1:${port}${urlPath}`;
  if (probe) await waitForHttp(url, { process: proc, timeoutMs: 15_000 });
  return {
    key, label, url, port, process: proc,
    stop: async () => {
      await proc.kill();
      return proc.output();
    },
  };
}

/** `ricochet upstream --seed <seed>`; loaded at `/echo` (200, a small JSON-free echo body). */
export async function startRicochetUpstream(cpu: string | undefined, seed = 1): Promise<Target> {
  const port = await freePort();
  const [cmd, args] = pinned(cpu, [process.execPath, path.join(REPO, 'bin', 'ricochet.js'), 'upstream', '--address', `127.0.0.1:${port}`, '--seed', String(seed)]);
  const proc = spawnProcess(cmd, args, { name: 'ricochet upstream' });
  // It prints this once it listens. No HTTP probe: a probe would take request index 0 of the
  // seeded outcome sequence, and the correctness check counts every request the upstream served.
  await proc.waitForOutput(/listening on/, 15_000);
  return started('upstream', 'ricochet upstream /echo (Node)', port, '/echo', proc, false);
}

export async function startTinyServer(cpu: string | undefined): Promise<Target> {
  const port = await freePort();
  const [cmd, args] = pinned(cpu, [process.execPath, path.join(__dirname, 'tinyServer.js'), '--port', String(port)]);
  return started('node', 'tiny node:http server (200 "ok")', port, '/', spawnProcess(cmd, args, { name: 'tiny server' }));
}

/** nginx.conf for one worker, no master, no logs, `return 200`, keep-alive never cut. */
function nginxConf(dir: string, port: number): string {
  const tmp = (name: string): string => `${name}_temp_path ${path.join(dir, name)};`;
  return [
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    'error_log stderr warn;',
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    // Debian's build points these at /var/lib/nginx; keep the run inside its own folder.
    `  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(tmp).join('\n  ')}`,
    // The default (1000 requests) would close every connection every 1000 calls mid-run.
    '  keepalive_requests 100000000;',
    '  keepalive_timeout 300s;',
    `  server { listen 127.0.0.1:${port}; location / { return 200 "ok\\n"; } }`,
    '}',
    '',
  ].join('\n');
}

export async function startNginx(bin: string, workDir: string, cpu: string | undefined): Promise<Target> {
  const port = await freePort();
  const dir = path.join(workDir, `nginx-${port}`);
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, nginxConf(dir, port));
  // `nginx -v` prints to stderr.
  const version = /nginx\/(\S+)/.exec(spawnSync(bin, ['-v'], { encoding: 'utf8' }).stderr ?? '')?.[1] ?? '?';
  const [cmd, args] = pinned(cpu, [bin, '-p', dir, '-c', conf, '-e', 'stderr']);
  return started('nginx', `nginx ${version} (1 worker, return 200)`, port, '/', spawnProcess(cmd, args, { name: 'nginx' }));
}

/** Parses the upstream's SIGTERM summary (`served N requests`, `Code 200 : 92 (92.0 %)`). */
export function servedCounts(output: string): { served: number; codes: Record<string, number> } {
  const served = Number(/served (\d+) requests/.exec(output)?.[1] ?? NaN);
  const codes: Record<string, number> = {};
  for (const m of output.matchAll(/^Code (\d+) : (\d+)/gm)) codes[m[1]] = Number(m[2]);
  return { served, codes };
}
