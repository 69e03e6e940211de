/**
 * FileObjectStore: the ObjectStore of src/store/types.ts, in memory and durable in a data
 * directory.
 *
 *   DIR/lock                 pid of the process using the directory
 *   DIR/objects.snapshot     every object at one resourceVersion (one framed record)
 *   DIR/objects.log          one framed record per commit batch after that snapshot
 *   DIR/objects.log.torn.<offset>, objects.log.corrupt.<offset>, objects.snapshot.corrupt,
 *   DIR/objects.log.before-repair   bytes set aside at open (see ./recovery.ts)
 *
 * A commit becomes one record appended to the log and fdatasync'ed before its promise resolves
 * and before readers and watchers see it. Commits are serialised; those that arrive while a
 * write is in flight are written together with one fsync (group commit), each still its own
 * record, so each stays atomic on its own.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../lib/log';
import { acquireLock, writeFileDurable } from './durable';
import { encodeRecord, LOG_MAGIC, SNAPSHOT_MAGIC } from './framing';
import { WatchHistory } from './history';
import { keyString } from './metadata';
import { FORMAT_VERSION, type LogPayload, type SnapshotPayload } from './payload';
import { planCommit, type Plan } from './plan';
import { LOCK_FILE, LOG_FILE, recover, SNAPSHOT_FILE } from './recovery';
import type { ObjectKey, ObjectStore, StoredObject, StoreEvent, StoreOp, StoreProblem } from './types';

export interface FileObjectStoreOptions {
  /** Set damaged records aside and open with the rest (`serve --data-repair`). */
  repair?: boolean;
  /** Events kept for watches; older resourceVersions get StoreGoneError. */
  historyLimit?: number;
  /** Compact (snapshot + new log) once the log holds this many records... */
  compactAfterRecords?: number;
  /** ...or this many bytes. */
  compactAfterBytes?: number;
  /** Clock for creationTimestamp (tests). */
  now?: () => Date;
  logger?: Logger;
}

interface Pending {
  ops: StoreOp[];
  resolve(events: StoreEvent[]): void;
  reject(err: unknown): void;
}

const DEFAULTS = { historyLimit: 1000, compactAfterRecords: 10_000, compactAfterBytes: 16 * 1024 * 1024 };

export class FileObjectStore implements ObjectStore {
  /** What opening the directory found and did (torn tail cut, damage set aside); empty when clean. */
  readonly problems: StoreProblem[];
  private readonly objects: Map<string, StoredObject>;
  private rv: number;
  private readonly history: WatchHistory;
  private log: fs.FileHandle;
  private logSize: number;
  private logRecords: number;
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;
  /** Set after a failed write or fsync: what is on disk is unknown, so nothing more is accepted. */
  private failure: Error | undefined;

  private constructor(
    readonly dir: string,
    private readonly opts: Required<Pick<FileObjectStoreOptions, 'historyLimit' | 'compactAfterRecords' | 'compactAfterBytes'>> & FileObjectStoreOptions,
    state: { objects: Map<string, StoredObject>; resourceVersion: number; problems: StoreProblem[]; log: fs.FileHandle; logSize: number; logRecords: number },
  ) {
    this.objects = state.objects;
    this.rv = state.resourceVersion;
    this.problems = state.problems;
    this.log = state.log;
    this.logSize = state.logSize;
    this.logRecords = state.logRecords;
    this.history = new WatchHistory(this.rv, opts.historyLimit);
  }

  /**
   * Opens (creating if needed) a data directory and replays it. Throws StoreOpenError when it
   * is damaged and `repair` is off; a torn tail is cut off and reported in `problems`.
   */
  static async open(dir: string, options: FileObjectStoreOptions = {}): Promise<FileObjectStore> {
    const opts = { ...DEFAULTS, ...options };
    const abs = path.resolve(dir);
    await fs.mkdir(abs, { recursive: true });
    const lock = path.join(abs, LOCK_FILE);
    await acquireLock(lock);
    try {
      const found = await recover(abs, opts.repair ?? false);
      let logSize = found.logSize;
      let logRecords = found.logRecords;
      if (found.rewrite) {
        // Snapshot first: until the new log replaces the old one, the old one is still read.
        if (found.rewrite === 'repair') await writeSnapshot(abs, found.resourceVersion, [...found.objects.values()]);
        await writeFileDurable(path.join(abs, LOG_FILE), LOG_MAGIC);
        logSize = LOG_MAGIC.length;
        logRecords = 0;
      }
      const log = await fs.open(path.join(abs, LOG_FILE), 'a');
      return new FileObjectStore(abs, opts, { ...found, log, logSize, logRecords });
    } catch (err) {
      await fs.rm(lock, { force: true });
      throw err;
    }
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can start from. */
  get oldestWatchableVersion(): number {
    return this.history.oldest;
  }

  get(key: ObjectKey): StoredObject | undefined {
    return this.objects.get(keyString(key));
  }

  list(filter: { group: string; kind: string; namespace?: string }): StoredObject[] {
    const out: StoredObject[] = [];
    for (const o of this.objects.values()) {
      if (o.key.group !== filter.group || o.key.kind !== filter.kind) continue;
      if (filter.namespace !== undefined && o.key.namespace !== filter.namespace) continue;
      out.push(o);
    }
    return out.sort(byNamespaceThenName);
  }

  all(): StoredObject[] {
    return [...this.objects.values()].sort((a, b) => compare(keyString(a.key), keyString(b.key)));
  }

  commit(ops: StoreOp[]): Promise<StoreEvent[]> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    if (this.failure) return Promise.reject(this.failure);
    if (ops.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      this.pump();
    });
  }

  watch(fromResourceVersion: number, listener: (event: StoreEvent) => void): { close(): void } {
    return this.history.watch(fromResourceVersion, listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing) await this.writing;
    this.history.closeAll();
    await this.log.close();
    await fs.rm(path.join(this.dir, LOCK_FILE), { force: true });
  }

  private pump(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = this.flush().finally(() => {
      this.writing = undefined;
      this.pump();
    });
  }

  /** Never rejects: whatever goes wrong is the group's commits' error. */
  private async flush(): Promise<void> {
    const group = this.queue.splice(0);
    try {
      await this.flushGroup(group);
    } catch (err) {
      // Unexpected (a bug): nothing of the group was published; settle every caller.
      for (const p of group) p.reject(err);
    }
  }

  /** Plans every queued commit in order, writes their records with one fsync, then publishes. */
  private async flushGroup(group: Pending[]): Promise<void> {
    if (this.failure) {
      for (const p of group) p.reject(this.failure);
      return;
    }
    const staged = new Map<string, StoredObject | null>();
    const lookup = (k: string): StoredObject | undefined => {
      const s = staged.get(k);
      return s === null ? undefined : s ?? this.objects.get(k);
    };
    const now = (this.opts.now ?? (() => new Date()))();
    const accepted: Array<{ pending: Pending; plan: Plan; record: Buffer }> = [];
    let rv = this.rv;
    for (const pending of group) {
      let plan: Plan;
      let record: Buffer;
      try {
        plan = planCommit(pending.ops, lookup, rv, now);
        record = encodeRecord({ v: FORMAT_VERSION, ops: plan.entries } satisfies LogPayload);
      } catch (err) {
        pending.reject(err);
        continue;
      }
      for (const e of plan.events) staged.set(keyString(e.object.key), e.type === 'DELETED' ? null : e.object);
      rv = plan.resourceVersion;
      accepted.push({ pending, plan, record });
    }
    if (accepted.length === 0) return;
    const bytes = Buffer.concat(accepted.map((a) => a.record));
    try {
      await this.append(bytes);
    } catch (err) {
      const failure = new Error(`the store could not write ${path.join(this.dir, LOG_FILE)}: ${(err as Error).message}; no further writes are accepted until a restart`);
      this.failure = failure;
      this.opts.logger?.error({ err }, failure.message);
      for (const { pending } of accepted) pending.reject(failure);
      return;
    }
    this.logRecords += accepted.length;
    for (const { pending, plan } of accepted) {
      for (const e of plan.events) {
        if (e.type === 'DELETED') this.objects.delete(keyString(e.object.key));
        else this.objects.set(keyString(e.object.key), e.object);
      }
      this.rv = plan.resourceVersion;
      this.history.publish(plan.events);
      pending.resolve(plan.events);
    }
    if (this.logRecords >= this.opts.compactAfterRecords || this.logSize >= this.opts.compactAfterBytes) await this.compact();
  }

  /** Appends and fdatasyncs; on failure tries to cut the log back so no partial record stays. */
  private async append(bytes: Buffer): Promise<void> {
    const before = this.logSize;
    try {
      // A write to a regular file may be partial (ENOSPC half-way): loop until all is written.
      for (let written = 0; written < bytes.length; ) written += (await this.log.write(bytes, written)).bytesWritten;
      // fdatasync: the appended data and the new file size, which is all an append needs.
      await this.log.datasync();
      this.logSize += bytes.length;
    } catch (err) {
      await this.log.truncate(before).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Snapshot + fresh log. Each step leaves a readable directory: until the new log replaces the
   * old one, the old log's records are all at or below the snapshot's version and are skipped.
   */
  private async compact(): Promise<void> {
    const logFile = path.join(this.dir, LOG_FILE);
    try {
      await writeSnapshot(this.dir, this.rv, [...this.objects.values()]);
      await writeFileDurable(logFile, LOG_MAGIC);
    } catch (err) {
      // The old log is still in place and open: keep appending to it, try again next time.
      this.opts.logger?.warn({ err }, `compacting ${this.dir} failed; the log keeps growing`);
      return;
    }
    const old = this.log;
    try {
      this.log = await fs.open(logFile, 'a');
    } catch (err) {
      // The open handle now points at the replaced file: appending there would lose writes.
      this.failure = new Error(`the store could not reopen ${logFile} after compaction: ${(err as Error).message}; no further writes are accepted until a restart`);
      this.opts.logger?.error({ err }, this.failure.message);
      return;
    }
    await old.close().catch(() => undefined);
    this.logSize = LOG_MAGIC.length;
    this.logRecords = 0;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byNamespaceThenName(a: StoredObject, b: StoredObject): number {
  return compare(a.key.namespace, b.key.namespace) || compare(a.key.name, b.key.name);
}

async function writeSnapshot(dir: string, resourceVersion: number, objects: StoredObject[]): Promise<void> {
  const payload: SnapshotPayload = { v: FORMAT_VERSION, resourceVersion, objects };
  await writeFileDurable(path.join(dir, SNAPSHOT_FILE), Buffer.concat([SNAPSHOT_MAGIC, encodeRecord(payload)]));
}
