/**
 * Discovery as kubectl 1.20 reads it (spec/kubectl-1.20.md §2.2, §8, §10): `/api`, `/apis`,
 * `/api/v1`, `/apis/<g>/<v>`. Expectations come from the kind registry (src/sources/registry.ts
 * SYSTEMS), not from the discovery module's own tables.
 */
import * as assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerDiscovery } from '../../src/admin/k8s/discovery';
import type { KubernetesApiDeps } from '../../src/admin/k8s';
import { SYSTEMS } from '../../src/sources/registry';

interface GroupVersionJson { groupVersion: string; version: string }
interface GroupJson { name: string; versions: GroupVersionJson[]; preferredVersion: GroupVersionJson }
interface ResourceJson { name: string; singularName: string; namespaced: boolean; kind: string; verbs: string[]; shortNames?: string[]; categories?: string[] }
interface ResourceListJson { kind: string; apiVersion: string; groupVersion: string; resources: ResourceJson[] }
interface StatusJson { kind: string; apiVersion: string; status: string; reason: string; code: number; message: string }

async function app(): Promise<FastifyInstance> {
  const a = Fastify();
  // Discovery reads nothing from the control plane or the store: it is the kind registry's face.
  registerDiscovery(a, {} as KubernetesApiDeps);
  await a.ready();
  return a;
}

async function getJson<T>(a: FastifyInstance, url: string, status = 200): Promise<T> {
  const res = await a.inject({ method: 'GET', url });
  assert.equal(res.statusCode, status, `${url}: ${res.body}`);
  assert.match(String(res.headers['content-type']), /^application\/json/, `${url} must answer application/json (§1)`);
  return res.json<T>();
}

/** Every (group, version, kind) the registry serves, with its scope. */
function registryKinds(): Array<{ group: string; version: string; kind: string; namespaced: boolean }> {
  return SYSTEMS.flatMap((s) => s.kinds.flatMap((k) => k.versions.map((version) => ({ group: k.group, version, kind: k.kind, namespaced: (k.scope ?? 'Namespaced') === 'Namespaced' }))));
}

describe('admin API discovery (spec/kubectl-1.20.md §2)', () => {
  let a: FastifyInstance;
  before(async () => {
    a = await app();
  });
  after(async () => {
    await a.close();
  });

  it('§2.2 GET /api lists v1', async () => {
    const body = await getJson<{ kind: string; versions: string[]; serverAddressByClientCIDRs: unknown[] }>(a, '/api?timeout=32s');
    assert.equal(body.kind, 'APIVersions');
    assert.deepEqual(body.versions, ['v1']);
    assert.equal(body.serverAddressByClientCIDRs.length, 1);
  });

  it('§2.2 GET /apis lists every group of the registry once, each with name, groupVersion, version and preferredVersion', async () => {
    const body = await getJson<{ kind: string; apiVersion: string; groups: GroupJson[] }>(a, '/apis?timeout=32s');
    assert.equal(body.kind, 'APIGroupList');
    assert.equal(body.apiVersion, 'v1');
    const names = body.groups.map((g) => g.name);
    assert.equal(new Set(names).size, names.length, 'no group twice');
    const expected = new Set(registryKinds().filter((k) => k.group !== '').map((k) => k.group));
    assert.deepEqual(new Set(names), expected);
    for (const g of body.groups) {
      assert.ok(g.versions.length > 0, g.name);
      for (const v of g.versions) assert.equal(v.groupVersion, `${g.name}/${v.version}`, 'groupVersion and version are both required (§2.2)');
      assert.deepEqual(g.preferredVersion, g.versions[0]);
      const served = new Set(registryKinds().filter((k) => k.group === g.name).map((k) => k.version));
      assert.deepEqual(new Set(g.versions.map((v) => v.version)), served, g.name);
    }
  });

  it('§2.2, §10: kuma.io is listed before policy.flomesh.io, so an ambiguous `retries` means Kuma\'s Retry', async () => {
    const { groups } = await getJson<{ groups: GroupJson[] }>(a, '/apis');
    const names = groups.map((g) => g.name);
    assert.ok(names.indexOf('kuma.io') >= 0 && names.indexOf('kuma.io') < names.indexOf('policy.flomesh.io'), names.join(', '));
    assert.ok(names.indexOf('kuma.io') < names.indexOf('policy.openservicemesh.io'), names.join(', '));
  });

  it('§2.2 GET /api/v1 lists services (svc), endpoints and namespaces (ns, cluster-scoped)', async () => {
    const body = await getJson<ResourceListJson>(a, '/api/v1?timeout=32s');
    assert.equal(body.kind, 'APIResourceList');
    assert.equal(body.groupVersion, 'v1');
    const byName = new Map(body.resources.map((r) => [r.name, r]));
    assert.deepEqual(pick(byName.get('services')), { kind: 'Service', namespaced: true, shortNames: ['svc'] });
    assert.deepEqual(pick(byName.get('namespaces')), { kind: 'Namespace', namespaced: false, shortNames: ['ns'] });
    assert.deepEqual(pick(byName.get('endpoints')), { kind: 'Endpoints', namespaced: true, shortNames: ['ep'] });
    // Namespaces are derived from objects: readable, not writable.
    assert.deepEqual(byName.get('namespaces')?.verbs, ['get', 'list']);
  });

  it('§2.2 every served group version lists every registry kind with name, kind, namespaced and non-empty verbs', async () => {
    const { groups } = await getJson<{ groups: GroupJson[] }>(a, '/apis');
    const gvs = [{ group: '', version: 'v1', url: '/api/v1' }, ...groups.flatMap((g) => g.versions.map((v) => ({ group: g.name, version: v.version, url: `/apis/${v.groupVersion}` })))];
    for (const gv of gvs) {
      const list = await getJson<ResourceListJson>(a, `${gv.url}?timeout=32s`);
      assert.equal(list.groupVersion, gv.group === '' ? gv.version : `${gv.group}/${gv.version}`);
      const expected = registryKinds().filter((k) => k.group === gv.group && k.version === gv.version);
      for (const k of expected) {
        const found = list.resources.filter((r) => r.kind === k.kind);
        assert.equal(found.length, 1, `${gv.url} lists ${k.kind} once`);
        const r = found[0] as ResourceJson;
        assert.equal(r.namespaced, k.namespaced, `${k.kind} scope (§2.2: without namespaced kubectl builds cluster URLs)`);
        assert.match(r.name, /^[a-z]+$/, `${k.kind} plural`);
        assert.equal(r.singularName, k.kind.toLowerCase());
        assert.ok(r.verbs.includes('create') && r.verbs.includes('patch') && r.verbs.includes('delete') && r.verbs.includes('list') && r.verbs.includes('watch'),
          `${k.kind} verbs (§8: api-resources hides a resource without verbs)`);
      }
      const extra = list.resources.filter((r) => !expected.some((k) => k.kind === r.kind) && r.kind !== 'Namespace');
      assert.deepEqual(extra, [], `${gv.url} lists only registry kinds`);
    }
  });

  it('§2.2 short names and categories: vs, se, dr, gtw; istio-io and gateway-api', async () => {
    const istio = await getJson<ResourceListJson>(a, '/apis/networking.istio.io/v1alpha3');
    const vs = istio.resources.find((r) => r.kind === 'VirtualService');
    assert.deepEqual(vs?.shortNames, ['vs']);
    assert.deepEqual(vs?.categories, ['istio-io', 'networking-istio-io']);
    assert.deepEqual(istio.resources.find((r) => r.kind === 'ServiceEntry')?.shortNames, ['se']);
    assert.deepEqual(istio.resources.find((r) => r.kind === 'DestinationRule')?.shortNames, ['dr']);
    const gw = await getJson<ResourceListJson>(a, '/apis/gateway.networking.k8s.io/v1');
    assert.deepEqual(gw.resources.find((r) => r.kind === 'Gateway')?.shortNames, ['gtw']);
    assert.ok(gw.resources.every((r) => r.categories?.includes('gateway-api')));
  });

  it('§2.2 Kuma\'s legacy Retry is cluster-scoped, MeshRetry namespaced; FSM\'s Retry namespaced', async () => {
    const kuma = await getJson<ResourceListJson>(a, '/apis/kuma.io/v1alpha1');
    assert.deepEqual(kuma.resources.find((r) => r.kind === 'Retry')?.namespaced, false);
    assert.deepEqual(kuma.resources.find((r) => r.kind === 'Retry')?.name, 'retries');
    assert.deepEqual(kuma.resources.find((r) => r.kind === 'MeshRetry')?.namespaced, true);
    const fsm = await getJson<ResourceListJson>(a, '/apis/policy.flomesh.io/v1alpha1');
    assert.deepEqual(fsm.resources.find((r) => r.kind === 'Retry')?.namespaced, true);
  });

  it('§2.2 an unknown group or version is a 404 Status kubectl can decode (§9)', async () => {
    for (const url of ['/apis/nope.example.com/v1', '/apis/kuma.io/v9', '/apis/nope.example.com']) {
      const s = await getJson<StatusJson>(a, url, 404);
      assert.deepEqual([s.kind, s.apiVersion, s.status, s.reason, s.code], ['Status', 'v1', 'Failure', 'NotFound', 404], url);
      assert.match(s.message, /could not find the requested resource/);
    }
  });

  it('GET /apis/<group> (unused by kubectl 1.20, §2.1) describes the group', async () => {
    const g = await getJson<GroupJson & { kind: string }>(a, '/apis/kuma.io');
    assert.equal(g.kind, 'APIGroup');
    assert.deepEqual(g.versions, [{ groupVersion: 'kuma.io/v1alpha1', version: 'v1alpha1' }]);
  });
});

function pick(r: ResourceJson | undefined): unknown {
  return r && { kind: r.kind, namespaced: r.namespaced, shortNames: r.shortNames };
}
