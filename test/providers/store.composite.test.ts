/**
 * CompositeProvider: files (--sources) and the admin store served together (issue 5, Store:
 * "Objects from --sources DIR and from the API coexist; the API refuses to change a file-managed
 * object and says where it comes from" — here: the file wins, deterministically, and the
 * control plane reports it).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ReplaySubject } from 'rxjs';
import { ControlPlane } from '../../src/controlplane/controlPlane';
import { Codes } from '../../src/lib/errors';
import { silentLogger } from '../../src/lib/log';
import { CompositeProvider } from '../../src/providers/composite';
import { DirectoryProvider } from '../../src/providers/directory';
import type { Provider, ProviderRevision } from '../../src/providers/provider';
import { StoreProvider } from '../../src/providers/store';
import { SourceDocument } from '../../src/sources/document';
import { openStore, put, tempDir, virtualService, vsKey } from '../store/helpers';

/** A provider the test drives by hand. */
class ManualProvider implements Provider {
  readonly subject = new ReplaySubject<ProviderRevision>(1);
  readonly revisions = this.subject.asObservable();
  private revision = 0;
  constructor(readonly description: string) {}
  async start(): Promise<void> {}
  async close(): Promise<void> {
    this.subject.complete();
  }
  emit(documents: SourceDocument[], unreadableFiles: string[] = []): void {
    this.subject.next({ revision: ++this.revision, documents, diagnostics: [], unreadableFiles: new Set(unreadableFiles) });
  }
}

function doc(file: string, name: string, spec: unknown = { hosts: [name] }, index = 0): SourceDocument {
  return SourceDocument.fromValue({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'default' }, spec }, file, index);
}

function collect(provider: Provider): ProviderRevision[] {
  const revisions: ProviderRevision[] = [];
  provider.revisions.subscribe((r) => revisions.push(r));
  return revisions;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const files = (rev: ProviderRevision): string[] => rev.documents.map((d) => d.file);

describe('providers/composite: files and the store in one revision stream', () => {
  it('publishes the merged first revision on start, then one debounced revision per burst; revision numbers increase', async () => {
    const dir = new ManualProvider('directory');
    const api = new ManualProvider('store');
    dir.emit([doc('a.yaml', 'a')]);
    api.emit([doc('api:x/VirtualService/default/b', 'b')]);
    const composite = new CompositeProvider([dir, api], { debounceMs: 30 });
    const revisions = collect(composite);
    await composite.start();
    assert.equal(revisions.length, 1);
    assert.deepEqual(files(revisions[0]), ['a.yaml', 'api:x/VirtualService/default/b']);
    api.emit([doc('api:x/VirtualService/default/b', 'b'), doc('api:x/VirtualService/default/c', 'c')]);
    dir.emit([]);
    api.emit([doc('api:x/VirtualService/default/c', 'c')]);
    assert.equal(revisions.length, 1, 'debounced');
    await sleep(80);
    assert.equal(revisions.length, 2, 'one revision for the burst');
    assert.deepEqual(files(revisions[1]), ['api:x/VirtualService/default/c']);
    assert.deepEqual(revisions.map((r) => r.revision), [1, 2]);
    await composite.close();
  });

  it('same identity in a file and in the store: the file\'s copy is served, the store\'s dropped with DuplicateObject naming the file', async () => {
    const dir = new ManualProvider('directory sources');
    const api = new ManualProvider('store .ricochet');
    dir.emit([doc('sources/other.yaml', 'other'), doc('sources/reviews.yaml', 'reviews', { hosts: ['from-file'] }, 1)]);
    api.emit([doc('api:networking.istio.io/VirtualService/default/reviews', 'reviews', { hosts: ['from-api'] }), doc('api:networking.istio.io/VirtualService/default/solo', 'solo')]);
    const composite = new CompositeProvider([dir, api]);
    const revisions = collect(composite);
    await composite.start();
    const [rev] = revisions;
    assert.deepEqual(files(rev), ['sources/other.yaml', 'sources/reviews.yaml', 'api:networking.istio.io/VirtualService/default/solo']);
    assert.equal(rev.diagnostics.length, 1);
    const [d] = rev.diagnostics;
    assert.equal(d.code, Codes.DuplicateObject);
    assert.equal(d.severity, 'Error');
    assert.deepEqual(d.object, { kind: 'VirtualService', namespace: 'default', name: 'reviews' });
    assert.equal(d.location?.file, 'api:networking.istio.io/VirtualService/default/reviews');
    assert.match(d.message, /already defined in sources\/reviews\.yaml \(document 2, directory sources\), which wins/);
    assert.deepEqual(composite.originOf(vsKey('reviews')), { file: 'sources/reviews.yaml', document: 1, provider: 'directory sources' });
    assert.equal(composite.originOf(vsKey('solo'))?.file, 'api:networking.istio.io/VirtualService/default/solo');
    assert.equal(composite.originOf(vsKey('nothing')), undefined);
    await composite.close();
  });

  it('the file wins even when its copy is invalid, and keeps its objects while the file is unreadable', async () => {
    const dir = new ManualProvider('directory');
    const api = new ManualProvider('store');
    dir.emit([doc('reviews.yaml', 'reviews', 'not a mapping')]);
    api.emit([doc('api:networking.istio.io/VirtualService/default/reviews', 'reviews')]);
    const composite = new CompositeProvider([dir, api], { debounceMs: 5 });
    const revisions = collect(composite);
    await composite.start();
    assert.deepEqual(files(revisions[0]), ['reviews.yaml']);
    // The file now has a YAML error: no documents, but its last good objects are still served downstream.
    dir.emit([], ['reviews.yaml']);
    await sleep(30);
    assert.deepEqual(files(revisions[1]), [], 'the store copy stays shadowed');
    assert.deepEqual([...revisions[1].unreadableFiles], ['reviews.yaml']);
    assert.equal(composite.originOf(vsKey('reviews'))?.file, 'reviews.yaml');
    // The file is deleted: the store's copy is served again.
    dir.emit([]);
    await sleep(30);
    assert.deepEqual(files(revisions[2]), ['api:networking.istio.io/VirtualService/default/reviews']);
    await composite.close();
  });

  it('wired into the control plane: API objects are accepted with their api: origin; a clash with a file is reported', async () => {
    const sources = tempDir('ricochet-sources-');
    fs.writeFileSync(path.join(sources, 'reviews.yaml'), [
      'apiVersion: networking.istio.io/v1', 'kind: VirtualService', 'metadata:', '  name: reviews', '  namespace: default',
      'spec:', '  hosts: [reviews]', '  http:', '  - route:', '    - destination: {host: reviews}', '',
    ].join('\n'));
    const store = await openStore(tempDir());
    await store.commit([put('reviews'), { op: 'put', key: vsKey('ratings'), object: virtualService('ratings', { hosts: ['ratings'], http: [{ route: [{ destination: { host: 'ratings' } }], retries: { attempts: 2 } }] }) }]);
    const composite = new CompositeProvider([new DirectoryProvider({ dir: sources, watch: false }), new StoreProvider(store)], { debounceMs: 5 });
    const cp = new ControlPlane({ provider: composite, translate: { egress: { address: '127.0.0.1', port: 15001 }, outboundTrafficPolicy: 'ALLOW_ANY', gatewayAddress: '127.0.0.1' }, logger: silentLogger() });
    await cp.start();
    try {
      const origin = (name: string): string | undefined => [...cp.acceptedObjects.values()].find((o) => o.name === name)?.document.file;
      assert.match(String(origin('reviews')), /reviews\.yaml$/);
      assert.equal(origin('ratings'), 'api:networking.istio.io/VirtualService/default/ratings');
      const clash = cp.state.diagnostics.find((d) => d.code === Codes.DuplicateObject);
      assert.match(String(clash?.message), /reviews\.yaml .*which wins/);

      // A later commit reaches the control plane as a new revision.
      const before = cp.state.revision;
      await store.commit([{ op: 'delete', key: vsKey('ratings') }]);
      await sleep(60);
      assert.ok(cp.state.revision > before);
      assert.equal(origin('ratings'), undefined);
    } finally {
      await cp.close();
    }
  });
});
