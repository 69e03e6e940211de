/**
 * Preconditions and atomic batches (src/store/types.ts: "commit is atomic and durable";
 * ux-and-libraries.md §1.6: stale resourceVersion → 409 Conflict, existing name → 409
 * AlreadyExists; kubectl-1.20.md §4.4 conflict handling).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { StoreConflictError, type StoreEvent } from '../../src/store/types';
import { del, logPath, openStore, put, tempDir, virtualService, VS, vsKey } from './helpers';

async function conflict(promise: Promise<unknown>, reason: StoreConflictError['reason'], message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof StoreConflictError, `expected StoreConflictError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.match(err.message, message);
    return true;
  });
}

describe('store: preconditions and atomic batches', () => {
  it('create of an existing name → AlreadyExists, nothing written', async () => {
    const dir = tempDir();
    const store = await openStore(dir);
    await store.commit([put('reviews')]);
    const size = fs.statSync(logPath(dir)).size;
    await conflict(store.commit([put('reviews', { hosts: ['x'] }, { create: true })]), 'AlreadyExists', /VirtualService\.networking\.istio\.io "default\/reviews" already exists/);
    assert.equal(store.resourceVersion, 1);
    assert.deepEqual(store.get(vsKey('reviews'))?.object.spec, { hosts: ['reviews'] });
    assert.equal(fs.statSync(logPath(dir)).size, size, 'a refused commit appends nothing');
  });

  it('expectResourceVersion: stale → Conflict, missing object → NotFound, current → applied', async () => {
    const store = await openStore(tempDir());
    await store.commit([put('reviews')]);
    await store.commit([put('reviews', { hosts: ['v2'] })]);
    await conflict(store.commit([put('reviews', { hosts: ['stale'] }, { expectResourceVersion: 1 })]), 'Conflict', /the object has been modified; please apply your changes to the latest version and try again/);
    await conflict(store.commit([put('ratings', {}, { expectResourceVersion: 1 })]), 'NotFound', /not found/);
    await conflict(store.commit([del('reviews', 1)]), 'Conflict', /has been modified/);
    const [ok] = await store.commit([put('reviews', { hosts: ['v3'] }, { expectResourceVersion: 2 })]);
    assert.equal(ok.object.resourceVersion, 3);
    const [gone] = await store.commit([del('reviews', 3)]);
    assert.equal(gone.type, 'DELETED');
  });

  it('delete of a missing object → NotFound', async () => {
    const store = await openStore(tempDir());
    await conflict(store.commit([del('nothing')]), 'NotFound', /VirtualService\.networking\.istio\.io "default\/nothing" not found/);
    assert.equal(store.resourceVersion, 0);
  });

  it('a batch is all or nothing: one failing op leaves every other op unapplied', async () => {
    const dir = tempDir();
    const store = await openStore(dir);
    await store.commit([put('a')]);
    const seen: StoreEvent[] = [];
    store.watch(store.resourceVersion, (e) => seen.push(e));
    const size = fs.statSync(logPath(dir)).size;
    await conflict(store.commit([put('b'), put('a', { hosts: ['changed'] }), put('a', {}, { create: true })]), 'AlreadyExists', /already exists/);
    assert.equal(store.get(vsKey('b')), undefined);
    assert.deepEqual(store.get(vsKey('a'))?.object.spec, { hosts: ['a'] });
    assert.equal(store.resourceVersion, 1);
    assert.equal(seen.length, 0, 'watchers saw nothing');
    assert.equal(fs.statSync(logPath(dir)).size, size);
    await store.close();
    const reopened = await openStore(dir);
    assert.deepEqual(reopened.all().map((o) => o.key.name), ['a']);
  });

  it('ops of one batch see each other in order and each get the next resourceVersion', async () => {
    const store = await openStore(tempDir());
    const events = await store.commit([put('a', {}, { create: true }), put('a', { v: 2 }, { expectResourceVersion: 1 }), put('b'), del('a', 2)]);
    assert.deepEqual(events.map((e) => [e.type, e.object.key.name, e.object.resourceVersion]), [
      ['ADDED', 'a', 1], ['MODIFIED', 'a', 2], ['ADDED', 'b', 3], ['DELETED', 'a', 4],
    ]);
    assert.equal(events[1].object.object.metadata.generation, 2);
    assert.equal(store.resourceVersion, 4);
    assert.deepEqual(store.all().map((o) => o.key.name), ['b']);
  });

  it('concurrent commits are serialised in call order; a refused one does not affect the others', async () => {
    const store = await openStore(tempDir());
    const results = await Promise.allSettled([
      store.commit([put('a', {}, { create: true })]),
      store.commit([put('a', { again: true }, { create: true })]),
      store.commit([put('b')]),
      store.commit([put('a', { v: 2 }, { expectResourceVersion: 1 })]),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const versions = results.map((r) => (r.status === 'fulfilled' ? r.value[0].object.resourceVersion : undefined));
    assert.deepEqual(versions, [1, undefined, 2, 3]);
    assert.deepEqual(store.get(vsKey('a'))?.object.spec, { v: 2 });
  });

  it('an empty batch writes nothing and resolves with no events', async () => {
    const store = await openStore(tempDir());
    assert.deepEqual(await store.commit([]), []);
    assert.equal(store.resourceVersion, 0);
  });

  it('list filters by kind and namespace, sorted by namespace then name; all() holds every kind', async () => {
    const store = await openStore(tempDir());
    await store.commit([
      { op: 'put', key: vsKey('zeta', 'b'), object: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'zeta' } } },
      { op: 'put', key: vsKey('alpha', 'b'), object: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'alpha' } } },
      { op: 'put', key: vsKey('mid', 'a'), object: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'mid' } } },
      { op: 'put', key: { group: 'networking.istio.io', kind: 'DestinationRule', namespace: 'a', name: 'dr' }, object: { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'dr' } } },
    ]);
    assert.deepEqual(store.list(VS).map((o) => `${o.key.namespace}/${o.key.name}`), ['a/mid', 'b/alpha', 'b/zeta']);
    assert.deepEqual(store.list({ ...VS, namespace: 'b' }).map((o) => o.key.name), ['alpha', 'zeta']);
    assert.deepEqual(store.list({ ...VS, namespace: 'none' }), []);
    assert.equal(store.all().length, 4);
  });

  it('an object JSON cannot hold is refused on its own; the store keeps working', async () => {
    const store = await openStore(tempDir());
    const results = await Promise.allSettled([
      store.commit([put('a')]),
      store.commit([{ op: 'put', key: vsKey('big'), object: virtualService('big', { n: BigInt(1) }) }]),
      store.commit([put('b')]),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(store.all().map((o) => [o.key.name, o.resourceVersion]), [['a', 1], ['b', 2]]);
  });

  it('what is kept in memory is what a restart replays (JSON: no undefined, dates as strings)', async () => {
    const dir = tempDir();
    const store = await openStore(dir);
    await store.commit([{ op: 'put', key: vsKey('a'), object: virtualService('a', { gone: undefined, when: new Date('2025-01-01T00:00:00Z') }) }]);
    const live = store.get(vsKey('a'));
    assert.deepEqual(live?.object.spec, { when: '2025-01-01T00:00:00.000Z' });
    await store.close();
    assert.deepEqual((await openStore(dir)).get(vsKey('a')), live);
  });

  it('a failed write or fsync stops the store: that commit and every later one are refused, nothing is published', async () => {
    const dir = tempDir();
    const store = await openStore(dir);
    await store.commit([put('a')]);
    const seen: unknown[] = [];
    store.watch(store.resourceVersion, (e) => seen.push(e));
    // Pull the log's file descriptor from under the store: the next write fails (EBADF).
    await (store as unknown as { log: { close(): Promise<void> } }).log.close();
    await assert.rejects(store.commit([put('b')]), /could not write .*objects\.log.*no further writes are accepted until a restart/);
    await assert.rejects(store.commit([put('c')]), /no further writes are accepted/);
    assert.deepEqual(store.all().map((o) => o.key.name), ['a']);
    assert.equal(store.resourceVersion, 1);
    assert.deepEqual(seen, []);
    await store.close();
    assert.deepEqual((await openStore(dir)).all().map((o) => o.key.name), ['a']);
  });

  it('commit after close is refused', async () => {
    const store = await openStore(tempDir());
    await store.close();
    await assert.rejects(store.commit([put('a')]), /closed/);
  });

  it('close waits for commits in flight; they are durable', async () => {
    const dir = tempDir();
    const store = await openStore(dir);
    const pending = [store.commit([put('a')]), store.commit([put('b')])];
    await store.close();
    await Promise.all(pending);
    const reopened = await openStore(dir);
    assert.deepEqual(reopened.all().map((o) => o.key.name), ['a', 'b']);
  });

  it('one process per data directory: a second open is refused while the first holds it', async () => {
    const dir = tempDir();
    await openStore(dir);
    await assert.rejects(openStore(dir), /in use by process \d+ \(this process\)/);
  });
});
