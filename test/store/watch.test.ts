/**
 * Watch history (src/store/types.ts `watch`; kubectl-1.20.md §6 resume semantics: only events
 * newer than N; ux-and-libraries.md §1.6: 410 Gone when N is too old, the client relists).
 */
import * as assert from 'node:assert/strict';
import { StoreGoneError, type StoreEvent } from '../../src/store/types';
import { del, openStore, put, tempDir } from './helpers';

const summary = (events: StoreEvent[]): string[] => events.map((e) => `${e.type} ${e.object.key.name} ${e.object.resourceVersion}`);

describe('store: watch history and Gone', () => {
  it('replays kept events after fromResourceVersion, then delivers live ones, in order', async () => {
    const store = await openStore(tempDir());
    await store.commit([put('a')]);
    await store.commit([put('b'), put('a', { v: 2 })]);
    const seen: StoreEvent[] = [];
    const w = store.watch(1, (e) => seen.push(e));
    assert.deepEqual(summary(seen), ['ADDED b 2', 'MODIFIED a 3'], 'history after rv 1, delivered before watch() returns');
    await store.commit([del('b')]);
    assert.deepEqual(summary(seen).slice(2), ['DELETED b 4']);
    w.close();
    await store.commit([put('c')]);
    assert.equal(seen.length, 3, 'nothing after close');
  });

  it('watch from the current resourceVersion sees only what comes next', async () => {
    const store = await openStore(tempDir());
    await store.commit([put('a')]);
    const seen: StoreEvent[] = [];
    store.watch(store.resourceVersion, (e) => seen.push(e));
    assert.equal(seen.length, 0);
    await store.commit([put('b')]);
    assert.deepEqual(summary(seen), ['ADDED b 2']);
  });

  it('keeps the last K events; an older fromResourceVersion → StoreGoneError naming the oldest', async () => {
    const store = await openStore(tempDir(), { historyLimit: 3 });
    for (let i = 0; i < 5; i++) await store.commit([put(`o${i}`)]);
    // Events 3, 4, 5 are kept: a watch from 2 (or later) gets everything it needs.
    const seen: StoreEvent[] = [];
    store.watch(2, (e) => seen.push(e));
    assert.deepEqual(seen.map((e) => e.object.resourceVersion), [3, 4, 5]);
    assert.throws(() => store.watch(1, () => undefined), (err: unknown) => {
      assert.ok(err instanceof StoreGoneError);
      assert.equal(err.requested, 1);
      assert.equal(err.oldest, 2);
      assert.equal(err.message, 'too old resource version: 1 (2)');
      return true;
    });
  });

  it('after a restart history starts at the current resourceVersion', async () => {
    const dir = tempDir();
    const first = await openStore(dir);
    await first.commit([put('a')]);
    await first.commit([put('b')]);
    await first.close();
    const store = await openStore(dir);
    assert.equal(store.resourceVersion, 2);
    assert.throws(() => store.watch(1, () => undefined), StoreGoneError);
    assert.throws(() => store.watch(0, () => undefined), StoreGoneError);
    const seen: StoreEvent[] = [];
    store.watch(2, (e) => seen.push(e));
    await store.commit([put('c')]);
    assert.deepEqual(summary(seen), ['ADDED c 3']);
  });

  it('a refused commit produces no event; a throwing listener does not break the commit or other watchers', async () => {
    const store = await openStore(tempDir());
    const seen: StoreEvent[] = [];
    store.watch(0, () => {
      throw new Error('bad listener');
    });
    store.watch(0, (e) => seen.push(e));
    await store.commit([put('a')]);
    await assert.rejects(store.commit([put('a', {}, { create: true })]));
    assert.deepEqual(summary(seen), ['ADDED a 1']);
  });

  it('events reach watchers only once the commit is durable (never before the promise can resolve)', async () => {
    const store = await openStore(tempDir());
    const seen: StoreEvent[] = [];
    store.watch(0, (e) => seen.push(e));
    const pending = store.commit([put('a')]);
    assert.equal(seen.length, 0, 'nothing visible synchronously');
    assert.equal(store.get({ group: 'networking.istio.io', kind: 'VirtualService', namespace: 'default', name: 'a' }), undefined);
    await pending;
    assert.equal(seen.length, 1);
  });
});
