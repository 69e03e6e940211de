/**
 * The durable object store behind the admin API (issue 5): Kubernetes-shaped objects written
 * through the API, kept under `--data DIR`, fed to the control plane as one more provider.
 *
 * Contract shared by the store (src/store/*), the admin REST API (src/admin/k8s/*) and the
 * provider (src/providers/store.ts):
 * - Every object is identified by group, kind, namespace ('' for cluster-scoped) and name.
 * - `resourceVersion` is one global counter over all objects, as in Kubernetes; it only grows.
 * - The store owns the server-side metadata: `uid`, `creationTimestamp` (kept across updates),
 *   `resourceVersion` (new on every write), `generation` (1 on create, +1 when anything but
 *   `metadata` and `status` changes). `status` is not stored (the API computes it), except for
 *   core Pods, whose `status.podIP` is input Ricochet reads (there is no kubelet to write it).
 * - `commit` is atomic and durable: it resolves only after the whole batch is on disk (fsync),
 *   and either every op of a batch is visible afterwards (in memory and after a restart) or none.
 */

export interface ObjectKey {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** A stored object as the API returns it (without `status`). */
export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string; resourceVersion?: string; generation?: number; uid?: string; creationTimestamp?: string };
};

export interface StoredObject {
  key: ObjectKey;
  object: KubeObject;
  /** The global resourceVersion of the write that produced this version. */
  resourceVersion: number;
}

export type StoreOp =
  | { op: 'put'; key: ObjectKey; object: KubeObject; /** Optimistic concurrency: fail unless the current resourceVersion is this. */ expectResourceVersion?: number; /** Fail if the object exists. */ create?: boolean }
  | { op: 'delete'; key: ObjectKey; expectResourceVersion?: number };

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  /** For DELETED: the last version, with the deletion's resourceVersion. */
  object: StoredObject;
}

/** Why a commit was refused; nothing of the batch was written. */
export class StoreConflictError extends Error {
  constructor(readonly reason: 'AlreadyExists' | 'NotFound' | 'Conflict', readonly key: ObjectKey, message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/** A watch asked for history the store no longer keeps (HTTP 410 Gone). */
export class StoreGoneError extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
    this.name = 'StoreGoneError';
  }
}

/** What opening a data directory found wrong; reported, never silently dropped. */
export interface StoreProblem {
  file: string;
  /** Byte offset of the bad record, when known. */
  offset?: number;
  message: string;
  /** Where the unreadable bytes were moved so nothing is lost. */
  preservedAs?: string;
}

export interface ObjectStore {
  /** The newest resourceVersion (0 when empty). */
  readonly resourceVersion: number;
  get(key: ObjectKey): StoredObject | undefined;
  /** Objects of a kind, optionally in one namespace, sorted by namespace then name. */
  list(filter: { group: string; kind: string; namespace?: string }): StoredObject[];
  all(): StoredObject[];
  /** Atomically applies the batch; resolves after it is durable with the resulting versions (deletes: the removed object). */
  commit(ops: StoreOp[]): Promise<StoreEvent[]>;
  /**
   * Events after `fromResourceVersion` (history first, then live), in order. Throws
   * StoreGoneError when that history is no longer kept.
   */
  watch(fromResourceVersion: number, listener: (event: StoreEvent) => void): { close(): void };
  close(): Promise<void>;
}
