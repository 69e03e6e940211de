/**
 * Server-side metadata (src/store/types.ts): uid, creationTimestamp, generation and
 * resourceVersion belong to the store, whatever the client sent; `status` is never stored.
 */
import { randomUUID } from 'node:crypto';
import { canonicalJson } from '../lib/hash';
import type { KubeObject, ObjectKey } from './types';

/** `group/Kind/namespace/name`, the same identity string as `objectKey` in src/sources/object.ts. */
export function keyString(key: ObjectKey): string {
  return `${key.group}/${key.kind}/${key.namespace}/${key.name}`;
}

/** RFC 3339 in UTC without fractional seconds, as Kubernetes writes `creationTimestamp`. */
export function rfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Everything that counts for `generation`: the object minus `metadata` and `status`. */
function specOf(object: Record<string, unknown>): string {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return canonicalJson(rest);
}

export interface Stamp {
  resourceVersion: number;
  now: Date;
}

/**
 * The object as stored: the client's content (minus `status`) with the identity taken from the
 * key and the server-side fields computed from the previous version, if any.
 */
export function stampObject(key: ObjectKey, input: KubeObject, previous: KubeObject | undefined, stamp: Stamp): KubeObject {
  if (input.kind !== key.kind) throw new TypeError(`object kind ${JSON.stringify(input.kind)} does not match key kind ${JSON.stringify(key.kind)}`);
  // A JSON round trip, not structuredClone: what is kept in memory is exactly what the log
  // replays after a restart (no `undefined`, Dates as strings).
  const parsed = JSON.parse(JSON.stringify(input)) as KubeObject;
  const { status: _status, ...content } = parsed;
  // A Pod's status (podIP) is input Ricochet reads, with no kubelet to write it: kept as sent.
  if (statusIsInput(key) && parsed.status !== undefined) (content as Record<string, unknown>).status = parsed.status;
  const metadata: KubeObject['metadata'] = { ...content.metadata, name: key.name };
  if (key.namespace) metadata.namespace = key.namespace;
  else delete metadata.namespace;
  const previousGeneration = typeof previous?.metadata.generation === 'number' ? previous.metadata.generation : 0;
  metadata.uid = previous?.metadata.uid ?? randomUUID();
  metadata.creationTimestamp = previous?.metadata.creationTimestamp ?? rfc3339Seconds(stamp.now);
  metadata.generation = previous && specOf(previous) === specOf(content) ? previousGeneration : previousGeneration + 1;
  metadata.resourceVersion = String(stamp.resourceVersion);
  return { ...content, metadata };
}

/** Kinds whose `status` is data the user writes (there is no kubelet here): core Pods. */
export function statusIsInput(key: ObjectKey): boolean {
  return key.group === '' && key.kind === 'Pod';
}

/** The last version of a deleted object as a DELETED event carries it: the deletion's resourceVersion. */
export function deletedObject(last: KubeObject, resourceVersion: number): KubeObject {
  return { ...last, metadata: { ...last.metadata, resourceVersion: String(resourceVersion) } };
}

/** Stored objects are shared with every reader and watcher: freezing makes a stray edit throw instead of silently changing the store. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
