/**
 * Kuma compile rules, one behaviour per test: placement, which API decides, Kuma's bugs fixed to
 * what the user meant, the destination's protocol, which Service a tag names, and the contract
 * that the output depends on the proxy only through the selectors Kuma declares. Sections refer
 * to spec/sources-kuma-fsm.md.
 */
import * as assert from 'node:assert/strict';
import { DEFAULT_PROXY, type Mesh, type ProxyIdentity, type RetryPolicy, type Route } from '../../src/ir/model';
import { compileSignature } from '../../src/controlplane/views';
import { compileMesh, proxySelectors, selectorKey } from '../../src/sources';
import { kumaSelectors } from '../../src/sources/kuma';
import { compileYaml, envoyJson } from './pipeline';
import { k8sMeshRetry, k8sRetry, service, toBackend, uniMeshRetry, uniRetry, webToBackend } from './kumaYaml';

const WEB: ProxyIdentity = { ...DEFAULT_PROXY, labels: { 'kuma.io/service': 'web' } };
const BACKEND = 'backend.default.svc.cluster.local';

function routeOf(mesh: Mesh, host = BACKEND, port = 80): Route {
  const vh = mesh.virtualHosts.find((v) => v.host === host && v.port === port);
  assert.ok(vh, `virtual host ${host}:${port}`);
  return vh.routes[0];
}

function compile(text: string, proxy: ProxyIdentity = WEB): ReturnType<typeof compileYaml> {
  const out = compileYaml(text, proxy);
  assert.deepEqual(out.diagnostics.filter((d) => d.severity === 'Error').map((d) => d.message), []);
  return out;
}

function policyOf(text: string, proxy: ProxyIdentity = WEB, host = BACKEND, port = 80): RetryPolicy | null {
  return routeOf(compile(text, proxy).mesh, host, port).retry.policy;
}

describe('kuma compile: legacy Retry', () => {
  const http = service('backend', { appProtocol: 'http' });

  it('§1.1.2 sits on the sidecar\'s virtual host, not on its routes', () => {
    const { mesh } = compile(`${uniRetry(webToBackend('http:\n  numRetries: 5'))}---\n${http}`);
    assert.equal(routeOf(mesh).retry.placement, 'virtualHost');
    const vh = ((envoyJson(mesh).routes as Array<{ virtualHosts: Array<Record<string, unknown>> }>)[0].virtualHosts).find((v) => v.name === `${BACKEND}:80`);
    assert.deepEqual(vh?.retryPolicy, { retryOn: 'gateway-error,connect-failure,refused-stream', numRetries: 5 });
    assert.equal(((vh?.routes as Array<{ route: Record<string, unknown> }>)[0].route).retryPolicy, undefined);
  });
  it('§1.1.3 a proxy no source matches gets nothing (no default either)', () => {
    assert.equal(policyOf(`${uniRetry(webToBackend('http:\n  numRetries: 5'))}---\n${http}`, { ...DEFAULT_PROXY, labels: { 'kuma.io/service': 'other' } }), null);
  });
  it('§1.1.3 equal rank and no creationTime: the name that sorts first stays', () => {
    const a = uniRetry(webToBackend('http:\n  numRetries: 2'), 'zeta');
    const b = uniRetry(webToBackend('http:\n  numRetries: 3'), 'alpha');
    assert.equal(policyOf(`${a}---\n${b}---\n${http}`)?.numRetries, 3);
  });
  it('§1.1.3 equal rank: the later creationTime wins, whatever the names', () => {
    const a = uniRetry(`creationTime: "2025-02-01T00:00:00Z"\n${webToBackend('http:\n  numRetries: 2')}`, 'zeta');
    const b = uniRetry(`creationTime: "2025-01-01T00:00:00Z"\n${webToBackend('http:\n  numRetries: 3')}`, 'alpha');
    assert.equal(policyOf(`${a}---\n${b}---\n${http}`)?.numRetries, 2);
  });
  it('§1.1.2 an http2 destination gets the http section (Kuma emits nothing: docs/sources/kuma.md)', () => {
    const text = `${uniRetry(webToBackend('http:\n  numRetries: 4'))}---\n${service('backend', { appProtocol: 'http2' })}`;
    assert.equal(policyOf(text)?.numRetries, 4);
  });
  it('§1.1.2 tcp destinations get tcp_proxy maxConnectAttempts', () => {
    const { mesh } = compile(`${uniRetry(webToBackend('tcp:\n  maxConnectAttempts: 3'))}---\n${service('backend', { appProtocol: 'tcp', port: 6379, targetPort: 6379 })}`);
    assert.deepEqual(mesh.tcpRoutes?.map((t) => [t.host, t.port, t.maxConnectAttempts]), [[BACKEND, 6379, 3]]);
    const listener = (envoyJson(mesh).listeners as Array<Record<string, unknown>>).find((l) => l.name === '127.0.0.1_6379');
    assert.match(JSON.stringify(listener), /"maxConnectAttempts":3/);
  });
  it('on a gateway proxy the decision is per route (§1.1.2 builtin gateway)', () => {
    const out = compileYaml(`${uniRetry(webToBackend('http:\n  numRetries: 5'))}---\n${http}`, { ...WEB, role: 'gateway' });
    assert.ok(out.mesh.virtualHosts.every((vh) => vh.routes.every((r) => r.retry.placement === undefined)));
  });
});

describe('kuma compile: MeshRetry', () => {
  const http = service('backend', { appProtocol: 'http' });

  it('§1.2.4 goes on the route; absent numRetries is Envoy\'s 1', () => {
    const route = routeOf(compile(`${uniMeshRetry(toBackend('http:\n  retryOn: [Reset]'))}---\n${http}`).mesh);
    assert.equal(route.retry.placement, undefined);
    assert.deepEqual(route.retry.policy, { retryOn: 'reset', numRetries: 1, retriableStatusCodes: [], previousHostsPredicate: false });
  });
  it('§1.2.3 codes and methods alone keep the default conditions; codes append retriable-status-codes once', () => {
    const p = policyOf(`${uniMeshRetry(toBackend('http:\n  retryOn: ["503", HttpMethodGet, "502"]'))}---\n${http}`);
    assert.equal(p?.retryOn, 'gateway-error,connect-failure,refused-stream,retriable-status-codes');
    assert.deepEqual(p?.retriableStatusCodes, [503, 502]);
    assert.deepEqual(p?.retriableRequestHeaders, [{ name: ':method', exact: 'GET' }]);
  });
  it('§1.2.3 gRPC Canceled becomes Envoy\'s `cancelled` (Kuma writes `canceled`, which Envoy ignores)', () => {
    const text = `${uniMeshRetry(toBackend('grpc:\n  retryOn: [Canceled, DeadlineExceeded]'))}---\n${service('backend', { appProtocol: 'grpc' })}`;
    assert.equal(policyOf(text)?.retryOn, 'cancelled,deadline-exceeded');
  });
  it('§1.2.1 an HTTP backOff without baseInterval gets the documented 25ms base (Kuma emits none: Envoy NACKs)', () => {
    assert.deepEqual(policyOf(`${uniMeshRetry(toBackend('http:\n  backOff: {maxInterval: 2s}'))}---\n${http}`)?.backoff, { baseIntervalMs: 25, maxIntervalMs: 2000 });
  });
  it('§1.2.1 numRetries: 0 decides "no retries" (policy null), from the MeshRetry', () => {
    const route = routeOf(compile(`${uniMeshRetry(toBackend('http:\n  numRetries: 0'))}---\n${http}`).mesh);
    assert.equal(route.retry.policy, null);
    assert.ok(route.retry.from !== 'default' && route.retry.from.kind === 'MeshRetry');
  });
  it('§1.2.4 later entries merge over earlier ones (RFC 7396: fields kept, lists replaced)', () => {
    const wide = k8sMeshRetry('targetRef: {kind: Mesh}\nto:\n- targetRef: {kind: Mesh}\n  default:\n    http:\n      numRetries: 3\n      perTryTimeout: 1s\n      retryOn: [Reset, ConnectFailure]', 'wide');
    const narrow = k8sMeshRetry(toBackend('http:\n  retryOn: ["5xx"]', 'targetRef: {kind: Mesh}'), 'narrow');
    assert.deepEqual(policyOf(`${narrow}---\n${wide}---\n${http}`), { retryOn: '5xx', numRetries: 3, retriableStatusCodes: [], previousHostsPredicate: false, perTryTimeoutMs: 1000 });
  });
  it('a universal MeshRetry (namespace "") is read and compiled like a kuma-system one', () => {
    assert.equal(policyOf(`${uniMeshRetry(toBackend('http:\n  numRetries: 7'))}---\n${http}`)?.numRetries, 7);
  });
  it('top-level MeshService selects proxies by kuma.io/service', () => {
    const text = `${k8sMeshRetry(toBackend('http:\n  numRetries: 7', 'targetRef:\n  kind: MeshService\n  name: web'))}---\n${http}`;
    assert.equal(policyOf(text)?.numRetries, 7);
    assert.equal(policyOf(text, { ...DEFAULT_PROXY, labels: { 'kuma.io/service': 'api' } }), null);
  });
  it('§1.2.2 targetRef.proxyTypes (Mesh, MeshSubset): Ricochet serves Kuma sidecars, so [Gateway] alone applies to no proxy, warned at the field', () => {
    const withTypes = (types: string, kind = 'Mesh'): string => `${k8sMeshRetry(toBackend('http:\n  numRetries: 7', `targetRef:\n  kind: ${kind}\n  proxyTypes: ${types}`))}---\n${http}`;
    for (const types of ['[Sidecar]', '[Gateway, Sidecar]']) assert.equal(policyOf(withTypes(types))?.numRetries, 7, types);
    const gateway = compile(withTypes('[Gateway]'));
    assert.equal(routeOf(gateway.mesh).retry.from, 'default');
    const d = gateway.diagnostics.find((x) => x.location?.path === 'spec.targetRef.proxyTypes');
    assert.ok(d, gateway.diagnostics.map((x) => `${x.location?.path}: ${x.message}`).join('\n'));
    assert.equal(d.severity, 'Warning');
    assert.equal(d.code, 'RCO0133');
    assert.match(d.message, /Ricochet serves Kuma sidecars only; this MeshRetry applies to no proxy$/);
    assert.equal(routeOf(compile(withTypes('[Gateway]', 'MeshSubset')).mesh).retry.from, 'default');
    // With kinds other than Mesh and MeshSubset Kuma does not apply proxyTypes: the selection stands.
    assert.equal(policyOf(withTypes('[Gateway]', 'MeshService\n  name: web'))?.numRetries, 7);
  });
  it('§1.2 a Kubernetes MeshRetry is in the mesh of its kuma.io/mesh label; a stray top-level mesh is not read', () => {
    const stray = k8sMeshRetry(toBackend('http:\n  numRetries: 7')).replace('kind: MeshRetry\n', 'kind: MeshRetry\nmesh: payments\n');
    const payments: ProxyIdentity = { ...DEFAULT_PROXY, labels: { 'kuma.io/service': 'web', 'kuma.io/mesh': 'payments' } };
    assert.equal(policyOf(`${stray}---\n${http}`)?.numRetries, 7, 'in mesh default (no label)');
    assert.equal(policyOf(`${stray}---\n${http}`, payments), null, 'not in mesh payments');
    const labelled = k8sMeshRetry(toBackend('http:\n  numRetries: 7'), 'mr', 'kuma-system', 'kuma.io/mesh: payments');
    assert.equal(policyOf(`${labelled}---\n${http}`, payments)?.numRetries, 7);
    // The universal MeshRetry and the Kubernetes legacy Retry keep their top-level mesh.
    const uni = uniMeshRetry(toBackend('http:\n  numRetries: 7')).replace('mesh: default', 'mesh: payments');
    assert.equal(policyOf(`${uni}---\n${http}`, payments)?.numRetries, 7);
    const legacy = k8sRetry(webToBackend('http:\n  numRetries: 4')).replace('mesh: default', 'mesh: payments');
    assert.equal(policyOf(`${legacy}---\n${http}`, payments)?.numRetries, 4);
  });
  it('§1.2.4 a top-level sectionName (ignored, warned) does not rank a policy: the tie goes to the name that sorts first', () => {
    const top = (section: string): string => `targetRef:\n  kind: MeshService\n  name: web${section}`;
    const plain = k8sMeshRetry(toBackend('http:\n  numRetries: 3', top('')), 'a-plain');
    const sectioned = k8sMeshRetry(toBackend('http:\n  numRetries: 5', top('\n  sectionName: http')), 'b-section');
    assert.equal(policyOf(`${sectioned}---\n${plain}---\n${http}`)?.numRetries, 3);
  });
  it('a to[] MeshService chosen by labels (no name) names no registry Service: it configures nothing', () => {
    const text = `${k8sMeshRetry(toBackend('http:\n  numRetries: 7').replace('name: backend', 'labels: {app: backend}'))}---\n${http}`;
    assert.equal(routeOf(compile(text).mesh).retry.from, 'default');
  });
});

describe('kuma compile: Retry and MeshRetry together (docs/sources/kuma.md)', () => {
  const http = service('backend', { appProtocol: 'http' });
  const legacy = uniRetry(webToBackend('http:\n  numRetries: 5'), 'legacy');

  it('the MeshRetry decides, and the Retry is reported as overridden', () => {
    const out = compile(`${legacy}---\n${uniMeshRetry(toBackend('http:\n  numRetries: 0'))}---\n${http}`);
    assert.equal(routeOf(out.mesh).retry.policy, null);
    const warning = out.diagnostics.find((d) => d.object?.name === 'legacy' && d.severity === 'Warning');
    assert.match(warning?.message ?? '', /MeshRetry mr takes precedence \(Kuma never combines Retry with MeshRetry/);
  });
  it('a MeshRetry without a section for the destination\'s protocol leaves the Retry in charge', () => {
    const out = compile(`${legacy}---\n${uniMeshRetry(toBackend('tcp:\n  maxConnectAttempt: 2'))}---\n${http}`);
    assert.equal(routeOf(out.mesh).retry.policy?.numRetries, 5);
    assert.ok(!out.diagnostics.some((d) => d.object?.name === 'legacy'));
  });
});

describe('kuma compile: destinations (DESIGN.md, service registry)', () => {
  it('a kuma.io/service tag names the Service of that name, the first by namespace', () => {
    const text = `${uniRetry(webToBackend('http:\n  numRetries: 5'))}---\n${service('backend', { namespace: 'zz', appProtocol: 'http' })}---\n${service('backend', { namespace: 'aa', appProtocol: 'http' })}`;
    const { mesh } = compile(text);
    assert.equal(routeOf(mesh, 'backend.aa.svc.cluster.local').retry.policy?.numRetries, 5);
    assert.equal(routeOf(mesh, 'backend.zz.svc.cluster.local').retry.policy, null);
  });
  it('the protocol: appProtocol Kuma knows, else the <port>.service.kuma.io/protocol annotation (any case), else tcp', () => {
    const conf = 'http:\n  numRetries: 5\ngrpc:\n  numRetries: 6';
    const withSvc = (s: string): string => `${uniRetry(webToBackend(conf))}---\n${s}`;
    assert.equal(policyOf(withSvc(service('backend', { appProtocol: 'grpc', annotations: { '80.service.kuma.io/protocol': 'http' } })))?.numRetries, 6);
    assert.equal(policyOf(withSvc(service('backend', { portName: 'http', annotations: { '80.service.kuma.io/protocol': 'GRPC' } })))?.numRetries, 6);
    // kubernetes.io/h2c is no Kuma protocol: the annotation decides.
    assert.equal(policyOf(withSvc(service('backend', { appProtocol: 'kubernetes.io/h2c', annotations: { '80.service.kuma.io/protocol': 'http' } })))?.numRetries, 5);
    assert.equal(policyOf(withSvc(service('backend', { portName: 'http' }))), null);
  });
});

describe('kuma compile: views (DESIGN.md, proxy identity)', () => {
  const objects = compileYaml([
    uniRetry(webToBackend('http:\n  numRetries: 5'), 'a'),
    uniRetry(`sources:\n- match:\n    kuma.io/service: web\n    version: '*'\ndestinations:\n- match:\n    kuma.io/service: '*'\nconf:\n  http:\n    numRetries: 2`, 'b'),
    k8sMeshRetry(toBackend('http:\n  numRetries: 9', 'targetRef:\n  kind: MeshSubset\n  tags:\n    team: blue'), 'c'),
    k8sMeshRetry('to:\n- targetRef: {kind: Mesh}\n  default:\n    http: {numRetries: 1}', 'd', 'kuma-system', 'kuma.io/mesh: payments'),
    k8sRetry(webToBackend('http:\n  numRetries: 3'), 'e'),
    service('backend', { appProtocol: 'http' }),
    service('other', { appProtocol: 'http' }),
  ].join('---\n')).accepted;

  it('declares one selector per source match, per MeshRetry top-level targetRef, and per mesh', () => {
    const keys = kumaSelectors(objects.filter((o) => o.group === 'kuma.io')).map(selectorKey).sort();
    assert.deepEqual([...new Set(keys)], [
      'labels:kuma.io/mesh=*', 'labels:kuma.io/mesh=default', 'labels:kuma.io/mesh=payments',
      'labels:kuma.io/service=web', 'labels:kuma.io/service=web,version=*', 'labels:team=blue',
    ]);
  });
  it('proxies with the same compile signature get the same mesh', () => {
    const selectors = proxySelectors(objects);
    const labelSets: Array<Record<string, string>> = [];
    for (const service of [undefined, 'web', 'api']) {
      for (const version of [undefined, 'v1']) {
        for (const team of [undefined, 'blue', 'red']) {
          for (const mesh of [undefined, 'default', 'payments', 'other']) {
            const labels: Record<string, string> = {};
            if (service) labels['kuma.io/service'] = service;
            if (version) labels.version = version;
            if (team) labels.team = team;
            if (mesh) labels['kuma.io/mesh'] = mesh;
            labelSets.push(labels);
          }
        }
      }
    }
    const bySignature = new Map<string, string>();
    for (const labels of labelSets) {
      const proxy = { ...DEFAULT_PROXY, labels };
      const mesh = JSON.stringify(compileMesh(objects, proxy).mesh);
      const signature = compileSignature(proxy, selectors);
      const seen = bySignature.get(signature);
      if (seen !== undefined) assert.equal(mesh, seen, `labels ${JSON.stringify(labels)} share signature ${signature} but not the mesh`);
      else bySignature.set(signature, mesh);
    }
    assert.ok(bySignature.size > 5, 'the label sets cover several views');
  });
});

