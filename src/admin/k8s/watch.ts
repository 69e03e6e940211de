/**
 * `?watch=true` (spec/kubectl-1.20.md §6): a 200 response kept open, one JSON event per line,
 * written as each change is committed. `resourceVersion` absent or `0` first sends ADDED for
 * every current match (`kubectl get NAME -w` throws the first event away, §11 pitfall 15);
 * `N` sends only what happened after N, or one ERROR event with a 410 `Expired` Status when the
 * store no longer keeps that history. Table events when a Table was asked for, plain objects
 * otherwise, never mixed (§11 pitfall 14). A closed client is noticed with `res.on('close')`
 * (§11 pitfall 20: the request's own 'close' fires as soon as its body is read).
 *
 * Changes to `--sources` files are not events here: the watch follows the store, where API writes go.
 */
import type { FastifyReply } from 'fastify';
import { StoreGoneError, type ObjectStore, type StoreEvent } from '../../store/types';
import type { ServedObject } from './catalog';
import { matchesFilter, type ObjectFilter } from './selectors';
import { badRequest, expired } from './status';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR';

export interface WatchSpec {
  group: string;
  kind: string;
  /** Undefined watches every namespace. */
  namespace?: string;
  filter: ObjectFilter;
  /** Where to start: undefined for "current state first" (absent or `0`). */
  from?: number;
  timeoutSeconds?: number;
  /** Renders a served object as the event's `object` (plain object with status, or a one-row Table). */
  render(object: ServedObject, resourceVersion: string): unknown;
  /** Current matches, for the initial ADDED events. */
  current(): ServedObject[];
}

/** `resourceVersion` for a watch: undefined for absent or 0 (send current state first), else the number. */
export function parseWatchFrom(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || value === '0') return undefined;
  if (!/^\d{1,15}$/.test(value)) throw badRequest(`invalid resourceVersion ${JSON.stringify(value)}: expected a number`);
  return Number(value);
}

export function parseTimeoutSeconds(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,9}$/.test(value)) throw badRequest(`invalid timeoutSeconds ${JSON.stringify(value)}: expected a whole number of seconds`);
  return Number(value);
}

/**
 * The resourceVersion a list reports. Never "0": a watch from "0" means "send the current state
 * first", and kubectl would print every row twice (§6); an empty store reports "00", which the
 * watch reads as version 0 without the initial state. The value is opaque to clients.
 */
export function listResourceVersion(store: ObjectStore | undefined): string {
  const rv = store?.resourceVersion ?? 0;
  return rv === 0 ? '00' : String(rv);
}

export function serveWatch(reply: FastifyReply, store: ObjectStore | undefined, spec: WatchSpec): void {
  const res = reply.raw;
  const visible = new Set<string>();
  const pending: StoreEvent[] = [];
  let ready = false;
  let closed = false;
  const id = (s: { key: { namespace: string; name: string } }): string => `${s.key.namespace}/${s.key.name}`;

  const write = (type: WatchEventType, object: unknown): void => {
    if (!closed) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const deliver = (event: StoreEvent): void => {
    const key = event.object.key;
    if (key.group !== spec.group || key.kind !== spec.kind) return;
    if (spec.namespace !== undefined && key.namespace !== spec.namespace) return;
    const served: ServedObject = { key, object: event.object.object, origin: 'api' };
    const rv = String(event.object.resourceVersion);
    const matches = event.type !== 'DELETED' && matchesFilter(spec.filter, served.object.metadata);
    const was = visible.has(id(served));
    // An object leaving the selection is DELETED for this watch, one entering it ADDED, as in the apiserver.
    if (matches) {
      visible.add(id(served));
      write(was ? 'MODIFIED' : 'ADDED', spec.render(served, rv));
    } else if (was || (event.type === 'DELETED' && matchesFilter(spec.filter, served.object.metadata))) {
      visible.delete(id(served));
      write('DELETED', spec.render(served, rv));
    }
  };

  let subscription: { close(): void } | undefined;
  let gone: StoreGoneError | undefined;
  const initial = spec.from === undefined ? spec.current().filter((o) => matchesFilter(spec.filter, o.object.metadata)) : [];
  if (spec.from !== undefined) {
    // Objects matching now are taken as visible at N: right for the kubectl case (N is the list's version).
    for (const o of spec.current()) if (matchesFilter(spec.filter, o.object.metadata)) visible.add(id(o));
  }
  try {
    subscription = store?.watch(spec.from ?? store.resourceVersion, (event) => (ready ? deliver(event) : pending.push(event)));
  } catch (err) {
    if (!(err instanceof StoreGoneError)) throw err;
    gone = err;
  }

  reply.hijack();
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  const finish = (): void => {
    if (closed) return;
    closed = true;
    subscription?.close();
    if (timer) clearTimeout(timer);
    res.end();
  };
  const timer = spec.timeoutSeconds !== undefined ? setTimeout(finish, spec.timeoutSeconds * 1000) : undefined;
  res.on('close', () => {
    closed = true;
    subscription?.close();
    if (timer) clearTimeout(timer);
  });
  if (gone) {
    write('ERROR', expired(gone.message));
    finish();
    return;
  }
  for (const o of initial) {
    visible.add(id(o));
    write('ADDED', spec.render(o, o.object.metadata.resourceVersion ?? listResourceVersion(store)));
  }
  ready = true;
  for (const event of pending.splice(0)) deliver(event);
}
