/**
 * Opening a data directory: snapshot + log replay, with every damaged byte reported and kept.
 *
 * - A torn tail (the last record is incomplete and nothing valid follows: the process died
 *   mid-append, so that write was never acknowledged) is reported, copied to
 *   `objects.log.torn.<offset>` and cut off; the store opens.
 * - Anything else (CRC mismatch, unparsable record, missing resourceVersions, a damaged
 *   snapshot, a snapshot without its log) is reported and the store refuses to open, touching
 *   nothing. With `repair`, each damaged region is copied to `objects.log.corrupt.<offset>`
 *   (`objects.snapshot.corrupt` for a snapshot), the whole log as it was to
 *   `objects.log.before-repair`, every readable record is kept, and the caller rewrites a clean
 *   snapshot + log.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fsyncDir, preserveAside, unusedName } from './durable';
import { FILE_MAGIC_SIZE, frames, LOG_MAGIC, SNAPSHOT_MAGIC } from './framing';
import { deepFreeze, keyString } from './metadata';
import { readLogPayload, readSnapshotPayload } from './payload';
import type { LogEntry } from './plan';
import type { StoredObject, StoreProblem } from './types';

export const LOG_FILE = 'objects.log';
export const SNAPSHOT_FILE = 'objects.snapshot';
export const LOCK_FILE = 'lock';

/** The store refused to open: the problems say what is damaged and where. */
export class StoreOpenError extends Error {
  constructor(readonly problems: StoreProblem[]) {
    super(`the data directory is damaged (${problems.map((p) => `${p.file}${p.offset !== undefined ? ` at byte ${p.offset}` : ''}: ${p.message}`).join('; ')}); start with --data-repair to set the damaged records aside and open with everything else`);
    this.name = 'StoreOpenError';
  }
}

export interface Recovered {
  objects: Map<string, StoredObject>;
  resourceVersion: number;
  problems: StoreProblem[];
  /** Records and bytes of the log as kept (for the compaction threshold and appends). */
  logRecords: number;
  logSize: number;
  /** Before use: create the log (a new directory), or write a snapshot + fresh log (after a repair). */
  rewrite?: 'create' | 'repair';
}

/** One side effect to perform only if the store does open (a refusal changes nothing on disk). */
type Action = () => Promise<void>;

class Replay {
  readonly objects = new Map<string, StoredObject>();
  resourceVersion = 0;
  readonly problems: StoreProblem[] = [];
  /** Problems that need --data-repair. */
  damaged = false;
  readonly actions: Action[] = [];
  rewrite = false;

  constructor(readonly dir: string, readonly repair: boolean) {}

  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Reports damage; with repair, keeps the bytes aside and goes on. */
  damage(problem: StoreProblem, keep?: { base: string; bytes: Buffer }): void {
    this.damaged = true;
    this.rewrite = true;
    if (this.repair && keep) {
      const p: StoreProblem = { ...problem };
      this.actions.push(async () => {
        p.preservedAs = this.file(await preserveAside(this.dir, keep.base, keep.bytes));
      });
      this.problems.push(p);
      return;
    }
    this.problems.push(problem);
  }

  apply(entries: LogEntry[]): void {
    for (const e of entries) {
      if (e.type === 'delete') this.objects.delete(keyString(e.key));
      else this.objects.set(keyString(e.key), deepFreeze({ key: e.key, object: e.object, resourceVersion: e.rv }));
    }
    this.resourceVersion = entries[entries.length - 1].rv;
  }
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function readSnapshot(r: Replay, buf: Buffer): void {
  const file = r.file(SNAPSHOT_FILE);
  const keep = { base: `${SNAPSHOT_FILE}.corrupt`, bytes: buf };
  if (buf.length < FILE_MAGIC_SIZE || !buf.subarray(0, FILE_MAGIC_SIZE).equals(SNAPSHOT_MAGIC)) {
    r.damage({ file, offset: 0, message: 'not a Ricochet snapshot (bad file header); starting from an empty state' }, keep);
    return;
  }
  const items = [...frames(buf, FILE_MAGIC_SIZE)];
  const first = items[0];
  if (items.length !== 1 || first?.kind !== 'record') {
    const offset = items.find((i) => i.kind !== 'record')?.offset ?? FILE_MAGIC_SIZE;
    r.damage({ file, offset, message: 'the snapshot record is damaged (CRC mismatch or cut short); starting from an empty state' }, keep);
    return;
  }
  const snapshot = readSnapshotPayload(first.payload);
  if (typeof snapshot === 'string') {
    r.damage({ file, offset: first.offset, message: `${snapshot}; starting from an empty state` }, keep);
    return;
  }
  for (const o of snapshot.objects) r.objects.set(keyString(o.key), deepFreeze(o));
  r.resourceVersion = snapshot.resourceVersion;
}

async function readLog(r: Replay, buf: Buffer): Promise<{ records: number; size: number }> {
  const file = r.file(LOG_FILE);
  if (buf.length < FILE_MAGIC_SIZE || !buf.subarray(0, FILE_MAGIC_SIZE).equals(LOG_MAGIC)) {
    r.damage({ file, offset: 0, message: 'not a Ricochet object log (bad file header)' }, { base: `${LOG_FILE}.corrupt.0`, bytes: buf });
    return { records: 0, size: 0 };
  }
  const snapshotVersion = r.resourceVersion;
  let records = 0;
  let size = buf.length;
  // After damage was set aside (repair), later records may legitimately skip resourceVersions.
  let gapAllowed = r.damaged;
  for (const item of frames(buf, FILE_MAGIC_SIZE)) {
    if (item.kind === 'torn') {
      const bytes = buf.subarray(item.offset);
      const problem: StoreProblem = { file, offset: item.offset, message: `the last record is cut short (${bytes.length} bytes of an append the process did not finish; it was never acknowledged); the log is truncated to the last complete record` };
      r.problems.push(problem);
      r.actions.push(async () => {
        problem.preservedAs = r.file(await preserveAside(r.dir, `${LOG_FILE}.torn.${item.offset}`, bytes));
        await truncate(file, item.offset);
      });
      size = item.offset;
      break;
    }
    if (item.kind === 'corrupt') {
      r.damage({ file, offset: item.offset, message: `${item.end - item.offset} damaged bytes (${item.reason})` }, { base: `${LOG_FILE}.corrupt.${item.offset}`, bytes: buf.subarray(item.offset, item.end) });
      gapAllowed = true;
      continue;
    }
    const entries = readLogPayload(item.payload);
    if (typeof entries === 'string') {
      r.damage({ file, offset: item.offset, message: `unreadable record: ${entries}` }, { base: `${LOG_FILE}.corrupt.${item.offset}`, bytes: buf.subarray(item.offset, item.end) });
      gapAllowed = true;
      continue;
    }
    records++;
    const first = entries[0].rv;
    const last = entries[entries.length - 1].rv;
    // Written before the last compaction's snapshot, which already holds it.
    if (last <= snapshotVersion) continue;
    if (first <= r.resourceVersion || (first !== r.resourceVersion + 1 && !gapAllowed)) {
      const message = first <= r.resourceVersion
        ? `record resourceVersion ${first} does not follow ${r.resourceVersion}`
        : `resourceVersions ${r.resourceVersion + 1}..${first - 1} are missing before this record`;
      r.damage({ file, offset: item.offset, message }, first <= r.resourceVersion ? { base: `${LOG_FILE}.corrupt.${item.offset}`, bytes: buf.subarray(item.offset, item.end) } : undefined);
      if (first <= r.resourceVersion) continue;
    }
    r.apply(entries);
  }
  return { records, size };
}

async function truncate(file: string, size: number): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.truncate(size);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Leftovers of a replacement that crashed before its rename: the old file is still complete. */
async function removeTemporaries(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith('objects.') && name.endsWith('.tmp')) await fs.rm(path.join(dir, name), { force: true });
  }
}

/** Reads the data directory (which must exist and be locked by the caller). */
export async function recover(dir: string, repair: boolean): Promise<Recovered> {
  await removeTemporaries(dir);
  const r = new Replay(dir, repair);
  const snapshot = await readIfExists(r.file(SNAPSHOT_FILE));
  if (snapshot) readSnapshot(r, snapshot);
  const log = await readIfExists(r.file(LOG_FILE));
  let kept = { records: 0, size: 0 };
  if (log) kept = await readLog(r, log);
  else if (snapshot) r.damage({ file: r.file(LOG_FILE), message: `missing, but ${SNAPSHOT_FILE} exists: writes after the snapshot may be lost` });
  if (r.damaged && !repair) throw new StoreOpenError(r.problems);
  if (r.damaged && log) {
    // The log as it was, whole, before the rewrite replaces it: a repair never loses a byte.
    r.actions.unshift(async () => {
      const name = await unusedName(dir, `${LOG_FILE}.before-repair`);
      await fs.copyFile(r.file(LOG_FILE), r.file(name));
      const handle = await fs.open(r.file(name), 'r');
      await handle.sync().finally(() => handle.close());
      await fsyncDir(dir);
    });
  }
  for (const action of r.actions) await action();
  // A new directory needs only a log: a snapshot without its log would be refused as damage.
  const rewrite = r.rewrite ? 'repair' : !log ? 'create' : undefined;
  return { objects: r.objects, resourceVersion: r.resourceVersion, problems: r.problems, logRecords: kept.records, logSize: kept.size, rewrite };
}
