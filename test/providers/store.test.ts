/**
 * StoreProvider: the admin API's stored objects as source documents (issue 5, Store: "objects
 * from --sources DIR and from the API coexist"; src/providers/provider.ts: one consistent view
 * per revision, revisions increase).
 */
import * as assert from 'node:assert/strict';
import type { ProviderRevision } from '../../src/providers/provider';
import { StoreProvider, storeOrigin } from '../../src/providers/store';
import { readHeader } from '../../src/sources/header';
import { del, openStore, put, tempDir, virtualService, vsKey } from '../store/helpers';

function collect(provider: StoreProvider): ProviderRevision[] {
  const revisions: ProviderRevision[] = [];
  provider.revisions.subscribe((r) => revisions.push(r));
  return revisions;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('providers/store: stored objects as source documents', () => {
  it('origins read like kubectl resources: api:<group>/<Kind>/<namespace>/<name>, core group named, no namespace when cluster-scoped', () => {
    assert.equal(storeOrigin(vsKey('reviews', 'bookinfo')), 'api:networking.istio.io/VirtualService/bookinfo/reviews');
    assert.equal(storeOrigin({ group: '', kind: 'Service', namespace: 'default', name: 'web' }), 'api:core/Service/default/web');
    assert.equal(storeOrigin({ group: 'kuma.io', kind: 'Mesh', namespace: '', name: 'default' }), 'api:kuma.io/Mesh/default');
  });

  it('start publishes every stored object, sorted, one document each, with the server-side metadata', async () => {
    const store = await openStore(tempDir());
    await store.commit([put('b'), put('a')]);
    const provider = new StoreProvider(store);
    const revisions = collect(provider);
    await provider.start();
    assert.equal(revisions.length, 1);
    const [rev] = revisions;
    assert.equal(rev.revision, 1);
    assert.deepEqual(rev.documents.map((d) => d.file), ['api:networking.istio.io/VirtualService/default/a', 'api:networking.istio.io/VirtualService/default/b']);
    assert.deepEqual(rev.diagnostics, []);
    const header = readHeader(rev.documents[0]);
    assert.equal(header.object?.name, 'a');
    assert.equal(header.object?.namespace, 'default');
    const metadata = (rev.documents[0].value as { metadata: Record<string, unknown> }).metadata;
    assert.match(String(metadata.creationTimestamp), /Z$/, 'kept: precedence uses the oldest creationTimestamp');
    assert.equal(Object.isFrozen(rev.documents[0].value), false, 'the pipeline gets its own copy');
    await provider.close();
  });

  it('one new revision per commit: the ops of a batch arrive together', async () => {
    const store = await openStore(tempDir());
    const provider = new StoreProvider(store);
    const revisions = collect(provider);
    await provider.start();
    await store.commit([put('a'), put('b'), put('c')]);
    await tick();
    await store.commit([del('b')]);
    await tick();
    assert.deepEqual(revisions.map((r) => r.revision), [1, 2, 3]);
    assert.deepEqual(revisions.map((r) => r.documents.length), [0, 3, 2]);
    assert.deepEqual(revisions[2].documents.map((d) => (d.value as { metadata: { name: string } }).metadata.name), ['a', 'c']);
    await provider.close();
  });

  it('an unchanged object keeps its document between revisions; a changed one gets a new one', async () => {
    const store = await openStore(tempDir());
    await store.commit([put('a'), put('b')]);
    const provider = new StoreProvider(store);
    const revisions = collect(provider);
    await provider.start();
    await store.commit([{ op: 'put', key: vsKey('b'), object: virtualService('b', { hosts: ['changed'] }) }]);
    await tick();
    const [first, second] = revisions;
    assert.equal(second.documents[0], first.documents[0]);
    assert.notEqual(second.documents[1], first.documents[1]);
    assert.deepEqual((second.documents[1].value as { spec: unknown }).spec, { hosts: ['changed'] });
    await provider.close();
  });

  it('after close no more revisions', async () => {
    const store = await openStore(tempDir());
    const provider = new StoreProvider(store);
    const revisions = collect(provider);
    await provider.start();
    await provider.close();
    await store.commit([put('a')]);
    await tick();
    assert.equal(revisions.length, 1);
  });
});
