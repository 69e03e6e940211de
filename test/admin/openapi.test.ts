/**
 * `/openapi/v2` (spec/kubectl-1.20.md §3): the protobuf document decoded here with an independent
 * description of gnostic's OpenAPIv2 messages (field numbers as §3.3 and gnostic's
 * openapiv2/OpenAPIv2.proto list them), then checked against the kind registry: one PATCH path per
 * served GVK with the GVK extension and a `dryRun` query parameter (what `apply --dry-run=server`
 * checks), and a top-level schema per custom-resource GVK for client-side validation.
 */
import * as assert from 'node:assert/strict';
import Fastify from 'fastify';
import * as protobuf from 'protobufjs';
import * as YAML from 'yaml';
import { registerDiscovery } from '../../src/admin/k8s/discovery';
import type { KubernetesApiDeps } from '../../src/admin/k8s';
import { buildOpenApiDocument, definitionName, openApiDocument, requiredTopLevelFields } from '../../src/admin/k8s/openapi';
import { resourceForKind } from '../../src/admin/k8s/resources';
import { SYSTEMS } from '../../src/sources/registry';

const s = (id: number) => ({ type: 'string', id });
const m = (type: string, id: number) => ({ type, id });
const rep = (type: string, id: number) => ({ type, id, rule: 'repeated' });

const root = protobuf.Root.fromJSON({
  nested: {
    Document: { fields: { swagger: s(1), info: m('Info', 2), paths: m('Paths', 8), definitions: m('Definitions', 9) } },
    Info: { fields: { title: s(1), version: s(2) } },
    Paths: { fields: { path: rep('NamedPathItem', 2) } },
    NamedPathItem: { fields: { name: s(1), value: m('PathItem', 2) } },
    PathItem: { fields: { get: m('Operation', 2), patch: m('Operation', 8) } },
    Operation: { fields: { operationId: s(5), parameters: rep('ParametersItem', 8), vendorExtension: rep('NamedAny', 13) } },
    ParametersItem: { fields: { parameter: m('Parameter', 1) } },
    Parameter: { fields: { nonBodyParameter: m('NonBodyParameter', 2) } },
    NonBodyParameter: { fields: { queryParameterSubSchema: m('QueryParameterSubSchema', 3) } },
    QueryParameterSubSchema: { fields: { in: s(2), name: s(4), type: s(6) } },
    NamedAny: { fields: { name: s(1), value: m('Any', 2) } },
    Any: { fields: { yaml: s(2) } },
    Definitions: { fields: { additionalProperties: rep('NamedSchema', 1) } },
    NamedSchema: { fields: { name: s(1), value: m('Schema', 2) } },
    Schema: {
      fields: {
        description: s(4), required: { type: 'string', id: 19, rule: 'repeated' }, additionalProperties: m('AdditionalPropertiesItem', 21),
        type: m('TypeItem', 22), properties: m('Properties', 25), vendorExtension: rep('NamedAny', 31),
      },
    },
    AdditionalPropertiesItem: { fields: { schema: m('Schema', 1) } },
    TypeItem: { fields: { value: { type: 'string', id: 1, rule: 'repeated' } } },
    Properties: { fields: { additionalProperties: rep('NamedSchema', 1) } },
  },
});

interface NamedAny { name: string; value?: { yaml?: string } }
interface Operation { operationId?: string; parameters?: Array<{ parameter?: { nonBodyParameter?: { queryParameterSubSchema?: { in?: string; name?: string; type?: string } } } }>; vendorExtension?: NamedAny[] }
interface Schema { description?: string; required?: string[]; additionalProperties?: { schema?: Schema }; type?: { value?: string[] }; properties?: { additionalProperties?: NamedSchema[] }; vendorExtension?: NamedAny[] }
interface NamedSchema { name: string; value?: Schema }
interface Doc { swagger?: string; info?: { title?: string }; paths?: { path?: Array<{ name: string; value?: { patch?: Operation } }> }; definitions?: { additionalProperties?: NamedSchema[] } }

function decode(bytes: Uint8Array): Doc {
  const type = root.lookupType('Document');
  return type.toObject(type.decode(bytes), { arrays: true, defaults: false }) as Doc;
}

interface Gvk { group: string; version: string; kind: string }

function servedGvks(): Array<Gvk & { namespaced: boolean }> {
  return SYSTEMS.flatMap((sys) => sys.kinds.flatMap((k) => k.versions.map((version) => ({ group: k.group, version, kind: k.kind, namespaced: (k.scope ?? 'Namespaced') === 'Namespaced' }))));
}

function key(g: Gvk): string {
  return `${g.group}/${g.version}/${g.kind}`;
}

/** The GVK an extension's YAML names (a map for paths, a one-item list for definitions). */
function gvkOf(ext: NamedAny[] | undefined, asList: boolean): Gvk | undefined {
  const found = ext?.find((e) => e.name === 'x-kubernetes-group-version-kind');
  if (!found?.value?.yaml) return undefined;
  const parsed: unknown = YAML.parse(found.value.yaml);
  const item = asList ? (Array.isArray(parsed) && parsed.length === 1 ? parsed[0] : undefined) : parsed;
  const { group, version, kind } = (item ?? {}) as Record<string, unknown>;
  return typeof group === 'string' && typeof version === 'string' && typeof kind === 'string' ? { group, version, kind } : undefined;
}

function properties(schema: Schema | undefined): Map<string, Schema> {
  return new Map((schema?.properties?.additionalProperties ?? []).map((p) => [p.name, p.value ?? {}]));
}

describe('admin API /openapi/v2 (spec/kubectl-1.20.md §3)', () => {
  const doc = decode(openApiDocument());

  it('§3.1 decodes as an openapi.v2.Document (swagger 2.0)', () => {
    assert.equal(doc.swagger, '2.0');
    assert.ok(doc.info?.title);
  });

  it('§3.3 one PATCH path per served group/version/kind, with the GVK extension and a dryRun query parameter', () => {
    const byGvk = new Map<string, Operation[]>();
    for (const p of doc.paths?.path ?? []) {
      const op = p.value?.patch;
      assert.ok(op, `${p.name} has a PATCH operation`);
      const gvk = gvkOf(op.vendorExtension, false);
      assert.ok(gvk, `${p.name}: x-kubernetes-group-version-kind decodes to a map with group, version and kind (§3.3)`);
      byGvk.set(key(gvk), [...(byGvk.get(key(gvk)) ?? []), op]);
      const query = (op.parameters ?? []).map((x) => x.parameter?.nonBodyParameter?.queryParameterSubSchema);
      assert.ok(query.some((q) => q?.in === 'query' && q.name === 'dryRun' && q.type === 'string'), `${p.name} advertises dryRun`);
    }
    for (const g of servedGvks()) assert.equal(byGvk.get(key(g))?.length, 1, `${key(g)} has exactly one PATCH path`);
    assert.equal(byGvk.size, servedGvks().length, 'no path for a kind Ricochet does not serve');
  });

  it('§3.3 core kinds say `group: ""`; paths name the item URL, cluster-scoped without /namespaces/', () => {
    const paths = doc.paths?.path ?? [];
    const service = paths.find((p) => gvkOf(p.value?.patch?.vendorExtension, false)?.kind === 'Service');
    assert.equal(service?.name, '/api/v1/namespaces/{namespace}/services/{name}');
    assert.deepEqual(gvkOf(service?.value?.patch?.vendorExtension, false), { group: '', version: 'v1', kind: 'Service' });
    const kumaRetry = paths.find((p) => { const g = gvkOf(p.value?.patch?.vendorExtension, false); return g?.group === 'kuma.io' && g.kind === 'Retry'; });
    assert.equal(kumaRetry?.name, '/apis/kuma.io/v1alpha1/retries/{name}');
  });

  it('§3.2 definitions: a schema per custom-resource GVK carrying the GVK list kubectl validates by', () => {
    const defs = doc.definitions?.additionalProperties ?? [];
    const byGvk = new Map(defs.map((d) => [key(gvkOf(d.value?.vendorExtension, true) ?? { group: '?', version: '?', kind: d.name }), d]));
    for (const g of servedGvks().filter((x) => x.group !== '' && x.group !== 'discovery.k8s.io')) {
      const d = byGvk.get(key(g));
      assert.ok(d, `${key(g)} has a definition`);
      assert.equal(d.name, definitionName(g));
      const props = properties(d.value);
      for (const f of ['apiVersion', 'kind', 'metadata', 'spec', 'status']) assert.ok(props.has(f), `${key(g)} declares ${f}`);
      assert.deepEqual(props.get('spec')?.type?.value, ['object']);
      assert.ok(props.get('spec')?.additionalProperties?.schema, 'spec is a map of anything: nested fields are the server\'s to validate');
      assert.ok(d.value?.required?.includes('metadata'));
    }
  });

  it('§3.2 no definitions for kinds built into kubectl (Service, Endpoints, Pod, EndpointSlice): it patches those with its own strategic-merge metadata', () => {
    const kinds = (doc.definitions?.additionalProperties ?? []).map((d) => gvkOf(d.value?.vendorExtension, true));
    assert.ok(!kinds.some((g) => g?.group === '' || g?.group === 'discovery.k8s.io'));
  });

  it('required top-level fields come from the source validators: spec for VirtualService; mesh is declared for Kuma\'s Retry', () => {
    const defs = doc.definitions?.additionalProperties ?? [];
    const vsDef = defs.find((d) => d.name === 'io.istio.networking.v1alpha3.VirtualService');
    assert.deepEqual(vsDef?.value?.required, ['metadata', 'spec']);
    const kuma = defs.find((d) => d.name === 'io.kuma.v1alpha1.Retry');
    assert.deepEqual(properties(kuma?.value).get('mesh')?.type?.value, ['string']);
    // Core kinds get no definition, but the probe reads their validators the same way.
    const service = resourceForKind('', 'Service');
    assert.ok(service);
    assert.ok(requiredTopLevelFields(service, 'v1').includes('spec'));
    const pod = resourceForKind('', 'Pod');
    assert.ok(pod);
    assert.deepEqual(requiredTopLevelFields(pod, 'v1'), ['metadata'], 'a Pod with only status (examples/istio-ratings-route) is valid');
  });

  it('§3.3 built once: the same bytes every time, and equal to a fresh build', () => {
    assert.equal(openApiDocument(), openApiDocument());
    assert.deepEqual(Buffer.from(buildOpenApiDocument()), openApiDocument());
  });

  it('§3.2, §11.4: served as application/octet-stream (no `@`) at /openapi/v2 and /swagger-2.0.0.pb-v1', async () => {
    const app = Fastify();
    registerDiscovery(app, {} as KubernetesApiDeps);
    try {
      for (const url of ['/openapi/v2?timeout=32s', '/swagger-2.0.0.pb-v1?timeout=32s']) {
        const res = await app.inject({ method: 'GET', url, headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
        assert.equal(res.statusCode, 200, url);
        assert.equal(res.headers['content-type'], 'application/octet-stream');
        assert.deepEqual(res.rawPayload, openApiDocument());
      }
    } finally {
      await app.close();
    }
  });
});
