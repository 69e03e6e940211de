/**
 * A gateway proxy's Envoy resources (src/xds/translate/gateway.ts): one listener per port with an
 * HTTP connection manager fetching `http.<port>` over ADS, the egress listener's fault and router
 * filters, virtual hosts per domain with listener isolation on shared ports, and route matches
 * with query parameters; everything round-trips through Envoy's own protos.
 */
import * as assert from 'node:assert/strict';
import { decodeJson, encodeJson, type JsonObject } from '../../src/lib/protos/protoJson';
import type { GatewayConfig, Route } from '../../src/ir/model';
import { gatewayResources } from '../../src/xds/translate/gateway';
import { routeMatch } from '../../src/xds/translate/routeMatch';
import { egressListener } from '../../src/xds/translate/listener';

function route(name: string, host = 'svc.default.svc.cluster.local'): Route {
  return {
    name,
    match: { uri: { prefix: '/' }, headers: [] },
    destinations: [{ host, port: 8080, weight: 1 }],
    timeoutMs: 0,
    retry: { policy: null, from: 'default', reason: 'Gateway API: no retry on this rule', level: 'default' },
    source: 'default',
  };
}

const GATEWAY: GatewayConfig = {
  namespace: 'web',
  name: 'gw',
  source: { kind: 'Gateway', apiVersion: 'gateway.networking.k8s.io/v1', namespace: 'web', name: 'gw' },
  listeners: [
    { name: 'shop', port: 80, protocol: 'HTTP', virtualHosts: [{ name: 'shop.example.com', domains: ['shop.example.com'], routes: [route('a')] }] },
    { name: 'any', port: 80, protocol: 'HTTP', virtualHosts: [
      { name: 'shop.example.com', domains: ['shop.example.com'], routes: [route('b')] },
      { name: '*', domains: ['*'], routes: [route('c')] },
    ] },
    { name: 'admin', port: 8080, protocol: 'HTTP', virtualHosts: [] },
  ],
};

function roundTrip(type: string, resource: JsonObject): void {
  assert.deepEqual(decodeJson(type, encodeJson(type, resource)), resource, `${type} ${String(resource.name)}`);
}

describe('translate: gateway listeners and routes', () => {
  const out = gatewayResources(GATEWAY, '127.0.0.2');

  it('one listener per distinct port, at address:port, named gateway.<ns>.<name>.<port>', () => {
    assert.deepEqual(out.listeners.map((l) => [l.name, l.address]), [
      ['gateway.web.gw.80', { socketAddress: { address: '127.0.0.2', portValue: 80 } }],
      ['gateway.web.gw.8080', { socketAddress: { address: '127.0.0.2', portValue: 8080 } }],
    ]);
  });

  it('an HTTP connection manager with RDS http.<port> over ADS and the egress listener\'s fault and router filters', () => {
    const hcm = ((out.listeners[0].filterChains as JsonObject[])[0].filters as JsonObject[])[0].typedConfig as JsonObject;
    assert.deepEqual(hcm.rds, { routeConfigName: 'http.80', configSource: { ads: {}, resourceApiVersion: 'V3' } });
    assert.equal(hcm.statPrefix, 'gateway_80');
    assert.equal(hcm.stripAnyHostPort, true, 'route hostnames match the Host header without its port');
    const egress = ((egressListener({ address: '127.0.0.1', port: 15001, routeConfigName: '15001' }).filterChains as JsonObject[])[0].filters as JsonObject[])[0].typedConfig as JsonObject;
    const names = (filters: unknown) => (filters as JsonObject[]).map((f) => f.name);
    assert.deepEqual(names(hcm.httpFilters), ['envoy.filters.http.fault', 'envoy.filters.http.router']);
    assert.deepEqual(names(hcm.httpFilters), names(egress.httpFilters).filter((n) => n !== 'envoy.filters.http.dynamic_forward_proxy'));
  });

  it('listeners on one port share its route configuration; a domain belongs to the first listener serving it', () => {
    assert.deepEqual(out.routes.map((r) => r.name), ['http.80', 'http.8080']);
    const vhosts = out.routes[0].virtualHosts as JsonObject[];
    assert.deepEqual(vhosts.map((v) => [v.name, v.domains, (v.routes as JsonObject[]).map((r) => r.name)]), [
      ['web/gw/shop/shop.example.com', ['shop.example.com'], ['a']],
      ['web/gw/any/*', ['*'], ['c']],
    ]);
    assert.deepEqual(out.routes[1], { name: 'http.8080', validateClusters: false }, 'a listener with no routes still gets its (empty) configuration: 404 for everything');
  });

  it('virtual hosts count attempts, and unresolved backends do not make Envoy reject the configuration', () => {
    for (const v of out.routes[0].virtualHosts as JsonObject[]) assert.equal(v.includeRequestAttemptCount, true);
    assert.equal(out.routes[0].validateClusters, false);
  });

  it('routes are the shared envoyRoute: cluster, timeout, provenance metadata', () => {
    const r = ((out.routes[0].virtualHosts as JsonObject[])[0].routes as JsonObject[])[0];
    assert.equal((r.route as JsonObject).cluster, 'outbound|8080||svc.default.svc.cluster.local');
    assert.deepEqual(((r.metadata as JsonObject).filterMetadata as JsonObject).ricochet, { source: 'default', retryPolicyFrom: 'default', retryPolicyReason: 'Gateway API: no retry on this rule' });
  });

  it('everything round-trips through Envoy\'s protos', () => {
    for (const l of out.listeners) roundTrip('envoy.config.listener.v3.Listener', l);
    for (const r of out.routes) roundTrip('envoy.config.route.v3.RouteConfiguration', r);
  });

  it('a Gateway with no HTTP listener gets no resources', () => {
    assert.deepEqual(gatewayResources({ ...GATEWAY, listeners: [] }, '127.0.0.1'), { listeners: [], routes: [] });
  });
});

describe('translate: route matches (query parameters, regex headers, method)', () => {
  it('query parameters become queryParameters; regex values safeRegex; the method :method', () => {
    const m = routeMatch({
      uri: { exact: '/api' },
      headers: [{ name: 'x-id', match: { regex: '[a-f]+' } }],
      method: { exact: 'POST' },
      queryParams: [{ name: 'debug', match: { exact: 'true' } }, { name: 'v', match: { regex: '[0-9]+' } }],
    });
    assert.deepEqual(m, {
      path: '/api',
      headers: [{ name: 'x-id', stringMatch: { safeRegex: { regex: '[a-f]+' } } }, { name: ':method', stringMatch: { exact: 'POST' } }],
      queryParameters: [{ name: 'debug', stringMatch: { exact: 'true' } }, { name: 'v', stringMatch: { safeRegex: { regex: '[0-9]+' } } }],
    });
    const rc = { name: 'x', virtualHosts: [{ name: 'v', domains: ['*'], routes: [{ match: m, route: { cluster: 'c' } }] }] };
    roundTrip('envoy.config.route.v3.RouteConfiguration', rc);
  });
  it('no query parameters: no queryParameters field (sidecar routes are unchanged)', () => {
    assert.deepEqual(routeMatch({ uri: { prefix: '/' }, headers: [] }), { prefix: '/' });
    assert.deepEqual(routeMatch({ headers: [], queryParams: [] }), { prefix: '/' });
  });
});
