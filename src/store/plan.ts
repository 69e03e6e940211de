/**
 * Turns a batch of ops into the events it would produce, checking every precondition first, so
 * a refused batch writes nothing. Pure: the caller decides when the result becomes durable.
 */
import { deepFreeze, deletedObject, keyString, stampObject } from './metadata';
import { StoreConflictError, type ObjectKey, type StoredObject, type StoreEvent, type StoreOp } from './types';

/** What the log records per op: enough to replay it (the final object, not the request). */
export type LogEntry =
  | { rv: number; type: 'put'; key: ObjectKey; object: StoredObject['object'] }
  | { rv: number; type: 'delete'; key: ObjectKey };

export interface Plan {
  events: StoreEvent[];
  entries: LogEntry[];
  /** The resourceVersion after the batch. */
  resourceVersion: number;
}

function describe(key: ObjectKey): string {
  const group = key.group ? `.${key.group}` : '';
  return `${key.kind}${group} "${key.namespace ? `${key.namespace}/` : ''}${key.name}"`;
}

function checkKey(key: ObjectKey): void {
  for (const field of ['group', 'kind', 'namespace', 'name'] as const) {
    if (typeof key?.[field] !== 'string') throw new TypeError(`store key needs a string ${field}`);
  }
  if (!key.kind || !key.name) throw new TypeError('store key needs a kind and a name');
}

/**
 * `lookup` gives the current version of an object (the committed state plus whatever batches
 * are already planned ahead of this one); ops of the same batch see each other in order.
 */
export function planCommit(ops: readonly StoreOp[], lookup: (key: string) => StoredObject | undefined, fromResourceVersion: number, now: Date): Plan {
  const local = new Map<string, StoredObject | null>();
  const current = (k: string): StoredObject | undefined => {
    const staged = local.get(k);
    return staged === null ? undefined : staged ?? lookup(k);
  };
  const events: StoreEvent[] = [];
  const entries: LogEntry[] = [];
  let rv = fromResourceVersion;
  for (const op of ops) {
    checkKey(op.key);
    const k = keyString(op.key);
    const existing = current(k);
    if (op.expectResourceVersion !== undefined) {
      if (!existing) throw new StoreConflictError('NotFound', op.key, `${describe(op.key)} not found`);
      if (existing.resourceVersion !== op.expectResourceVersion) {
        throw new StoreConflictError('Conflict', op.key, `Operation cannot be fulfilled on ${describe(op.key)}: the object has been modified; please apply your changes to the latest version and try again`);
      }
    }
    rv++;
    if (op.op === 'delete') {
      if (!existing) throw new StoreConflictError('NotFound', op.key, `${describe(op.key)} not found`);
      const stored = deepFreeze<StoredObject>({ key: { ...op.key }, object: deletedObject(existing.object, rv), resourceVersion: rv });
      local.set(k, null);
      events.push({ type: 'DELETED', object: stored });
      entries.push({ rv, type: 'delete', key: stored.key });
      continue;
    }
    if (op.create && existing) throw new StoreConflictError('AlreadyExists', op.key, `${describe(op.key)} already exists`);
    const object = stampObject(op.key, op.object, existing?.object, { resourceVersion: rv, now });
    const stored = deepFreeze<StoredObject>({ key: { ...op.key }, object, resourceVersion: rv });
    local.set(k, stored);
    events.push({ type: existing ? 'MODIFIED' : 'ADDED', object: stored });
    entries.push({ rv, type: 'put', key: stored.key, object });
  }
  return { events, entries, resourceVersion: rv };
}
