/**
 * The writer of the kill -9 test (kill.test.ts), run as its own process:
 *
 *   node dist/test/store/killChild.js <dataDir> <seed> <firstBatchId>
 *
 * Opens a FileObjectStore and commits single and batched writes forever, up to three in flight
 * (so group commit is exercised), until it is killed. Protocol on stdout, one line each:
 *   OPEN <resourceVersion>            the store opened
 *   BEGIN <id> <json PlannedOp[]>      printed before the batch is handed to commit()
 *   ACK <id> <resourceVersion>         printed after commit() resolved (the write is acknowledged)
 *   FAIL <id> <message>                a commit was refused: a bug, the test fails
 * stdout to a pipe is synchronous on Linux, so a BEGIN is in the pipe before its bytes can be on disk.
 */
import { FileObjectStore } from '../../src/store/fileStore';
import { prng, toStoreOps, type Batch, type PlannedOp } from './killModel';

const NAMES = Array.from({ length: 10 }, (_, i) => `k${i}`);

function planBatch(id: number, planned: Map<string, number>, next: () => number, rv: { value: number }): Batch {
  const size = next() < 0.6 ? 1 : 2 + Math.floor(next() * 5);
  const ops: PlannedOp[] = [];
  for (let i = 0; i < size; i++) {
    const name = NAMES[Math.floor(next() * NAMES.length)];
    const current = planned.get(name);
    const expect = current !== undefined && next() < 0.5 ? { expect: current } : {};
    rv.value++;
    if (current !== undefined && next() < 0.3) {
      ops.push({ type: 'delete', name, ...expect });
      planned.delete(name);
      continue;
    }
    // Mostly small objects, sometimes one of 64 KiB so some records span many pages.
    const len = next() < 0.1 ? 65_536 : Math.floor(next() * 2000);
    ops.push({ type: 'put', name, len, ...expect, ...(current === undefined && next() < 0.7 ? { create: true } : {}) });
    planned.set(name, rv.value);
  }
  return { id, ops };
}

async function main(): Promise<void> {
  const [dir, seedArg, firstIdArg] = process.argv.slice(2);
  const next = prng(Number(seedArg));
  const store = await FileObjectStore.open(dir, { compactAfterRecords: 7 });
  const planned = new Map(store.all().map((o) => [o.key.name, o.resourceVersion] as const));
  const rv = { value: store.resourceVersion };
  process.stdout.write(`OPEN ${store.resourceVersion}\n`);
  const inFlight: Array<Promise<void>> = [];
  for (let id = Number(firstIdArg); ; id++) {
    const batch = planBatch(id, planned, next, rv);
    process.stdout.write(`BEGIN ${id} ${JSON.stringify(batch.ops)}\n`);
    inFlight.push(
      store.commit(toStoreOps(batch)).then(
        (events) => void process.stdout.write(`ACK ${id} ${events[events.length - 1].object.resourceVersion}\n`),
        (err: unknown) => {
          process.stdout.write(`FAIL ${id} ${(err as Error).message}\n`);
          process.exit(2);
        },
      ),
    );
    if (inFlight.length >= 3) await inFlight.shift();
  }
}

main().catch((err: unknown) => {
  process.stdout.write(`FAIL - ${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
});
