/**
 * Ricochet's side of the push benchmark, in its own process: one AdsServer over one
 * SnapshotCache, every stream in one view, snapshots built from the synthetic mesh exactly as the
 * control plane does (translateMesh → buildSnapshot with one long-lived ResourceEncoder).
 * Speaks the line protocol of serverProtocol.ts.
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { buildSnapshot, ResourceEncoder, type Snapshot } from '../../src/xds/cache/snapshot';
import { SnapshotCache } from '../../src/xds/cache/snapshotCache';
import { AdsServer } from '../../src/xds/server/ads';
import { translateMesh } from '../../src/xds/translate';
import { meshOf, translateOptionsOf } from './mesh';
import type { ServerCommand } from './serverProtocol';

const VIEW = 'bench';

/**
 * With BENCH_PROFILE_DIR set, the V8 CPU profiler runs from each `push` until the next command
 * that is not `stats` (the driver's settle polls): the push, the ACKs and the GC it caused, not
 * the translate/encode of `prepare`. One .cpuprofile per push, named by its label.
 */
class PushProfiler {
  private readonly session = new inspector.Session();
  private label?: string;

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.session.connect();
  }

  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) => this.session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))));
  }

  async start(label: string): Promise<void> {
    await this.stop();
    await this.post('Profiler.enable');
    await this.post('Profiler.setSamplingInterval', { interval: 200 });
    await this.post('Profiler.start');
    this.label = label;
  }

  async stop(): Promise<void> {
    if (!this.label) return;
    const { profile } = (await this.post('Profiler.stop')) as { profile: object };
    fs.writeFileSync(path.join(this.dir, `${this.label}.cpuprofile`), JSON.stringify(profile));
    this.label = undefined;
  }
}

async function main(): Promise<void> {
  const cache = new SnapshotCache();
  const encoder = new ResourceEncoder();
  const server = new AdsServer({ cache, viewFor: () => VIEW, controlPlaneId: 'ricochet-bench' });
  const port = await server.listen('127.0.0.1:0');
  let prepared: Snapshot | undefined;
  const profiler = process.env.BENCH_PROFILE_DIR ? new PushProfiler(process.env.BENCH_PROFILE_DIR) : undefined;
  const reply = (o: object): void => {
    process.stdout.write(`${JSON.stringify(o)}\n`);
  };

  const handle = async (c: ServerCommand): Promise<void> => {
    if (profiler && c.cmd !== 'stats') await profiler.stop();
    switch (c.cmd) {
      case 'prepare': {
        const before = encoder.encodes;
        const t = process.hrtime.bigint();
        prepared = buildSnapshot(VIEW, translateMesh(meshOf(c.state), translateOptionsOf(c.state)), encoder);
        encoder.endRound();
        const prepareMs = Number(process.hrtime.bigint() - t) / 1e6;
        const versions: Record<string, string> = {};
        for (const [typeUrl, ts] of prepared.types) versions[typeUrl] = ts.version;
        return reply({ ok: true, versions, prepareMs, encodes: encoder.encodes - before });
      }
      case 'push': {
        if (!prepared) return reply({ ok: false, error: 'nothing prepared' });
        const snapshot = prepared;
        prepared = undefined;
        if (profiler && c.label) await profiler.start(c.label);
        const t0 = process.hrtime.bigint();
        cache.set(snapshot);
        const setMs = Number(process.hrtime.bigint() - t0) / 1e6;
        return reply({ ok: true, t0: String(t0), setMs });
      }
      case 'stats': {
        const u = process.resourceUsage();
        return reply({ ok: true, cpuUserUs: u.userCPUTime, cpuSysUs: u.systemCPUTime, maxRssKb: u.maxRSS, metrics: { ...server.metrics() } });
      }
      case 'exit':
        await server.close();
        reply({ ok: true });
        process.exit(0);
    }
  };

  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    handle(JSON.parse(line) as ServerCommand).catch((err: Error) => reply({ ok: false, error: err.stack ?? err.message }));
  });
  lines.on('close', () => process.exit(0));
  reply({ event: 'ready', port, pid: process.pid });
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
