/**
 * What every walkthrough shares: the seeded flaky upstream (in this process) and `ricochet
 * serve` (a child process, as a user runs it) on free 127.0.0.1 ports, with an empty --sources
 * folder and its own --data folder in a temporary directory, so objects come only from the
 * demo's `POST /apply` and a user's own `.ricochet` store is never touched.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdminClient } from '../cli/client';
import { startUpstream, type Upstream } from '../upstream';
import { spawnChild, type Child } from './children';
import { waitFor200 } from './http';
import { packagePath } from './paths';
import { freePort } from '../lib/ports';

export interface DemoEnvironment {
  upstream: Upstream;
  serve: Child;
  client: AdminClient;
  ports: { xds: number; admin: number; egress: number };
  /** Temporary directory: bootstraps, logs, the store. */
  workDir: string;
  close(keepWorkDir: boolean): Promise<void>;
}

export async function startEnvironment(seed: number): Promise<DemoEnvironment> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-demo-'));
  const sources = path.join(workDir, 'sources');
  fs.mkdirSync(sources);
  const upstream = await startUpstream({ host: '127.0.0.1', port: 0, seed });
  const ports = { xds: await freePort(), admin: await freePort(), egress: await freePort() };
  let serve: Child | undefined;
  try {
    serve = spawnChild('ricochet serve', process.execPath, [
      packagePath('bin', 'ricochet.js'), 'serve',
      '--sources', sources,
      '--data', path.join(workDir, 'data'),
      '--xds-address', `127.0.0.1:${ports.xds}`,
      '--admin-address', `127.0.0.1:${ports.admin}`,
      '--egress-address', `127.0.0.1:${ports.egress}`,
      '--default-retry-policy', 'none',
      '--log-level', 'warn',
    ], path.join(workDir, 'serve.log'));
    await waitFor200(`http://127.0.0.1:${ports.admin}/readyz`, 30_000, serve);
  } catch (err) {
    await serve?.stop();
    await upstream.close();
    throw err;
  }
  const running = serve;
  return {
    upstream,
    serve: running,
    client: new AdminClient(`http://127.0.0.1:${ports.admin}`),
    ports,
    workDir,
    async close(keepWorkDir) {
      await running.stop();
      await upstream.close();
      if (!keepWorkDir) fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}
