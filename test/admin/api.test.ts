/**
 * The admin object API (issue 5 "Admin REST", "Store"), request by request as kubectl 1.20 sends
 * them (spec/kubectl-1.20.md §4–§7, §9, §10), over buildAdminServer with a real FileObjectStore
 * and the control plane compiling files + store (test/admin/apiHarness.ts).
 */
import * as assert from 'node:assert/strict';
import { assertStatus, JSON_HEADERS, startApi, warnings, type ApiHarness } from './apiHarness';

const VS = '/apis/networking.istio.io/v1alpha3/namespaces/prod/virtualservices';
const SVC = '/api/v1/namespaces/prod/services';
const KUMA = '/apis/kuma.io/v1alpha1/retries';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string; resourceVersion?: string; generation?: number; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: { conditions: Array<{ type: string; status: string; reason: string; message: string; observedGeneration?: number; lastTransitionTime: string }> };
  [k: string]: unknown;
}
interface List { kind: string; apiVersion: string; metadata: { resourceVersion: string; continue?: string }; items: Obj[] }

function vs(name: string, extra: Partial<Obj> = {}): Obj {
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'VirtualService',
    metadata: { name, annotations: { [LAST_APPLIED]: `{"name":"${name}"}\n` }, labels: { team: 'a' } },
    spec: {
      hosts: ['ratings.prod.svc.cluster.local'],
      http: [{ route: [{ destination: { host: 'ratings.prod.svc.cluster.local', subset: 'v1' } }], retries: { attempts: 3, perTryTimeout: '2s' } }],
    },
    ...extra,
  };
}

describe('admin API objects (spec/kubectl-1.20.md §4–§7, §10)', function () {
  this.timeout(20_000);
  let h: ApiHarness;

  beforeEach(async () => {
    h = await startApi({ sources: ['examples/istio-ratings-route/services.yaml'] });
  });
  afterEach(async () => {
    await h.close();
  });

  const post = (url: string, body: unknown, headers: Record<string, string> = JSON_HEADERS) =>
    h.app.inject({ method: 'POST', url, payload: typeof body === 'string' ? body : JSON.stringify(body), headers });
  const get = (url: string, accept = 'application/json') => h.app.inject({ method: 'GET', url, headers: { accept } });
  const patch = (url: string, body: unknown, type = 'application/merge-patch+json') =>
    h.app.inject({ method: 'PATCH', url, payload: JSON.stringify(body), headers: { 'content-type': type, accept: 'application/json' } });

  it('§4.1 create: 201 with the full object, annotations and unknown top-level fields as sent, namespace from the URL, server-side metadata', async () => {
    const res = await post(VS, vs('reviews'));
    assert.equal(res.statusCode, 201, res.body);
    const o = res.json<Obj>();
    assert.equal(o.metadata.namespace, 'prod');
    assert.equal(o.metadata.annotations?.[LAST_APPLIED], '{"name":"reviews"}\n', 'last-applied stored verbatim (§4.3)');
    assert.equal(o.metadata.generation, 1);
    assert.match(String(o.metadata.uid), /^[0-9a-f-]{36}$/);
    assert.match(String(o.metadata.creationTimestamp), /^\d{4}-\d\d-\d\dT/);
    assert.equal(o.metadata.resourceVersion, String(h.store.resourceVersion));
    const kuma = await post(KUMA, {
      apiVersion: 'kuma.io/v1alpha1', kind: 'Retry', mesh: 'default', metadata: { name: 'r1', namespace: 'ignored' },
      spec: { sources: [{ match: { 'kuma.io/service': '*' } }], destinations: [{ match: { 'kuma.io/service': '*' } }], conf: { http: { numRetries: 3 } } },
    });
    assert.equal(kuma.statusCode, 201, kuma.body);
    assert.equal(kuma.json<Obj>().mesh, 'default', 'Kuma\'s top-level mesh kept (§4.1)');
    assert.equal(kuma.json<Obj>().metadata.namespace, undefined, 'cluster-scoped: no namespace');
    assert.equal((await get(`${KUMA}/r1`)).statusCode, 200);
  });

  it('§9 create of an existing name → 409 AlreadyExists; get of a missing one → 404 NotFound naming the resource', async () => {
    assert.equal((await post(VS, vs('reviews'))).statusCode, 201);
    const again = assertStatus(await post(VS, vs('reviews')), 409, 'AlreadyExists');
    assert.equal(again.message, 'virtualservices.networking.istio.io "reviews" already exists');
    const missing = assertStatus(await get(`${VS}/nope`), 404, 'NotFound');
    assert.equal(missing.message, 'virtualservices.networking.istio.io "nope" not found');
    assertStatus(await get(`${SVC}/nope`), 404, 'NotFound');
  });

  it('§10 list: namespaced, across namespaces and cluster-scoped; store and file objects together; resourceVersion, kind, no continue', async () => {
    await post(VS, vs('a'));
    await post('/apis/networking.istio.io/v1alpha3/namespaces/default/virtualservices', vs('b', { spec: { hosts: ['x.example.com'], http: [{ route: [{ destination: { host: 'x.example.com' } }] }] } }));
    const prod = (await get(VS)).json<List>();
    assert.equal(prod.kind, 'VirtualServiceList');
    assert.deepEqual(prod.items.map((o) => o.metadata.name), ['a']);
    assert.equal(prod.metadata.resourceVersion, String(h.store.resourceVersion));
    assert.equal(prod.metadata.continue, undefined, '§11 pitfall 21');
    const all = (await get('/apis/networking.istio.io/v1alpha3/virtualservices?limit=500')).json<List>();
    assert.deepEqual(all.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`), ['default/b', 'prod/a']);
    const services = (await get(SVC)).json<List>();
    assert.deepEqual(services.items.map((o) => o.metadata.name), ['ratings'], 'the file\'s Service is listed');
    const fileAnnotation = services.items[0].metadata.annotations?.['ricochet.io/source-file'];
    assert.match(String(fileAnnotation), /istio-ratings-route_services\.yaml$/, 'file objects say where they come from');
    const ns = (await get('/api/v1/namespaces')).json<List>();
    assert.deepEqual(ns.items.map((o) => o.metadata.name), ['default', 'prod']);
    assert.equal((await get('/api/v1/namespaces/prod')).json<Obj>().kind, 'Namespace');
    assertStatus(await get('/api/v1/namespaces/nope'), 404, 'NotFound');
  });

  it('§7, §11 pitfall 8: fieldSelector metadata.name is honoured (0 items when only another object exists); labelSelector too', async () => {
    await post(VS, vs('other'));
    const none = (await get(`${VS}?fieldSelector=metadata.name%3Dreviews`)).json<List>();
    assert.equal(none.items.length, 0);
    const one = (await get(`${VS}?fieldSelector=metadata.name%3Dother`)).json<List>();
    assert.equal(one.items.length, 1);
    assert.equal((await get(`${VS}?labelSelector=team%3Da`)).json<List>().items.length, 1);
    assert.equal((await get(`${VS}?labelSelector=team%20in%20(b,c)`)).json<List>().items.length, 0);
    assert.equal((await get(`${VS}?labelSelector=!team`)).json<List>().items.length, 0);
    assertStatus(await get(`${VS}?fieldSelector=spec.hosts%3Dx`), 400, 'BadRequest');
    assertStatus(await get(`${VS}?labelSelector=a%20in%20(`), 400, 'BadRequest');
  });

  it('§5.1 Table when Accept asks as=Table: rows carry their object (§11 pitfall 13)', async () => {
    await post(VS, vs('reviews'));
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const table = (await get(VS, accept)).json<{ kind: string; metadata: { resourceVersion: string }; rows: Array<{ cells: unknown[]; object: { metadata: { name: string; namespace: string } } }> }>();
    assert.equal(table.kind, 'Table');
    assert.equal(table.rows[0].cells[0], 'reviews');
    assert.equal(table.rows[0].object.metadata.namespace, 'prod');
    assert.equal((await get(`${VS}/reviews`, accept)).json<{ kind: string }>().kind, 'Table');
    assert.equal((await get(`${VS}/reviews`)).json<{ kind: string }>().kind, 'VirtualService', 'plain JSON for -o yaml (§5.1)');
  });

  it('§4.2 merge patch: maps merge, lists replace, null deletes; full object back; metadata-only changes keep the generation', async () => {
    await post(VS, vs('reviews'));
    const res = await patch(`${VS}/reviews`, {
      metadata: { annotations: { [LAST_APPLIED]: 'new\n' }, labels: null },
      spec: { http: [{ route: [{ destination: { host: 'ratings.prod.svc.cluster.local' } }] }] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const o = res.json<Obj>();
    assert.equal(o.metadata.annotations?.[LAST_APPLIED], 'new\n');
    assert.equal(o.metadata.labels, undefined);
    assert.deepEqual(o.spec?.http, [{ route: [{ destination: { host: 'ratings.prod.svc.cluster.local' } }] }]);
    assert.deepEqual(o.spec?.hosts, ['ratings.prod.svc.cluster.local']);
    assert.equal(o.metadata.generation, 2);
    const meta = (await patch(`${VS}/reviews`, { metadata: { labels: { team: 'b' } } })).json<Obj>();
    assert.equal(meta.metadata.generation, 2, 'generation counts spec changes only');
    const rv = h.store.resourceVersion;
    const same = await patch(`${VS}/reviews`, { metadata: { labels: { team: 'b' } } });
    assert.equal(same.statusCode, 200);
    assert.equal(h.store.resourceVersion, rv, 'a patch that changes nothing is not written');
    assertStatus(await patch(`${VS}/nope`, {}), 404, 'NotFound');
    assertStatus(await patch(`${VS}/reviews`, { spec: { hosts: [] } }, 'application/strategic-merge-patch+json'), 415, 'UnsupportedMediaType');
    assertStatus(await patch(`${VS}/reviews`, { spec: {} }, 'text/plain'), 415, 'UnsupportedMediaType');
  });

  it('§4.2 strategic merge patch for a Service: ports merged by port, $patch delete, $setElementOrder never stored, null deletes', async () => {
    const svc = {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend', labels: { app: 'b' } },
      spec: { ports: [{ name: 'http', port: 8080, targetPort: 8080 }, { name: 'admin', port: 9000 }] },
    };
    assert.equal((await post(SVC, svc)).statusCode, 201);
    const res = await patch(`${SVC}/backend`, {
      metadata: { labels: null },
      spec: { '$setElementOrder/ports': [{ port: 9090 }, { port: 9000 }], ports: [{ name: 'http2', port: 9090, targetPort: 8080 }, { $patch: 'delete', port: 8080 }, { port: 9000, name: 'mgmt' }] },
    }, 'application/strategic-merge-patch+json');
    assert.equal(res.statusCode, 200, res.body);
    const o = res.json<Obj>();
    assert.deepEqual(o.spec?.ports, [{ name: 'http2', port: 9090, targetPort: 8080 }, { name: 'mgmt', port: 9000 }]);
    assert.equal(o.metadata.labels, undefined);
    assert.ok(!JSON.stringify(h.store.all().map((s) => s.object)).includes('$setElementOrder'));
    assertStatus(await patch(`${SVC}/backend`, { spec: { $patch: 'explode' } }, 'application/strategic-merge-patch+json'), 400, 'BadRequest');
  });

  it('§9 PUT with a stale resourceVersion → 409 Conflict; with the current one → 200 and the next generation', async () => {
    const created = (await post(VS, vs('reviews'))).json<Obj>();
    await patch(`${VS}/reviews`, { metadata: { labels: { x: 'y' } } });
    const body = vs('reviews', { metadata: { name: 'reviews', resourceVersion: created.metadata.resourceVersion } });
    (body.spec as { hosts: string[] }).hosts = ['ratings.prod.svc.cluster.local', 'ratings'];
    const put = (b: unknown) => h.app.inject({ method: 'PUT', url: `${VS}/reviews`, payload: JSON.stringify(b), headers: JSON_HEADERS });
    const stale = assertStatus(await put(body), 409, 'Conflict');
    assert.match(stale.message, /Operation cannot be fulfilled on virtualservices\.networking\.istio\.io "reviews"/);
    body.metadata.resourceVersion = String(h.store.resourceVersion);
    const ok = await put(body);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json<Obj>().metadata.generation, 2);
    assertStatus(await put({ ...body, metadata: { name: 'other' } }), 400, 'BadRequest');
    assertStatus(await h.app.inject({ method: 'PUT', url: `${VS}/nope`, payload: JSON.stringify(vs('nope')), headers: JSON_HEADERS }), 404, 'NotFound');
    assertStatus(await patch(`${VS}/reviews`, { metadata: { resourceVersion: '1' } }), 409, 'Conflict');
  });

  it('§7 delete: DeleteOptions dryRun in the BODY keeps the object (§11 pitfall 7); a real delete returns the object; then 404', async () => {
    await post(VS, vs('reviews'));
    const del = (body: string) => h.app.inject({ method: 'DELETE', url: `${VS}/reviews`, payload: body, headers: JSON_HEADERS });
    const dry = await del('{"propagationPolicy":"Background","dryRun":["All"]}\n');
    assert.equal(dry.statusCode, 200, dry.body);
    assert.equal((await get(`${VS}/reviews`)).statusCode, 200, 'still there after a dry-run delete');
    const res = await del('{"propagationPolicy":"Background"}\n');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json<Obj>().kind, 'VirtualService', 'a JSON object with kind (§7)');
    assert.equal((await get(`${VS}?fieldSelector=metadata.name%3Dreviews`)).json<List>().items.length, 0, 'the wait list is empty at once (§7)');
    assertStatus(await del('{}'), 404, 'NotFound');
    assertStatus(await h.app.inject({ method: 'DELETE', url: `${VS}/x`, payload: '{"dryRun":"All"}' , headers: JSON_HEADERS }), 400, 'BadRequest');
  });

  it('§9, §11 pitfall 10: an invalid object → 422 Invalid, one cause per field with the line for YAML input, message self-contained; nothing stored', async () => {
    const yaml = [
      'apiVersion: networking.istio.io/v1alpha3',
      'kind: VirtualService',
      'metadata:',
      '  name: reviews',
      'spec:',
      '  hosts: [ratings.prod.svc.cluster.local]',
      '  http:',
      '  - route: [{destination: {host: ratings.prod.svc.cluster.local}}]',
      '    retries: {attempts: many}',
      '',
    ].join('\n');
    const rv = h.store.resourceVersion;
    const body = assertStatus(await post(VS, yaml, { 'content-type': 'application/yaml' }), 422, 'Invalid');
    assert.equal(body.details?.kind, 'VirtualService');
    assert.equal(body.details?.name, 'reviews');
    assert.equal(body.details?.group, 'networking.istio.io');
    const cause = body.details?.causes?.find((c) => c.field === 'spec.http[0].retries.attempts');
    assert.ok(cause, JSON.stringify(body.details));
    assert.match(cause.message, /\(line 9\)$/);
    assert.match(body.message, /^VirtualService\.networking\.istio\.io "reviews" is invalid: spec\.http\[0\]\.retries\.attempts: /);
    assert.equal(h.store.resourceVersion, rv);
    const json = assertStatus(await post(VS, { ...vs('bad'), metadata: { name: 'Bad_Name' } }), 422, 'Invalid');
    assert.equal(json.details?.causes?.[0].field, 'metadata.name');
    assert.ok(!json.details?.causes?.[0].message.includes('(line'), 'JSON input has no lines');
    assertStatus(await post(VS, { ...vs('x'), kind: 'ServiceEntry' }), 400, 'BadRequest');
    assertStatus(await post(VS, { ...vs('x'), metadata: { name: 'x', namespace: 'other' } }), 400, 'BadRequest');
    assertStatus(await post(VS, { ...vs('x'), metadata: { name: 'x', labels: { 'bad key!': 'v' } } }), 422, 'Invalid');
  });

  it('fieldValidation: Strict rejects unknown fields (422), Warn answers Warning headers, Ignore is silent', async () => {
    const withUnknown = (name: string) => ({ ...vs(name), spec: { ...vs(name).spec, colour: 'blue' } });
    const strict = assertStatus(await post(`${VS}?fieldValidation=Strict`, withUnknown('s')), 422, 'Invalid');
    assert.equal(strict.details?.causes?.[0].field, 'spec.colour');
    const warn = await post(`${VS}?fieldValidation=Warn`, withUnknown('w'));
    assert.equal(warn.statusCode, 201);
    assert.ok(warnings(warn).some((w) => /^299 - ".*spec\.colour: unknown field \\"colour\\"/.test(w)), warnings(warn).join('\n'));
    const ignore = await post(`${VS}?fieldValidation=Ignore`, withUnknown('i'));
    assert.equal(ignore.statusCode, 201);
    assert.deepEqual(warnings(ignore).filter((w) => w.includes('colour')), []);
    assertStatus(await post(`${VS}?fieldValidation=Loud`, vs('l')), 400, 'BadRequest');
  });

  it('§4.6 ?dryRun=All validates and compiles, answers the would-be object, stores nothing (create, patch)', async () => {
    const rv = h.store.resourceVersion;
    const dry = await post(`${VS}?dryRun=All&fieldManager=kubectl-client-side-apply`, vs('reviews'));
    assert.equal(dry.statusCode, 201, dry.body);
    assert.equal(dry.json<Obj>().metadata.name, 'reviews');
    assert.equal(dry.json<Obj>().metadata.generation, 1);
    assert.equal(h.store.resourceVersion, rv);
    assertStatus(await get(`${VS}/reviews`), 404, 'NotFound');
    await post(VS, vs('reviews'));
    const rv2 = h.store.resourceVersion;
    const p = await patch(`${VS}/reviews?dryRun=All`, { spec: { hosts: ['ratings'] } });
    assert.equal(p.statusCode, 200, p.body);
    assert.deepEqual(p.json<Obj>().spec?.hosts, ['ratings']);
    assert.equal(p.json<Obj>().metadata.generation, 2);
    assert.equal(h.store.resourceVersion, rv2);
    assertStatus(await post(`${VS}?dryRun=All`, { ...vs('bad'), spec: { hosts: 7 } }), 422, 'Invalid');
    assertStatus(await post(`${VS}?dryRun=Some`, vs('x')), 400, 'BadRequest');
  });

  it('compile findings about the written object come back as Warning headers', async () => {
    const res = await post(VS, { ...vs('lost'), spec: { hosts: ['nowhere.example.com'], http: [{ route: [{ destination: { host: 'nowhere.example.com' } }] }] } });
    assert.equal(res.statusCode, 201);
    assert.ok(warnings(res).length > 0, 'a route to a host nobody declared is worth a warning');
  });

  it('a write is checked against the store as committed, not the last compiled revision: kubectl apply -f DIR sends objects back to back', async () => {
    // Service then VirtualService with no pause for the control plane's debounce: the Service
    // committed a moment earlier must count, or the VirtualService would get a false "unknown host".
    const host = 'backtoback.prod.svc.cluster.local';
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'backtoback' }, spec: { ports: [{ port: 80, name: 'http' }] } };
    assert.equal((await post(SVC, svc)).statusCode, 201);
    const res = await post(VS, { ...vs('backtoback'), spec: { hosts: [host], http: [{ route: [{ destination: { host } }] }] } });
    assert.equal(res.statusCode, 201);
    assert.deepEqual(warnings(res), []);
  });

  it('Store: objects a --sources file defines are read-only through the API (403 naming the file), for create, patch, replace and delete', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ratings' }, spec: { ports: [{ port: 1 }] } };
    const created = assertStatus(await post(SVC, svc), 403, 'Forbidden');
    assert.match(created.message, /defined by the file .*istio-ratings-route_services\.yaml/);
    assertStatus(await patch(`${SVC}/ratings`, { metadata: { labels: { a: 'b' } } }, 'application/strategic-merge-patch+json'), 403, 'Forbidden');
    assertStatus(await h.app.inject({ method: 'PUT', url: `${SVC}/ratings`, payload: JSON.stringify(svc), headers: JSON_HEADERS }), 403, 'Forbidden');
    assertStatus(await h.app.inject({ method: 'DELETE', url: `${SVC}/ratings` }), 403, 'Forbidden');
    assert.equal(h.store.all().length, 0);
  });

  it('Store: a file\'s object stays the file\'s even while it is invalid (403 naming the file)', async () => {
    await h.close();
    h = await startApi({ files: { 'broken.yaml': 'apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata: {name: broken, namespace: prod}\nspec: {hosts: 7}\n' } });
    const res = assertStatus(await post(VS, vs('broken')), 403, 'Forbidden');
    assert.match(res.message, /defined by the file .*broken\.yaml/);
  });

  it('status: Accepted, ResolvedRefs, Programmed with observedGeneration; Programmed follows the compiled generation', async () => {
    await post(VS, vs('reviews'));
    await h.settle();
    const first = (await get(`${VS}/reviews`)).json<Obj>().status?.conditions ?? [];
    assert.deepEqual(first.map((c) => c.type).slice(0, 3), ['Accepted', 'ResolvedRefs', 'Programmed']);
    for (const c of first.slice(0, 3)) {
      assert.equal(c.status, 'True', JSON.stringify(c));
      assert.equal(c.observedGeneration, 1);
      assert.match(c.lastTransitionTime, /Z$/);
    }
    await patch(`${VS}/reviews`, { spec: { hosts: ['ratings.prod.svc.cluster.local', 'ratings'] } });
    await h.settle();
    const second = (await get(`${VS}/reviews`)).json<Obj>();
    const programmed = second.status?.conditions.find((c) => c.type === 'Programmed');
    assert.equal(programmed?.status, 'True');
    assert.equal(programmed?.observedGeneration, 2);
    assert.equal(second.metadata.generation, 2);
    // Two Kuma Retries for the same destination: the loser is Overridden (src/ir/precedence.ts, Kuma's own rule).
    const retry = (name: string, n: number) => ({
      apiVersion: 'kuma.io/v1alpha1', kind: 'Retry', mesh: 'default', metadata: { name },
      spec: { sources: [{ match: { 'kuma.io/service': '*' } }], destinations: [{ match: { 'kuma.io/service': '*' } }], conf: { http: { numRetries: n } } },
    });
    await post(KUMA, retry('r1', 1));
    await post(KUMA, retry('r2', 2));
    await h.settle();
    const all = (await get(KUMA)).json<List>().items;
    assert.ok(all.some((o) => o.status?.conditions.some((c) => c.type === 'Overridden' && c.status === 'True')), JSON.stringify(all.map((o) => o.status)));
  });

  it('Safety: URL names and namespaces must be Kubernetes names (422 on writes, 404 on reads); unknown paths 404, wrong methods 405', async () => {
    assertStatus(await post('/apis/networking.istio.io/v1alpha3/namespaces/Bad_NS/virtualservices', vs('x')), 422, 'Invalid');
    assertStatus(await h.app.inject({ method: 'PUT', url: `${VS}/Bad%20Name`, payload: JSON.stringify(vs('x')), headers: JSON_HEADERS }), 422, 'Invalid');
    assertStatus(await get(`${VS}/Bad%20Name`), 404, 'NotFound');
    assertStatus(await get('/apis/example.com/v1/widgets'), 404, 'NotFound');
    assertStatus(await get('/apis/networking.istio.io/v1alpha3/namespaces/prod/virtualservices/a/status'), 404, 'NotFound');
    assertStatus(await get('/apis/kuma.io/v1alpha1/namespaces/prod/retries'), 404, 'NotFound');
    assertStatus(await h.app.inject({ method: 'POST', url: `${VS}/reviews`, payload: '{}', headers: JSON_HEADERS }), 405, 'MethodNotAllowed');
    assertStatus(await h.app.inject({ method: 'PUT', url: VS, payload: '{}', headers: JSON_HEADERS }), 405, 'MethodNotAllowed');
    assertStatus(await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }), 405, 'MethodNotAllowed');
    assertStatus(await h.app.inject({ method: 'GET', url: '/apply' }), 405, 'MethodNotAllowed');
  });

  it('Safety: bodies over 1 MiB → 413, invalid UTF-8 / broken JSON → 400, unknown content types → 415, all as Status', async () => {
    const big = JSON.stringify({ ...vs('big'), spec: { hosts: ['x'], pad: 'x'.repeat(1024 * 1024) } });
    assertStatus(await post(VS, big), 413, 'RequestEntityTooLarge');
    assertStatus(await h.app.inject({ method: 'POST', url: VS, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), headers: JSON_HEADERS }), 400, 'BadRequest');
    assertStatus(await post(VS, '{"apiVersion":'), 400, 'BadRequest');
    assertStatus(await post(VS, 'a: [', { 'content-type': 'application/yaml' }), 400, 'BadRequest');
    assertStatus(await post(VS, 'a: 1\n---\nb: 2\n', { 'content-type': 'application/yaml' }), 400, 'BadRequest');
    assertStatus(await post(VS, 'a: *undefined_anchor\n', { 'content-type': 'application/yaml' }), 400, 'BadRequest');
    assertStatus(await post(VS, `${'['.repeat(20000)}${']'.repeat(20000)}`, { 'content-type': 'application/yaml' }), 400, 'BadRequest');
    assertStatus(await post(VS, '<xml/>', { 'content-type': 'application/xml' }), 415, 'UnsupportedMediaType');
    let deep = '1';
    for (let i = 0; i < 5000; i++) deep = `[${deep}]`;
    assertStatus(await post(VS, `{"apiVersion":"networking.istio.io/v1alpha3","kind":"VirtualService","metadata":{"name":"d"},"spec":${deep}}`), 400, 'BadRequest');
    assert.equal(h.store.all().length, 0);
  });
});
