/**
 * The pieces under PATCH and list (spec/kubectl-1.20.md §4.2, §5.1, §7, §10): RFC 7386 merge
 * patch, the strategic merge patch kubectl sends for core kinds, RFC 6902 JSON patch, label and
 * field selectors; and `deletecollection`, which discovery advertises.
 */
import * as assert from 'node:assert/strict';
import { jsonPatch, mergePatch, strategicMergePatch } from '../../src/admin/k8s/patch';
import { matchesFilter, parseFieldSelector, parseFilter, parseLabelSelector } from '../../src/admin/k8s/selectors';
import { ApiError } from '../../src/admin/k8s/status';
import { assertStatus, JSON_HEADERS, startApi, warnings } from './apiHarness';

function badRequest(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof ApiError && err.status.code === 400);
}

describe('admin API patches and selectors', () => {
  it('RFC 7386 merge patch: maps merge, null deletes, lists and scalars replace, input untouched', () => {
    const target = Object.freeze({ a: { b: 1, c: [1, 2] }, d: 'x' });
    assert.deepEqual(mergePatch(target, { a: { b: null, c: [3] }, e: { f: 1 } }), { a: { c: [3] }, d: 'x', e: { f: 1 } });
    assert.deepEqual(mergePatch(target, [1]), [1]);
    assert.deepEqual(target, { a: { b: 1, c: [1, 2] }, d: 'x' });
    const polluted = mergePatch({}, JSON.parse('{"__proto__":{"admin":true}}')) as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>).admin, undefined, 'a __proto__ key stays data');
    assert.deepEqual(Object.keys(polluted), ['__proto__']);
  });

  it('§4.2 strategic merge patch for Service: ports by port, $patch delete/replace, $setElementOrder orders and is never kept, $retainKeys, $deleteFromPrimitiveList', () => {
    const svc = { metadata: { finalizers: ['a', 'b'], labels: { x: '1' } }, spec: { ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }], externalIPs: ['1.1.1.1'] } };
    const out = strategicMergePatch('Service', svc, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], labels: { y: '2' } },
      spec: { '$setElementOrder/ports': [{ port: 443 }, { port: 8080 }], ports: [{ port: 8080, name: 'alt' }, { $patch: 'delete', port: 80 }, { port: 443, targetPort: 8443 }], externalIPs: ['2.2.2.2'] },
    });
    assert.deepEqual(out, {
      metadata: { finalizers: ['b'], labels: { x: '1', y: '2' } },
      spec: { ports: [{ port: 443, name: 'https', targetPort: 8443 }, { port: 8080, name: 'alt' }], externalIPs: ['2.2.2.2'] },
    });
    assert.deepEqual(strategicMergePatch('Service', svc, { spec: { ports: [{ $patch: 'replace' }, { port: 1 }] } }), { ...svc, spec: { ...svc.spec, ports: [{ port: 1 }] } });
    assert.deepEqual(strategicMergePatch('Service', svc, { spec: { $retainKeys: ['ports'], ports: [] } }), { ...svc, spec: { ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }] } });
    assert.deepEqual(strategicMergePatch('Service', svc, { spec: { $patch: 'replace', type: 'ClusterIP' } }), { ...svc, spec: { type: 'ClusterIP' } });
    // Endpoints subsets have no patch strategy upstream: replaced whole.
    assert.deepEqual(strategicMergePatch('Endpoints', { subsets: [{ a: 1 }] }, { subsets: [{ b: 2 }] }), { subsets: [{ b: 2 }] });
    badRequest(() => strategicMergePatch('Service', svc, { spec: { $patch: 'explode' } }));
    badRequest(() => strategicMergePatch('Service', svc, { spec: { ports: [7] } }));
    badRequest(() => strategicMergePatch('Service', svc, { spec: { ports: [{ name: 'no-port' }] } }));
    badRequest(() => strategicMergePatch('Service', svc, { $patch: 'delete' }));
    badRequest(() => strategicMergePatch('Service', svc, { spec: { $unknownDirective: 1 } }));
  });

  it('RFC 6902 JSON patch: add, remove, replace, move, copy, test; a failed test or a missing path is a BadRequest', () => {
    const doc = { a: [1, 2], b: { c: 'x' } };
    assert.deepEqual(jsonPatch(doc, [
      { op: 'add', path: '/a/-', value: 3 }, { op: 'replace', path: '/b/c', value: 'y' }, { op: 'copy', from: '/b', path: '/d' },
      { op: 'move', from: '/a/0', path: '/e' }, { op: 'remove', path: '/b' }, { op: 'test', path: '/e', value: 1 },
    ]), { a: [2, 3], d: { c: 'y' }, e: 1 });
    assert.deepEqual(doc, { a: [1, 2], b: { c: 'x' } });
    badRequest(() => jsonPatch(doc, [{ op: 'test', path: '/a/0', value: 9 }]));
    badRequest(() => jsonPatch(doc, [{ op: 'replace', path: '/nope', value: 1 }]));
    badRequest(() => jsonPatch(doc, [{ op: 'launch', path: '/a' }]));
    badRequest(() => jsonPatch(doc, { op: 'add' }));
  });

  it('§5.1 label selectors: =, ==, !=, in, notin, exists, !exists; bad syntax is a BadRequest', () => {
    const labels = { app: 'web', tier: 'front' };
    const m = (s: string) => matchesFilter({ labels: parseLabelSelector(s), fields: [] }, { name: 'n', labels });
    assert.ok(m('app=web'));
    assert.ok(m('app==web,tier'));
    assert.ok(!m('app!=web'));
    assert.ok(m('tier in (front, back)'));
    assert.ok(!m('tier notin (front)'));
    assert.ok(m('!missing'));
    assert.ok(!m('missing'));
    assert.ok(m(''));
    for (const bad of ['a in (', 'a=b=c', '!', 'bad key=1', `k=${'v'.repeat(64)}`]) badRequest(() => parseLabelSelector(bad));
  });

  it('§7 field selectors: metadata.name and metadata.namespace, = == !=; other fields → BadRequest (field label not supported)', () => {
    const m = (s: string) => matchesFilter({ labels: [], fields: parseFieldSelector(s) }, { name: 'reviews', namespace: 'default' });
    assert.ok(m('metadata.name=reviews'));
    assert.ok(!m('metadata.name=other'));
    assert.ok(m('metadata.name!=other,metadata.namespace==default'));
    assert.throws(() => parseFieldSelector('spec.hosts=x'), /field label not supported: spec\.hosts/);
    badRequest(() => parseFieldSelector('metadata.name'));
    badRequest(() => parseFilter({ fieldSelector: ['a', 'b'] }));
  });

  it('deletecollection: deletes the matching API objects in one commit, leaves file objects (with a Warning), honours dryRun', async () => {
    const h = await startApi({ sources: ['examples/istio-ratings-route/services.yaml'] });
    try {
      const svc = (name: string, team: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, labels: { team } }, spec: { ports: [{ port: 80 }] } });
      for (const [n, t] of [['a', 'x'], ['b', 'x'], ['c', 'y']]) {
        assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/namespaces/prod/services', payload: svc(n, t), headers: JSON_HEADERS })).statusCode, 201);
      }
      const dry = await h.app.inject({ method: 'DELETE', url: '/api/v1/namespaces/prod/services?labelSelector=team%3Dx', payload: '{"dryRun":["All"]}', headers: JSON_HEADERS });
      assert.equal(dry.json<{ items: unknown[] }>().items.length, 2);
      assert.equal(h.store.all().length, 3);
      const res = await h.app.inject({ method: 'DELETE', url: '/api/v1/namespaces/prod/services' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<{ kind: string; items: unknown[] }>().kind, 'ServiceList');
      assert.equal(res.json<{ items: unknown[] }>().items.length, 3);
      assert.equal(h.store.all().length, 0);
      assert.ok(warnings(res).some((w) => w.includes('ratings is defined by the file')), warnings(res).join('\n'));
      assertStatus(await h.app.inject({ method: 'DELETE', url: '/api/v1/namespaces' }), 405, 'MethodNotAllowed');
    } finally {
      await h.close();
    }
  });
});
