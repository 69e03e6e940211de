/** compileMesh: cross-object rules, ordering and provenance (spec/sources-istio.md §1.1, §4.3, §4.5). */
import * as assert from 'node:assert/strict';
import { Codes } from '../../src/lib/errors';
import type { Route, VirtualHost } from '../../src/ir/model';
import { compileYaml } from './pipeline';
import { httpEntry, lineOf, se, vs } from './yaml';

function hostsOf(vhosts: VirtualHost[]): string[] {
  return vhosts.map((v) => `${v.host}:${v.port}`);
}

function routesOf(text: string, host: string, port = 80): Route[] {
  const vh = compileYaml(text).mesh.virtualHosts.find((v) => v.host === host && v.port === port);
  assert.ok(vh, `no virtual host ${host}:${port}`);
  return vh.routes;
}

describe('istio compileMesh', () => {
  it('output does not depend on input order (sorted by host, then port)', () => {
    const docs = [
      se('hosts: [b.example.com, a.example.com]\nresolution: DNS\nports:\n- {number: 9090, name: grpc, protocol: GRPC}\n- {number: 80, name: http, protocol: HTTP}', 'ab'),
      se('hosts: [c.example.com]\nresolution: DNS\nports: [{number: 80, name: http, protocol: HTTP}]', 'c', 'other'),
      vs('hosts: [c.example.com]\nhttp:\n- route: [{destination: {host: a.example.com}}]', 'c', 'other'),
    ];
    const forward = compileYaml(docs.join('---\n'));
    const backward = compileYaml([...docs].reverse().join('---\n'));
    assert.deepEqual(hostsOf(forward.mesh.virtualHosts), ['a.example.com:80', 'a.example.com:9090', 'b.example.com:80', 'b.example.com:9090', 'c.example.com:80']);
    assert.deepEqual(forward.mesh.services.map((s) => s.host), ['a.example.com', 'b.example.com', 'c.example.com']);
    // Provenance lines and document indexes differ with the order; everything else must not.
    const strip = (m: unknown): string => JSON.stringify(m, (k, v: unknown) => (k === 'line' ? undefined : v));
    assert.equal(strip(forward.mesh), strip(backward.mesh));
  });

  it('§1.1 a host without a VirtualService gets the default route, per HTTP port', () => {
    const routes = routesOf(httpEntry(), 'ok.example.com');
    assert.deepEqual(routes, [{
      name: 'default',
      match: { uri: { prefix: '/' }, headers: [] },
      destinations: [{ host: 'ok.example.com', port: 80, weight: 100 }],
      timeoutMs: 0,
      retry: {
        policy: { retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', numRetries: 2, retriableStatusCodes: [], previousHostsPredicate: true, hostSelectionRetryMaxAttempts: 5 },
        from: 'default',
        reason: 'Istio default policy (no VirtualService for this host)',
        level: 'default',
      },
      source: 'default',
    }]);
  });

  it('§4.4 only HTTP, HTTP2, GRPC (and GRPC-WEB) ports get virtual hosts', () => {
    const text = se('hosts: [m.example.com]\nresolution: DNS\nports:\n- {number: 1, name: a, protocol: HTTP}\n- {number: 2, name: b, protocol: HTTP2}\n- {number: 3, name: c, protocol: GRPC}\n- {number: 4, name: d, protocol: GRPC-WEB}\n- {number: 5, name: e, protocol: HTTPS}\n- {number: 6, name: f, protocol: TLS}\n- {number: 7, name: g, protocol: TCP}\n- {number: 8, name: h, protocol: UDP}\n- {number: 9, name: i, protocol: HTTP_PROXY}');
    assert.deepEqual(hostsOf(compileYaml(text).mesh.virtualHosts), ['m.example.com:1', 'm.example.com:2', 'm.example.com:3', 'm.example.com:4', 'm.example.com:9']);
  });

  it('provenance on services and routes names kind, apiVersion, namespace, name, file and line', () => {
    const vsText = vs('hosts: [ok.example.com]\nhttp:\n- match: [{uri: {prefix: /a}}]\n  route: [{destination: {host: ok.example.com}}]\n  retries: {attempts: 4}', 'routes', 'team');
    const text = `${httpEntry()}---\n${vsText}`;
    const { mesh } = compileYaml(text);
    assert.deepEqual(mesh.services[0].source, { kind: 'ServiceEntry', apiVersion: 'networking.istio.io/v1', namespace: 'default', name: 'se', file: 'input.yaml', line: lineOf(text, 'hosts: [ok.example.com]') });
    const route = mesh.virtualHosts[0].routes[0];
    const line = lineOf(text, 'match: [{uri: {prefix: /a}}]');
    assert.deepEqual(route.source, { kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', namespace: 'team', name: 'routes', file: 'input.yaml', line });
    assert.deepEqual(route.retry.from, { kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', namespace: 'team', name: 'routes', file: 'input.yaml', line: lineOf(text, 'retries: {attempts: 4}') });
    assert.equal(route.retry.reason, 'VirtualService team/routes spec.http[0].retries');
  });

  it('short names resolve to <name>.<vs namespace>.svc.cluster.local', () => {
    const text = `${se('hosts: [reviews.shop.svc.cluster.local]\nlocation: MESH_INTERNAL\nresolution: STATIC\nendpoints: [{address: 10.0.0.1}]\nports: [{number: 9080, name: http, protocol: HTTP}]')}---\n${vs('hosts: [reviews]\nhttp:\n- route: [{destination: {host: reviews}}]\n  retries: {attempts: 1}', 'reviews', 'shop')}`;
    const { mesh, diagnostics } = compileYaml(text);
    assert.deepEqual(diagnostics, []);
    const route = mesh.virtualHosts[0].routes[0];
    assert.deepEqual(route.destinations, [{ host: 'reviews.shop.svc.cluster.local', port: 9080, weight: 100 }]);
    assert.equal(route.retry.policy?.numRetries, 1);
  });

  it('a short host a ServiceEntry declares means exactly that host', () => {
    const text = `${httpEntry('resolution: DNS', 'legacy')}---\n${vs('hosts: [legacy]\nhttp:\n- route: [{destination: {host: legacy}}]\n  retries: {attempts: 1}', 'v', 'elsewhere')}`;
    const { mesh, diagnostics } = compileYaml(text);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(mesh.virtualHosts[0].routes[0].destinations, [{ host: 'legacy', port: 80, weight: 100 }]);
  });

  it('a VirtualService host nobody declares: no virtual host, a ReferencedResourceNotFound warning', () => {
    const text = vs('hosts: [httpstat.us]\nhttp:\n- route: [{destination: {host: httpstat.us}}]\n  retries: {attempts: 3}');
    const { mesh, diagnostics } = compileYaml(text);
    assert.deepEqual(mesh.virtualHosts, []);
    assert.deepEqual(diagnostics.map((d) => [d.severity, d.code, d.location?.path, d.location?.line]), [
      ['Warning', Codes.ReferencedResourceNotFound, 'spec.hosts[0]', lineOf(text, 'hosts:')],
      ['Warning', Codes.ReferencedResourceNotFound, 'spec.http[0].route[0].destination.host', lineOf(text, 'route:')],
    ]);
    assert.equal(diagnostics[0].message, 'no ServiceEntry declares host httpstat.us; traffic to it gets no retries, as in Istio (declare it with a ServiceEntry)');
  });

  it('two VirtualServices for one host: the first by (namespace, name) wins, the other is warned about', () => {
    const route = (attempts: number): string => `hosts: [ok.example.com]\nhttp:\n- route: [{destination: {host: ok.example.com}}]\n  retries: {attempts: ${attempts}}`;
    const text = [httpEntry(), vs(route(9), 'zzz', 'a'), vs(route(1), 'aaa', 'b'), vs(route(5), 'mmm', 'a')].join('---\n');
    const { mesh, diagnostics } = compileYaml(text);
    assert.equal(mesh.virtualHosts[0].routes[0].retry.policy?.numRetries, 5);
    assert.deepEqual(diagnostics.map((d) => [d.code, `${d.object?.namespace}/${d.object?.name}`]), [[Codes.ConflictingPolicies, 'a/zzz'], [Codes.ConflictingPolicies, 'b/aaa']]);
    assert.match(diagnostics[0].message, /already routed by VirtualService a\/mmm/);
  });

  it('a wildcard VirtualService host covers the registry hosts under it', () => {
    const text = `${se('hosts: [a.corp.example, b.corp.example, c.other.example]\nresolution: DNS\nports: [{number: 80, name: http, protocol: HTTP}]')}---\n${vs('hosts: ["*.corp.example"]\nhttp:\n- route: [{destination: {host: a.corp.example}}]\n  retries: {attempts: 6}')}`;
    const { mesh } = compileYaml(text);
    const attempts = mesh.virtualHosts.map((v) => `${v.host}:${v.routes[0].retry.policy?.numRetries}`);
    assert.deepEqual(attempts, ['a.corp.example:6', 'b.corp.example:6', 'c.other.example:2']);
  });

  it('a VirtualService naming one host under a wildcard ServiceEntry is told which routes that host takes', () => {
    const text = `${httpEntry('resolution: NONE', '"*.example.com"')}---\n${vs('hosts: [a.example.com]\nhttp:\n- route: [{destination: {host: "*.example.com"}}]')}`;
    const { mesh, diagnostics } = compileYaml(text);
    assert.deepEqual(hostsOf(mesh.virtualHosts), ['*.example.com:80']);
    assert.equal(mesh.virtualHosts[0].routes[0].name, 'default');
    assert.deepEqual(diagnostics.map((d) => [d.code, d.location?.path]), [[Codes.ReferencedResourceNotFound, 'spec.hosts[0]']]);
    assert.match(diagnostics[0].message, /its traffic takes the routes of \*\.example\.com instead/);
  });

  it('§4.5 a VirtualService bound only to a gateway leaves sidecar routes alone; with "mesh" it applies', () => {
    const body = (gw: string): string => `hosts: [ok.example.com]\ngateways: [${gw}]\nhttp:\n- route: [{destination: {host: ok.example.com}}]\n  retries: {attempts: 0}`;
    assert.equal(routesOf(`${httpEntry()}---\n${vs(body('istio-system/ingress'))}`, 'ok.example.com')[0].name, 'default');
    assert.equal(routesOf(`${httpEntry()}---\n${vs(body('mesh, istio-system/ingress'))}`, 'ok.example.com')[0].retry.policy, null);
  });

  it('§4.5 a match limited to other gateways or another port does not apply; none left keeps the default route', () => {
    const text = `${se('hosts: [ok.example.com]\nresolution: DNS\nports:\n- {number: 80, name: http, protocol: HTTP}\n- {number: 81, name: http-alt, protocol: HTTP}')}---\n${vs('hosts: [ok.example.com]\nhttp:\n- match:\n  - {port: 81, name: alt}\n  - {gateways: [istio-system/ingress], uri: {prefix: /gw}}\n  route: [{destination: {host: ok.example.com}}]\n  retries: {attempts: 7}')}`;
    assert.equal(routesOf(text, 'ok.example.com', 80)[0].name, 'default');
    const alt = routesOf(text, 'ok.example.com', 81);
    assert.deepEqual(alt.map((r) => [r.name, r.retry.policy?.numRetries]), [['.alt', 7]]);
    assert.equal(alt[0].retry.reason.includes('spec.http[0].retries'), true);
  });

  it('a VirtualService with only tcp routes does not replace the HTTP default route', () => {
    const text = `${httpEntry()}---\n${vs('hosts: [ok.example.com]\ntcp:\n- route: [{destination: {host: ok.example.com}}]')}`;
    assert.equal(routesOf(text, 'ok.example.com')[0].name, 'default');
  });

  it('§4.3 destination port: explicit, else the only port, else the listener port (with a warning when missing)', () => {
    const text = [
      se('hosts: [front.example.com]\nresolution: DNS\nports:\n- {number: 80, name: http, protocol: HTTP}\n- {number: 8080, name: http-alt, protocol: HTTP}', 'front'),
      se('hosts: [one.example.com]\nresolution: DNS\nports: [{number: 7000, name: http, protocol: HTTP}]', 'one'),
      se('hosts: [two.example.com]\nresolution: DNS\nports:\n- {number: 80, name: http, protocol: HTTP}\n- {number: 9000, name: http-b, protocol: HTTP}', 'two'),
      vs('hosts: [front.example.com]\nhttp:\n- match: [{uri: {prefix: /one}}]\n  route: [{destination: {host: one.example.com}}]\n- match: [{uri: {prefix: /pinned}}]\n  route: [{destination: {host: two.example.com, port: {number: 9000}}}]\n- route: [{destination: {host: two.example.com}}]'),
    ].join('---\n');
    const { mesh, diagnostics } = compileYaml(text);
    const dest = (port: number): string[] => mesh.virtualHosts.find((v) => v.host === 'front.example.com' && v.port === port)!.routes.map((r) => `${r.destinations[0].host}:${r.destinations[0].port}`);
    assert.deepEqual(dest(80), ['one.example.com:7000', 'two.example.com:9000', 'two.example.com:80']);
    assert.deepEqual(dest(8080), ['one.example.com:7000', 'two.example.com:9000', 'two.example.com:8080']);
    assert.deepEqual(diagnostics.map((d) => [d.code, d.location?.path]), [[Codes.ReferencedResourceNotFound, 'spec.http[2].route[0].destination']]);
    assert.match(diagnostics[0].message, /requests arriving on port 8080 go to its port 8080, which it does not have/);
  });

  it('routes do not share objects: changing one policy leaves the others alone', () => {
    const text = `${se('hosts: [ok.example.com]\nresolution: DNS\nports:\n- {number: 80, name: http, protocol: HTTP}\n- {number: 81, name: http-alt, protocol: HTTP}')}---\n${vs('hosts: [ok.example.com]\nhttp:\n- route: [{destination: {host: ok.example.com}}]\n  retries: {attempts: 3, retryOn: "503"}')}`;
    const { mesh } = compileYaml(text);
    const [a, b] = mesh.virtualHosts.map((v) => v.routes[0]);
    a.retry.policy!.retriableStatusCodes.push(404);
    a.match.headers.push({ name: 'x', match: { exact: 'y' } });
    assert.deepEqual(b.retry.policy!.retriableStatusCodes, [503]);
    assert.deepEqual(b.match.headers, []);
  });

  it('objects that failed validation are the caller\'s to leave out; compileMesh never re-reports per-object findings', () => {
    const text = `${httpEntry('resolution: DNS\nexportTo: ["."]')}`;
    const { diagnostics } = compileYaml(text);
    assert.deepEqual(diagnostics.map((d) => d.location?.path), ['spec.exportTo']);
  });
});
