/**
 * Recovery on open, compaction, torn tails and corruption. Issue 5 (Store): "on start a torn or
 * corrupt file is detected and reported, never silently dropped"; src/store/types.ts
 * (StoreProblem: file, offset, preservedAs) and the layout in src/store/fileStore.ts.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileObjectStore } from '../../src/store/fileStore';
import { encodeRecord, frames, LOG_MAGIC } from '../../src/store/framing';
import { StoreOpenError } from '../../src/store/recovery';
import type { StoreProblem } from '../../src/store/types';
import { logPath, openStore, put, snapshotPath, tempDir, vsKey } from './helpers';

/** Offsets [start, end) of each record in the log. */
function records(dir: string): Array<{ offset: number; end: number }> {
  const out: Array<{ offset: number; end: number }> = [];
  for (const f of frames(fs.readFileSync(logPath(dir)), LOG_MAGIC.length)) if (f.kind === 'record') out.push({ offset: f.offset, end: f.end });
  return out;
}

/** A store with a, b (in one batch), c: three records. */
async function threeRecords(): Promise<string> {
  const dir = tempDir();
  const store = await FileObjectStore.open(dir);
  await store.commit([put('a', { v: 'a' })]);
  await store.commit([put('b', { v: 'b' }), put('c', { v: 'c' })]);
  await store.commit([put('d', { v: 'd' })]);
  await store.close();
  return dir;
}

function names(store: FileObjectStore): string[] {
  return store.all().map((o) => o.key.name);
}

/** Every file in the directory with its bytes, to prove a refusal changed nothing. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) out[f] = fs.readFileSync(path.join(dir, f)).toString('base64');
  return out;
}

async function refused(dir: string): Promise<StoreProblem[]> {
  const before = contents(dir);
  let problems: StoreProblem[] = [];
  await assert.rejects(FileObjectStore.open(dir), (err: unknown) => {
    assert.ok(err instanceof StoreOpenError, String(err));
    assert.match(err.message, /--data-repair/);
    problems = err.problems;
    return true;
  });
  assert.deepEqual(contents(dir), before, 'a refused open changes nothing on disk (and releases the lock)');
  return problems;
}

describe('store: recovery, compaction, torn tails, corruption', () => {
  it('reopening gives back every object with its content, metadata and resourceVersion', async () => {
    const dir = tempDir();
    const store = await openStore(dir);
    await store.commit([put('a', { x: [1, 2, { y: 'z' }] })]);
    await store.commit([put('b'), put('a', { x: 'changed' })]);
    const before = store.all();
    await store.close();
    const reopened = await openStore(dir);
    assert.deepEqual(reopened.all(), before);
    assert.equal(reopened.resourceVersion, 3);
    assert.deepEqual(reopened.problems, []);
    const [next] = await reopened.commit([put('c')]);
    assert.equal(next.object.resourceVersion, 4, 'the counter continues after a restart');
  });

  it('a fresh directory is created on demand with an empty log (no snapshot until the first compaction)', async () => {
    const dir = path.join(tempDir(), 'nested', '.ricochet');
    const store = await openStore(dir);
    assert.equal(store.resourceVersion, 0);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['lock', 'objects.log']);
    assert.deepEqual(fs.readFileSync(logPath(dir)), LOG_MAGIC);
  });

  it('compaction: past N records the log becomes a snapshot + new log; recovery = snapshot + log', async () => {
    const dir = tempDir();
    const store = await openStore(dir, { compactAfterRecords: 4 });
    for (let i = 0; i < 10; i++) await store.commit([put(`o${i % 6}`, { i })]);
    // Compacted after commits 4 and 8: the log holds commits 9 and 10 only.
    assert.equal(records(dir).length, 2);
    const before = store.all();
    await store.close();
    const reopened = await openStore(dir);
    assert.deepEqual(reopened.all(), before);
    assert.equal(reopened.resourceVersion, 10);
  });

  it('compaction by size: past N bytes', async () => {
    const dir = tempDir();
    const store = await openStore(dir, { compactAfterBytes: 2000 });
    for (let i = 0; i < 30; i++) await store.commit([put(`o${i}`, { pad: 'x'.repeat(100) })]);
    assert.ok(fs.statSync(logPath(dir)).size < 2000 + 400);
    await store.close();
    assert.equal((await openStore(dir)).all().length, 30);
  });

  it('a crash between writing the snapshot and replacing the log: old records at or below the snapshot are skipped', async () => {
    const dir = tempDir();
    const store = await openStore(dir, { compactAfterRecords: 3 });
    await store.commit([put('a')]);
    await store.commit([put('b')]);
    const oldLog = fs.readFileSync(logPath(dir));
    const [c] = await store.commit([put('c')]); // compacts: snapshot at rv 3, empty log
    await store.close();
    // What a crash after the snapshot's rename but before the log's leaves: the old log, rv 1..3.
    const cRecord = encodeRecord({ v: 1, ops: [{ rv: 3, type: 'put', key: c.object.key, object: c.object.object }] });
    fs.writeFileSync(logPath(dir), Buffer.concat([oldLog, cRecord]));
    fs.writeFileSync(`${snapshotPath(dir)}.tmp`, 'half a snapshot from an even later crash');
    const reopened = await openStore(dir);
    assert.deepEqual(names(reopened), ['a', 'b', 'c']);
    assert.deepEqual(reopened.problems, []);
    assert.equal(fs.existsSync(`${snapshotPath(dir)}.tmp`), false, 'the leftover temporary file is removed');
    const [d] = await reopened.commit([put('d')]);
    assert.equal(d.object.resourceVersion, 4);
    await reopened.close();
    assert.deepEqual(names(await openStore(dir)), ['a', 'b', 'c', 'd']);
  });

  it('torn tail, cut anywhere in the last record (every header byte, payload sampled): reported, kept aside, log truncated, the batch absent as a whole', async () => {
    const dir = await threeRecords();
    const log = fs.readFileSync(logPath(dir));
    const [, batch, last] = records(dir);
    // Cut inside the two-op batch (the last record once `d` is dropped): every byte of the
    // 12-byte frame header, then about 25 places in the payload including its last byte.
    const base = log.subarray(0, last.offset);
    const cuts = new Set<number>();
    for (let cut = batch.offset + 1; cut <= batch.offset + 13; cut++) cuts.add(cut);
    const step = Math.max(1, Math.floor((batch.end - batch.offset) / 25));
    for (let cut = batch.offset + 13; cut < batch.end; cut += step) cuts.add(cut);
    cuts.add(batch.end - 1);
    for (const cut of cuts) {
      fs.writeFileSync(logPath(dir), base.subarray(0, cut));
      for (const f of fs.readdirSync(dir)) if (f.includes('.torn.')) fs.rmSync(path.join(dir, f));
      const store = await FileObjectStore.open(dir);
      try {
        assert.deepEqual(names(store), ['a'], `cut at ${cut}: neither b nor c`);
        assert.equal(store.problems.length, 1);
        const [p] = store.problems;
        assert.equal(p.file, logPath(dir));
        assert.equal(p.offset, batch.offset);
        assert.match(p.message, /cut short.*never acknowledged/);
        assert.equal(p.preservedAs, path.join(dir, `objects.log.torn.${batch.offset}`));
        assert.deepEqual(fs.readFileSync(p.preservedAs as string), base.subarray(batch.offset, cut));
        assert.equal(fs.statSync(logPath(dir)).size, batch.offset);
      } finally {
        await store.close();
      }
    }
  });

  it('after a torn tail is cut, new writes append cleanly and the next open is clean', async () => {
    const dir = await threeRecords();
    const [, , last] = records(dir);
    fs.truncateSync(logPath(dir), last.end - 3);
    const store = await openStore(dir);
    assert.equal(store.problems.length, 1);
    await store.commit([put('e')]);
    await store.close();
    const again = await openStore(dir);
    assert.deepEqual(again.problems, []);
    assert.deepEqual(names(again), ['a', 'b', 'c', 'e']);
  });

  it('a second torn tail at the same offset is kept under a new name, nothing overwritten', async () => {
    const dir = await threeRecords();
    const [, , last] = records(dir);
    const log = fs.readFileSync(logPath(dir));
    fs.truncateSync(logPath(dir), last.end - 1);
    await (await FileObjectStore.open(dir)).close();
    fs.writeFileSync(logPath(dir), log.subarray(0, last.end - 2));
    const store = await openStore(dir);
    assert.equal(store.problems[0].preservedAs, path.join(dir, `objects.log.torn.${last.offset}.2`));
    assert.ok(fs.existsSync(path.join(dir, `objects.log.torn.${last.offset}`)));
  });

  it('CRC mismatch in the middle: refused with file and offset; nothing changed on disk', async () => {
    const dir = await threeRecords();
    const [, batch] = records(dir);
    const log = fs.readFileSync(logPath(dir));
    log[batch.end - 5] ^= 0x20;
    fs.writeFileSync(logPath(dir), log);
    const problems = await refused(dir);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].file, logPath(dir));
    assert.equal(problems[0].offset, batch.offset);
    assert.match(problems[0].message, /CRC-32 mismatch/);
    assert.equal(problems[0].preservedAs, undefined);
  });

  it('--data-repair: the damaged record is kept aside, every readable record is kept, the log is rewritten clean', async () => {
    const dir = await threeRecords();
    const [, batch] = records(dir);
    const log = fs.readFileSync(logPath(dir));
    log[batch.end - 5] ^= 0x20;
    fs.writeFileSync(logPath(dir), log);
    const store = await FileObjectStore.open(dir, { repair: true });
    assert.deepEqual(names(store), ['a', 'd'], 'the batch before and the record after the damage');
    assert.equal(store.resourceVersion, 4);
    assert.equal(store.problems.length, 1);
    const [p] = store.problems;
    assert.equal(p.offset, batch.offset);
    assert.equal(p.preservedAs, path.join(dir, `objects.log.corrupt.${batch.offset}`));
    assert.deepEqual(fs.readFileSync(p.preservedAs as string), log.subarray(batch.offset, batch.end));
    assert.deepEqual(fs.readFileSync(path.join(dir, 'objects.log.before-repair')), log, 'the whole log as it was');
    await store.commit([put('e')]);
    await store.close();
    const clean = await openStore(dir);
    assert.deepEqual(clean.problems, []);
    assert.deepEqual(names(clean), ['a', 'd', 'e']);
  });

  it('a damaged length field in the middle is corruption, not a torn tail: the records after it are not dropped', async () => {
    const dir = await threeRecords();
    const [, batch] = records(dir);
    const log = fs.readFileSync(logPath(dir));
    log.writeUInt32BE(1_000_000, batch.offset + 4);
    fs.writeFileSync(logPath(dir), log);
    const problems = await refused(dir);
    assert.equal(problems[0].offset, batch.offset);
    const repaired = await openStore(dir, { repair: true });
    assert.deepEqual(names(repaired), ['a', 'd']);
  });

  it('a complete last record with a bad CRC is corruption (refused), not a torn write', async () => {
    const dir = await threeRecords();
    const [, , last] = records(dir);
    const log = fs.readFileSync(logPath(dir));
    log[last.end - 2] ^= 0x01;
    fs.writeFileSync(logPath(dir), log);
    const problems = await refused(dir);
    assert.equal(problems[0].offset, last.offset);
  });

  it('garbage after the last record (not a record marker) is refused', async () => {
    const dir = await threeRecords();
    fs.appendFileSync(logPath(dir), Buffer.alloc(64));
    const problems = await refused(dir);
    assert.match(problems[0].message, /no record marker/);
  });

  it('a record with a good CRC but unreadable JSON is refused', async () => {
    const dir = await threeRecords();
    fs.appendFileSync(logPath(dir), encodeRecord({ v: 1, ops: [{ rv: 5, type: 'put', key: vsKey('x') }] }));
    const problems = await refused(dir);
    assert.match(problems[0].message, /unreadable record: record ops are malformed/);
  });

  it('missing resourceVersions between records are refused (a record vanished)', async () => {
    const dir = await threeRecords();
    const log = fs.readFileSync(logPath(dir));
    const [, batch] = records(dir);
    fs.writeFileSync(logPath(dir), Buffer.concat([log.subarray(0, batch.offset), log.subarray(batch.end)]));
    const problems = await refused(dir);
    assert.match(problems[0].message, /resourceVersions 2\.\.3 are missing/);
  });

  it('a damaged snapshot is refused; repaired, it is kept aside and the log is replayed', async () => {
    const dir = tempDir();
    const store = await FileObjectStore.open(dir, { compactAfterRecords: 2 });
    await store.commit([put('a')]);
    await store.commit([put('b')]); // snapshot at rv 2
    await store.commit([put('c')]);
    await store.close();
    const snap = fs.readFileSync(snapshotPath(dir));
    snap[snap.length - 3] ^= 0xff;
    fs.writeFileSync(snapshotPath(dir), snap);
    const problems = await refused(dir);
    assert.equal(problems[0].file, snapshotPath(dir));
    const repaired = await openStore(dir, { repair: true });
    assert.deepEqual(names(repaired), ['c'], 'what the log still holds');
    assert.deepEqual(fs.readFileSync(path.join(dir, 'objects.snapshot.corrupt')), snap);
  });

  it('a snapshot without its log is refused (writes after the snapshot would be lost silently)', async () => {
    const dir = tempDir();
    const store = await FileObjectStore.open(dir, { compactAfterRecords: 1 });
    await store.commit([put('a')]);
    await store.close();
    assert.ok(fs.existsSync(snapshotPath(dir)));
    fs.rmSync(logPath(dir));
    const problems = await refused(dir);
    assert.match(problems[0].message, /missing/);
  });

  it('a log with a foreign header is refused', async () => {
    const dir = await threeRecords();
    const log = fs.readFileSync(logPath(dir));
    log.write('XXXX', 0);
    fs.writeFileSync(logPath(dir), log);
    const problems = await refused(dir);
    assert.equal(problems[0].offset, 0);
    assert.match(problems[0].message, /bad file header/);
  });

  it('the lock of a process that died (kill -9) is taken over', async () => {
    const dir = await threeRecords();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(path.join(dir, 'lock'), `${dead.stdout}\n`);
    const store = await openStore(dir);
    assert.equal(fs.readFileSync(path.join(dir, 'lock'), 'utf8').trim(), String(process.pid));
    assert.deepEqual(names(store), ['a', 'b', 'c', 'd']);
  });
});
