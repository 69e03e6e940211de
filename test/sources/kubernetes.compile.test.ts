/**
 * The Kubernetes registry compiled into the IR and out to Envoy: hosts and short names per proxy
 * namespace, protocol selection, endpoint sources and ports, Pod labels, default retries.
 * Behaviour is documented in docs/sources/kubernetes.md; DESIGN.md fixes the host names and the
 * "no retries for a plain Service" default.
 */
import * as assert from 'node:assert/strict';
import { DEFAULT_PROXY, type Service } from '../../src/ir/model';
import type { JsonObject } from '../../src/lib/protos/protoJson';
import { portProtocol } from '../../src/sources/kubernetes/protocol';
import { compileYaml, envoyJson, sidecarIn } from './pipeline';
import { lineOf } from './yaml';

const REVIEWS = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 80, targetPort: 9080}
  - {name: http-admin, port: 8081}
---
apiVersion: v1
kind: Endpoints
metadata: {name: reviews, namespace: shop}
subsets:
- addresses: [{ip: 10.0.0.1}]
  ports:
  - {name: http, port: 9080}
  - {name: http-admin, port: 8081}
`;

function onlyService(text: string, proxy = DEFAULT_PROXY): Service {
  const { mesh } = compileYaml(text, proxy);
  assert.equal(mesh.services.length, 1, JSON.stringify(mesh.services.map((s) => s.host)));
  return mesh.services[0];
}

function domainsOf(text: string, namespace: string): Map<string, string[]> {
  const out = envoyJson(compileYaml(text, sidecarIn(namespace)).mesh);
  const routes = out.routes as JsonObject[];
  const vhosts = routes[0].virtualHosts as JsonObject[];
  return new Map(vhosts.map((v) => [String(v.name), v.domains as string[]]));
}

describe('kubernetes registry: hosts and short names (DESIGN.md, service registry)', () => {
  it('a Service is name.ns.svc.cluster.local, with name.ns.svc and name.ns for everyone and name for its namespace', () => {
    const s = onlyService(REVIEWS);
    assert.equal(s.host, 'reviews.shop.svc.cluster.local');
    assert.deepEqual(s.aliases, ['reviews.shop.svc', 'reviews.shop']);
    assert.equal(s.localAlias, 'reviews');
    assert.equal(s.name, 'reviews');
    assert.equal(s.namespace, 'shop');
    assert.equal(s.external, false);
    assert.equal(s.resolution, 'STATIC');
    assert.deepEqual(s.source, { kind: 'Service', apiVersion: 'v1', namespace: 'shop', name: 'reviews', file: 'input.yaml', line: lineOf(REVIEWS, 'name: reviews') });
  });

  it('the egress route config of a proxy in the same namespace answers every form, with and without :port', () => {
    const domains = domainsOf(REVIEWS, 'shop');
    assert.deepEqual(domains.get('reviews.shop.svc.cluster.local:80'), [
      'reviews.shop.svc.cluster.local', 'reviews.shop.svc.cluster.local:80',
      'reviews.shop.svc.cluster.local.', 'reviews.shop.svc.cluster.local.:80',
      'reviews.shop.svc', 'reviews.shop.svc:80', 'reviews.shop', 'reviews.shop:80', 'reviews', 'reviews:80',
    ]);
    // Not port 80: only the :port forms, since a Host without a port means 80.
    assert.deepEqual(domains.get('reviews.shop.svc.cluster.local:8081'), [
      'reviews.shop.svc.cluster.local:8081', 'reviews.shop.svc.cluster.local.:8081', 'reviews.shop.svc:8081', 'reviews.shop:8081', 'reviews:8081',
    ]);
  });

  it('a proxy in another namespace does not answer the bare name (it means a Service of its own namespace)', () => {
    const domains = domainsOf(REVIEWS, 'default');
    const all = [...domains.values()].flat();
    assert.ok(all.includes('reviews.shop'), 'name.ns is answered everywhere');
    assert.ok(all.includes('reviews.shop.svc:8081'));
    assert.ok(!all.includes('reviews') && !all.includes('reviews:80') && !all.includes('reviews:8081'), JSON.stringify(all));
  });

  it('two Services with one name in two namespaces: each proxy\'s bare name is its own namespace\'s', () => {
    const other = REVIEWS.replace(/namespace: shop/g, 'namespace: books').replace('10.0.0.1', '10.0.0.2');
    const text = `${REVIEWS}---${other}`;
    for (const ns of ['shop', 'books']) {
      const domains = domainsOf(text, ns);
      assert.ok(domains.get(`reviews.${ns}.svc.cluster.local:80`)?.includes('reviews'), ns);
      const otherNs = ns === 'shop' ? 'books' : 'shop';
      assert.ok(!domains.get(`reviews.${otherNs}.svc.cluster.local:80`)?.includes('reviews'), ns);
    }
  });

  it('the clusterIP is answered too, as Istio adds a Service\'s VIP to its domains', () => {
    const s = onlyService(REVIEWS.replace('selector: {app: reviews}', 'selector: {app: reviews}\n  clusterIP: 10.96.1.1'));
    assert.deepEqual(s.addresses, ['10.96.1.1']);
    assert.ok(domainsOf(REVIEWS.replace('selector: {app: reviews}', 'clusterIP: 10.96.1.1'), 'default').get('reviews.shop.svc.cluster.local:80')?.includes('10.96.1.1'));
  });

  it('a headless Service (clusterIP: None) has no address', () => {
    assert.deepEqual(onlyService(REVIEWS.replace('selector: {app: reviews}', 'clusterIP: None')).addresses, []);
  });

  it('an Istio VirtualService naming the short host routes the Kubernetes Service, with no "undeclared host" warning', () => {
    const vs = `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, port: {number: 80}}}]
    retries: {attempts: 3, retryOn: 5xx}
`;
    const { mesh, diagnostics } = compileYaml(REVIEWS + vs, sidecarIn('shop'));
    assert.deepEqual(diagnostics.filter((d) => d.severity !== 'Info').map((d) => d.message), []);
    const vh = mesh.virtualHosts.find((v) => v.port === 80);
    assert.equal(vh?.host, 'reviews.shop.svc.cluster.local');
    assert.equal(vh?.routes[0].retry.policy?.retryOn, '5xx');
    assert.equal(vh?.routes[0].destinations[0].host, 'reviews.shop.svc.cluster.local');
    assert.deepEqual(vh?.aliases, ['reviews.shop.svc', 'reviews.shop', 'reviews']);
  });
});

describe('kubernetes registry: retries (DESIGN.md, default retry policy)', () => {
  it('a plain Service gets no retries: no defaultRetry, and its default route has no policy', () => {
    const s = onlyService(REVIEWS);
    assert.equal(s.defaultRetry, undefined);
    const { mesh } = compileYaml(REVIEWS);
    for (const vh of mesh.virtualHosts) assert.equal(vh.routes[0].retry.policy, null);
  });
  it('--default-retry-policy istio gives it Istio\'s default instead', () => {
    const { mesh } = compileYaml(REVIEWS, DEFAULT_PROXY, { defaultRetryPolicy: 'istio' });
    const policy = mesh.virtualHosts[0].routes[0].retry.policy;
    assert.equal(policy?.retryOn, 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes');
    assert.equal(policy?.numRetries, 2);
  });
});

describe('kubernetes registry: port protocol (Istio ConvertProtocol; docs/sources/kubernetes.md)', () => {
  const cases: Array<[string, number, string, string, string | undefined, string]> = [
    ['protocol UDP wins over everything', 53, 'http', 'UDP', 'http', 'UDP'],
    ['appProtocol http', 80, 'web', 'TCP', 'http', 'HTTP'],
    ['appProtocol wins over the name', 80, 'tcp-x', 'TCP', 'http', 'HTTP'],
    ['appProtocol http2', 80, '', 'TCP', 'http2', 'HTTP2'],
    ['appProtocol kubernetes.io/h2c', 80, '', 'TCP', 'kubernetes.io/h2c', 'HTTP2'],
    ['appProtocol kubernetes.io/ws', 80, '', 'TCP', 'kubernetes.io/ws', 'HTTP'],
    ['appProtocol kubernetes.io/wss', 443, '', 'TCP', 'kubernetes.io/wss', 'HTTPS'],
    ['appProtocol grpc', 80, '', 'TCP', 'grpc', 'GRPC'],
    ['appProtocol tcp', 80, 'http', 'TCP', 'tcp', 'TCP'],
    ['appProtocol https', 443, '', 'TCP', 'https', 'HTTPS'],
    ['appProtocol tls', 443, '', 'TCP', 'tls', 'TLS'],
    ['appProtocol is case-insensitive', 80, '', 'TCP', 'HTTP', 'HTTP'],
    ['an unknown appProtocol is not overridden by the name', 80, 'http', 'TCP', 'example.com/x', 'HTTP'],
    ['name http', 80, 'http', 'TCP', undefined, 'HTTP'],
    ['name http-*', 80, 'http-web', 'TCP', undefined, 'HTTP'],
    ['name http2-*', 80, 'http2-api', 'TCP', undefined, 'HTTP2'],
    ['name grpc-*', 80, 'grpc-orders', 'TCP', undefined, 'GRPC'],
    ['name grpc-web-*', 80, 'grpc-web-ui', 'TCP', undefined, 'GRPC-WEB'],
    ['name tcp-*', 80, 'tcp-db', 'TCP', undefined, 'TCP'],
    ['name tls-*', 443, 'tls-x', 'TCP', undefined, 'TLS'],
    ['name https-*', 443, 'https-x', 'TCP', undefined, 'HTTPS'],
    ['name mongo-*', 27018, 'mongo-x', 'TCP', undefined, 'MONGO'],
    ['name redis-*', 6379, 'redis-x', 'TCP', undefined, 'REDIS'],
    ['name mysql-*', 3307, 'mysql-x', 'TCP', undefined, 'MYSQL'],
    ['a prefix is a whole word: httpx is not http', 80, 'httpx', 'TCP', undefined, 'HTTP'],
    ['well-known port 3306 without a name is TCP, not sniffed', 3306, '', 'TCP', undefined, 'TCP'],
    ['well-known port 27017 named oddly is TCP', 27017, 'db', 'TCP', undefined, 'TCP'],
    ['anything else is sniffed by Istio: HTTP on Ricochet', 8080, 'web', 'TCP', undefined, 'HTTP'],
  ];
  for (const [title, port, name, l4, app, want] of cases) {
    it(title, () => assert.equal(portProtocol(port, name, l4, app).protocol, want));
  }
  it('says where the decision came from', () => {
    assert.equal(portProtocol(8080, 'web', 'TCP', undefined).by, 'default');
    assert.equal(portProtocol(80, 'http', 'TCP', 'grpc').by, 'appProtocol');
    assert.equal(portProtocol(80, 'grpc-x', 'TCP', undefined).by, 'name');
  });
  it('non-HTTP ports get no virtual host; UDP ports no cluster', () => {
    const text = `
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec:
  ports:
  - {name: tcp-pg, port: 5432}
  - {name: dns, port: 53, protocol: UDP}
  - {name: http, port: 80}
---
apiVersion: v1
kind: Endpoints
metadata: {name: db, namespace: default}
subsets:
- addresses: [{ip: 10.0.0.9}]
  ports: [{name: tcp-pg, port: 5432}, {name: dns, port: 53, protocol: UDP}, {name: http, port: 80}]
`;
    const { mesh } = compileYaml(text);
    assert.deepEqual(mesh.virtualHosts.map((v) => v.port), [80]);
    const clusters = (envoyJson(mesh).clusters as JsonObject[]).map((c) => c.name);
    assert.ok(clusters.includes('outbound|5432||db.default.svc.cluster.local'));
    assert.ok(!clusters.includes('outbound|53||db.default.svc.cluster.local'));
  });
});

function svcWith(ports: string, body: string, kind: 'Endpoints' | 'EndpointSlice' = 'Endpoints'): string {
  const header = kind === 'Endpoints'
    ? 'apiVersion: v1\nkind: Endpoints\nmetadata: {name: web, namespace: default}'
    : 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}';
  return `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports:
${ports}
---
${header}
${body}
`;
}

describe('kubernetes registry: endpoints and their ports', () => {
  it('Endpoints addresses × ports; notReadyAddresses are left out', () => {
    const s = onlyService(svcWith('  - {name: http, port: 80}', 'subsets:\n- addresses: [{ip: 10.0.0.1}, {ip: 10.0.0.2}]\n  notReadyAddresses: [{ip: 10.0.0.3}]\n  ports: [{name: http, port: 8080}]'));
    assert.deepEqual(s.endpoints.map((e) => [e.address, e.ports]), [['10.0.0.1', { http: 8080 }], ['10.0.0.2', { http: 8080 }]]);
  });
  it('publishNotReadyAddresses keeps not-ready addresses, as Kubernetes publishes them', () => {
    const s = onlyService(svcWith('  - {name: http, port: 80}', 'subsets:\n- addresses: [{ip: 10.0.0.1}]\n  notReadyAddresses: [{ip: 10.0.0.3}]\n  ports: [{name: http, port: 8080}]')
      .replace('selector: {app: web}', 'selector: {app: web}\n  publishNotReadyAddresses: true'));
    assert.deepEqual(s.endpoints.map((e) => e.address), ['10.0.0.1', '10.0.0.3']);
  });
  it('a single unnamed Service port matches the single unnamed Endpoints port', () => {
    const s = onlyService(svcWith('  - {port: 80, targetPort: 8080}', 'subsets:\n- addresses: [{ip: 10.0.0.1}]\n  ports: [{port: 8080}]'));
    assert.deepEqual(s.endpoints[0].ports, { '': 8080 });
    assert.equal(s.ports[0].targetPort, 8080);
  });
  it('a named targetPort is resolved through the Endpoints port named like the Service port', () => {
    const s = onlyService(svcWith('  - {name: http, port: 80, targetPort: web}', 'subsets:\n- addresses: [{ip: 10.0.0.1}]\n  ports: [{name: http, port: 3000}]'));
    assert.deepEqual(s.endpoints[0].ports, { http: 3000 });
    assert.equal(s.ports[0].targetPort, undefined, 'a named targetPort is not a number');
    const cla = (envoyJson(compileYaml(svcWith('  - {name: http, port: 80, targetPort: web}', 'subsets:\n- addresses: [{ip: 10.0.0.1}]\n  ports: [{name: http, port: 3000}]')).mesh).endpoints as JsonObject[])[0];
    assert.match(JSON.stringify(cla), /"portValue":3000/);
  });
  it('a Service port no endpoint port serves is reported where the Service declares it', () => {
    const text = svcWith('  - {name: http, port: 80, targetPort: web}', 'subsets:\n- addresses: [{ip: 10.0.0.1}]\n  ports: [{name: www, port: 3000}]');
    const d = compileYaml(text).diagnostics.find((x) => x.location?.path === 'spec.ports[0]');
    assert.equal(d?.severity, 'Warning');
    assert.match(d?.message ?? '', /Endpoints default\/web has no port named "http" for Service port 80, so targetPort "web" cannot be resolved/);
  });
  it('EndpointSlice: ready unset counts as ready, ready false is left out', () => {
    const s = onlyService(svcWith('  - {name: http, port: 80}', 'addressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints:\n- addresses: [10.0.0.1]\n- addresses: [10.0.0.2]\n  conditions: {ready: false}\n- addresses: [10.0.0.3]\n  conditions: {ready: true}', 'EndpointSlice'));
    assert.deepEqual(s.endpoints.map((e) => e.address), ['10.0.0.1', '10.0.0.3']);
  });
  it('EndpointSlices win over Endpoints, and one address in two slices is one endpoint', () => {
    const text = `${svcWith('  - {name: http, port: 80}', 'subsets:\n- addresses: [{ip: 10.9.9.9}]\n  ports: [{name: http, port: 8080}]')}---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-b, namespace: default, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [10.0.0.2]}, {addresses: [10.0.0.1]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-a, namespace: default, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [10.0.0.1]}]
`;
    const s = onlyService(text);
    assert.deepEqual(s.endpoints.map((e) => e.address), ['10.0.0.1', '10.0.0.2']);
  });
  it('a slice belongs to the Service its label names, in its own namespace only', () => {
    const text = svcWith('  - {name: http, port: 80}', 'addressType: IPv4\nendpoints: [{addresses: [10.0.0.1]}]', 'EndpointSlice').replace('name: web-1, namespace: default', 'name: web-1, namespace: other');
    const { mesh, diagnostics } = compileYaml(text);
    assert.deepEqual(mesh.services[0].endpoints, []);
    assert.ok(diagnostics.some((d) => d.object?.kind === 'EndpointSlice' && /no Service other\/web/.test(d.message)));
  });
  it('ExternalName: DNS resolution of the external name, on the Service port, whatever targetPort says', () => {
    const s = onlyService(`apiVersion: v1
kind: Service
metadata: {name: ext, namespace: default}
spec:
  type: ExternalName
  externalName: api.example.com
  ports: [{name: http, port: 80, targetPort: 8080}]
`);
    assert.equal(s.resolution, 'DNS');
    assert.deepEqual(s.endpoints, [{ address: 'api.example.com', ports: {}, labels: {} }]);
    assert.equal(s.ports[0].targetPort, undefined);
    assert.deepEqual(s.addresses, []);
  });
  it('a Service with a selector and no endpoints at all is a warning: no healthy upstream', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  selector: {app: web}\n  ports: [{name: http, port: 80}]\n';
    const d = compileYaml(text).diagnostics.find((x) => x.object?.kind === 'Service' && x.severity === 'Warning');
    assert.equal(d?.location?.path, 'spec.selector');
    assert.match(d?.message ?? '', /requests to it fail with no healthy upstream/);
  });
  it('Endpoints for a Service that does not exist are a warning', () => {
    const text = 'apiVersion: v1\nkind: Endpoints\nmetadata: {name: ghost, namespace: default}\nsubsets:\n- addresses: [{ip: 10.0.0.1}]\n';
    const { mesh, diagnostics } = compileYaml(text);
    assert.deepEqual(mesh.services, []);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].code, 'RCO0101');
    assert.match(diagnostics[0].message, /no Service default\/ghost/);
  });
});

describe('kubernetes registry: Pods give endpoints their labels', () => {
  const text = (pods: string): string => `${svcWith('  - {name: http, port: 80}', 'subsets:\n- addresses:\n  - {ip: 10.0.0.1, targetRef: {kind: Pod, name: web-a}}\n  - {ip: 10.0.0.2}\n  ports: [{name: http, port: 8080}]')}${pods}`;
  const podYaml = (name: string, ns: string, ip: string, version: string): string =>
    `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}, labels: {app: web, version: ${version}}}\nstatus: {podIP: ${ip}}\n`;

  it('through targetRef, and by IP in the same namespace', () => {
    const s = onlyService(text(podYaml('web-a', 'default', '10.0.0.77', 'v1') + podYaml('web-b', 'default', '10.0.0.2', 'v2')));
    assert.deepEqual(s.endpoints.map((e) => e.labels), [{ app: 'web', version: 'v1' }, { app: 'web', version: 'v2' }]);
  });
  it('a Pod with the IP in another namespace is not the endpoint\'s Pod', () => {
    const s = onlyService(text(podYaml('web-b', 'elsewhere', '10.0.0.2', 'v2')));
    assert.deepEqual(s.endpoints.map((e) => e.labels), [{}, {}]);
  });
  it('labels reach Envoy as istio endpoint metadata (what DestinationRule subsets match)', () => {
    const { mesh } = compileYaml(text(podYaml('web-a', 'default', '10.0.0.1', 'v1')));
    const cla = (envoyJson(mesh).endpoints as JsonObject[])[0];
    assert.match(JSON.stringify(cla), /"istio":\{"labels":\{"app":"web","version":"v1"\}\}/);
  });
});

describe('kubernetes registry: determinism', () => {
  it('the same objects in any order compile to the same mesh', () => {
    const docs = `${REVIEWS}---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: shop}
spec:
  ports: [{name: http, port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ratings-1, namespace: shop, labels: {kubernetes.io/service-name: ratings}}
addressType: IPv4
ports: [{name: http, port: 80}]
endpoints: [{addresses: [10.1.0.1]}]
`.split(/^---$/m);
    const a = compileYaml(docs.join('---')).mesh;
    const b = compileYaml([...docs].reverse().join('---\n')).mesh;
    const strip = (m: unknown): string => JSON.stringify(m).replace(/"line":\d+,?/g, '');
    assert.equal(strip(a), strip(b));
  });
});
