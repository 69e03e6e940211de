/**
 * Commit latency of the durable object store (src/store/fileStore.ts) on this machine:
 *
 *   npm run build && node dist/bench/store-commit.js [--writes 300] [--dir /some/disk]
 *
 * 1. one writer, one single-object commit at a time: each waits for its fdatasync;
 * 2. 16 writers at once: commits that arrive during an fsync share the next one (group commit).
 * The data directory is a temporary one (on --dir's filesystem when given) and is removed after.
 * Not a test: `npm test` never runs it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileObjectStore } from '../src/store/fileStore';
import type { StoreOp } from '../src/store/types';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function op(i: number): StoreOp {
  const name = `vs-${i % 100}`;
  return {
    op: 'put',
    key: { group: 'networking.istio.io', kind: 'VirtualService', namespace: 'default', name },
    object: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'default' }, spec: { hosts: [name], http: [{ retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' }, route: [{ destination: { host: name } }] }] } },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(label: string, ms: number[], wallMs: number): string {
  const s = [...ms].sort((a, b) => a - b);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  return `${label.padEnd(34)} n=${ms.length}  mean ${mean.toFixed(2)} ms  p50 ${percentile(s, 50).toFixed(2)}  p90 ${percentile(s, 90).toFixed(2)}  p99 ${percentile(s, 99).toFixed(2)}  max ${s[s.length - 1].toFixed(2)}  → ${((ms.length / wallMs) * 1000).toFixed(0)} commits/s`;
}

async function main(): Promise<void> {
  const writes = Number(arg('writes', '300'));
  const root = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'ricochet-bench-store-'));
  const store = await FileObjectStore.open(root, { compactAfterRecords: 1_000_000 });
  try {
    const sequential: number[] = [];
    let t0 = performance.now();
    for (let i = 0; i < writes; i++) {
      const t = performance.now();
      await store.commit([op(i)]);
      sequential.push(performance.now() - t);
    }
    console.log(summary('1 writer, single-object commits', sequential, performance.now() - t0));

    const concurrent: number[] = [];
    t0 = performance.now();
    await Promise.all(Array.from({ length: 16 }, async (_, w) => {
      for (let i = w; i < writes; i += 16) {
        const t = performance.now();
        await store.commit([op(i)]);
        concurrent.push(performance.now() - t);
      }
    }));
    console.log(summary('16 writers, single-object commits', concurrent, performance.now() - t0));
    console.log(`data dir filesystem: ${root} (${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  } finally {
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
