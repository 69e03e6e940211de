/**
 * Server-side metadata as the store contract (src/store/types.ts) and Kubernetes keep it:
 * ux-and-libraries.md §1.6 (resourceVersion on every read, generation on spec change only),
 * kubectl-1.20.md §10 (uid, resourceVersion, creationTimestamp, generation added on POST;
 * resourceVersion increasing across all changes).
 */
import * as assert from 'node:assert/strict';
import { rfc3339Seconds } from '../../src/store/metadata';
import { del, openStore, put, tempDir, virtualService, vsKey } from './helpers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('store: server-side metadata (src/store/types.ts)', () => {
  it('create: uid, creationTimestamp without fractional seconds, generation 1, resourceVersion as a decimal string', async () => {
    const clock = new Date('2025-03-04T05:06:07.891Z');
    const store = await openStore(tempDir(), { now: () => clock });
    const [event] = await store.commit([put('reviews')]);
    const m = event.object.object.metadata;
    assert.equal(event.type, 'ADDED');
    assert.match(String(m.uid), UUID);
    assert.equal(m.creationTimestamp, '2025-03-04T05:06:07Z');
    assert.equal(m.generation, 1);
    assert.equal(m.resourceVersion, '1');
    assert.equal(event.object.resourceVersion, 1);
    assert.equal(store.resourceVersion, 1);
  });

  it('rfc3339Seconds drops the milliseconds, as Kubernetes prints metav1.Time', () => {
    assert.equal(rfc3339Seconds(new Date('2024-12-31T23:59:59.999Z')), '2024-12-31T23:59:59Z');
    assert.equal(rfc3339Seconds(new Date('2024-01-01T00:00:00Z')), '2024-01-01T00:00:00Z');
  });

  it('client-sent uid, creationTimestamp, generation, resourceVersion are replaced; status is never stored', async () => {
    const store = await openStore(tempDir(), { now: () => new Date('2025-01-01T00:00:00Z') });
    const object = virtualService('reviews', { hosts: ['a'] }, { status: { conditions: [] } });
    object.metadata = { ...object.metadata, uid: 'mine', creationTimestamp: '1999-01-01T00:00:00Z', generation: 42, resourceVersion: '777', labels: { app: 'x' } };
    const [event] = await store.commit([{ op: 'put', key: vsKey('reviews'), object }]);
    const stored = event.object.object;
    assert.notEqual(stored.metadata.uid, 'mine');
    assert.equal(stored.metadata.creationTimestamp, '2025-01-01T00:00:00Z');
    assert.equal(stored.metadata.generation, 1);
    assert.equal(stored.metadata.resourceVersion, '1');
    assert.deepEqual(stored.metadata.labels, { app: 'x' });
    assert.equal('status' in stored, false);
  });

  it('a core Pod keeps the status it was sent (status.podIP is input: there is no kubelet)', async () => {
    const store = await openStore(tempDir());
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ratings-v1', namespace: 'prod', labels: { version: 'v1' } }, status: { podIP: '127.0.0.1' } };
    const [event] = await store.commit([{ op: 'put', key: { group: '', kind: 'Pod', namespace: 'prod', name: 'ratings-v1' }, object: pod }]);
    assert.deepEqual(event.object.object.status, { podIP: '127.0.0.1' });
  });

  it('update: uid and creationTimestamp kept; generation +1 only when something outside metadata/status changes', async () => {
    let now = new Date('2025-01-01T00:00:00Z');
    const store = await openStore(tempDir(), { now: () => now });
    const [created] = await store.commit([put('reviews', { hosts: ['a'] })]);
    now = new Date('2025-06-01T00:00:00Z');

    const labelled = virtualService('reviews', { hosts: ['a'] });
    labelled.metadata.labels = { changed: 'metadata only' };
    const [metaOnly] = await store.commit([{ op: 'put', key: vsKey('reviews'), object: labelled }]);
    assert.equal(metaOnly.type, 'MODIFIED');
    assert.equal(metaOnly.object.object.metadata.generation, 1, 'a metadata-only change keeps the generation');
    assert.equal(metaOnly.object.object.metadata.resourceVersion, '2', 'but still gets a new resourceVersion');

    const [statusOnly] = await store.commit([{ op: 'put', key: vsKey('reviews'), object: virtualService('reviews', { hosts: ['a'] }, { status: { x: 1 } }) }]);
    assert.equal(statusOnly.object.object.metadata.generation, 1, 'status does not count');

    const [specChange] = await store.commit([put('reviews', { hosts: ['b'] })]);
    assert.equal(specChange.object.object.metadata.generation, 2);
    const [topLevel] = await store.commit([{ op: 'put', key: vsKey('reviews'), object: virtualService('reviews', { hosts: ['b'] }, { mesh: 'default' }) }]);
    assert.equal(topLevel.object.object.metadata.generation, 3, 'an unknown top-level field is content too');

    for (const e of [metaOnly, statusOnly, specChange, topLevel]) {
      assert.equal(e.object.object.metadata.uid, created.object.object.metadata.uid);
      assert.equal(e.object.object.metadata.creationTimestamp, '2025-01-01T00:00:00Z');
    }
  });

  it('key order does not count as a change', async () => {
    const store = await openStore(tempDir());
    await store.commit([put('reviews', { a: 1, b: { c: 2, d: 3 } })]);
    const [again] = await store.commit([put('reviews', { b: { d: 3, c: 2 }, a: 1 })]);
    assert.equal(again.object.object.metadata.generation, 1);
  });

  it('delete then create is a new object: new uid, generation 1', async () => {
    const store = await openStore(tempDir());
    const [first] = await store.commit([put('reviews')]);
    await store.commit([del('reviews')]);
    const [second] = await store.commit([put('reviews')]);
    assert.equal(second.type, 'ADDED');
    assert.notEqual(second.object.object.metadata.uid, first.object.object.metadata.uid);
    assert.equal(second.object.object.metadata.generation, 1);
    assert.equal(second.object.resourceVersion, 3);
  });

  it('name and namespace come from the key; a cluster-scoped key drops metadata.namespace', async () => {
    const store = await openStore(tempDir());
    const object = virtualService('other');
    object.metadata.namespace = 'elsewhere';
    const [ns] = await store.commit([{ op: 'put', key: vsKey('reviews', 'bookinfo'), object }]);
    assert.equal(ns.object.object.metadata.name, 'reviews');
    assert.equal(ns.object.object.metadata.namespace, 'bookinfo');
    const mesh = { apiVersion: 'kuma.io/v1alpha1', kind: 'Mesh', metadata: { name: 'default', namespace: 'x' } };
    const [cluster] = await store.commit([{ op: 'put', key: { group: 'kuma.io', kind: 'Mesh', namespace: '', name: 'default' }, object: mesh }]);
    assert.equal('namespace' in cluster.object.object.metadata, false);
  });

  it('a kind that does not match the key is a programming error, not a conflict', async () => {
    const store = await openStore(tempDir());
    const object = { ...virtualService('reviews'), kind: 'DestinationRule' };
    await assert.rejects(store.commit([{ op: 'put', key: vsKey('reviews'), object }]), TypeError);
    assert.equal(store.resourceVersion, 0);
  });

  it('stored objects are frozen and independent of the caller\'s input', async () => {
    const store = await openStore(tempDir());
    const object = virtualService('reviews', { hosts: ['a'] });
    await store.commit([{ op: 'put', key: vsKey('reviews'), object }]);
    (object.spec as { hosts: string[] }).hosts.push('mutated later');
    const stored = store.get(vsKey('reviews'));
    assert.deepEqual(stored?.object.spec, { hosts: ['a'] });
    assert.throws(() => {
      (stored?.object.spec as { hosts: string[] }).hosts.push('x');
    }, TypeError);
  });

  it('DELETED carries the last version with the deletion\'s resourceVersion', async () => {
    const store = await openStore(tempDir());
    await store.commit([put('reviews', { hosts: ['last'] })]);
    const [deleted] = await store.commit([del('reviews')]);
    assert.equal(deleted.type, 'DELETED');
    assert.equal(deleted.object.resourceVersion, 2);
    assert.equal(deleted.object.object.metadata.resourceVersion, '2');
    assert.deepEqual(deleted.object.object.spec, { hosts: ['last'] });
    assert.equal(store.get(vsKey('reviews')), undefined);
  });
});
