/**
 * Compiling Gateway API objects for a gateway proxy: attachment with the Gateway API's reasons
 * (RouteConditionReason, shared_types.go), hostname intersection and route precedence
 * (httproute_types.go HTTPRouteSpec.hostnames, HTTPRouteRule.matches), backendRefs and
 * ReferenceGrants, the `retry` mapping (GEP-1731; docs/sources/gatewayapi.md), and status
 * conditions with their diagnostics (spec/ux-and-libraries.md §1.6, Gateway API vocabulary).
 */
import * as assert from 'node:assert/strict';
import { DEFAULT_PROXY, type GatewayConfig, type Route } from '../../src/ir/model';
import { proxySelectors } from '../../src/sources';
import { compileYaml, gatewayProxy, type Compiled } from './pipeline';
import { conditionOf, doc, gateway, gatewayClass, httpRoute, join, service } from './gatewayapi.helpers';
import { lineOf } from './yaml';

const HTTP = '- {name: http, protocol: HTTP, port: 80}';
const GW_PROXY = gatewayProxy('default', 'gw');

function gatewayOf(c: Compiled): GatewayConfig {
  assert.ok(c.mesh.gateway, `no gateway compiled; diagnostics: ${c.diagnostics.map((d) => d.message).join('\n')}`);
  return c.mesh.gateway;
}

function routesOf(c: Compiled, domain = '*', listener = 'http'): Route[] {
  const l = gatewayOf(c).listeners.find((x) => x.name === listener);
  assert.ok(l, `listener ${listener}`);
  const vh = l.virtualHosts.find((v) => v.domains.includes(domain));
  assert.ok(vh, `virtual host ${domain} in ${JSON.stringify(l.virtualHosts.map((v) => v.domains))}`);
  return vh.routes;
}

function basic(routeSpec: string, extra = ''): string {
  return join(gatewayClass(), gateway(HTTP), httpRoute(routeSpec), service('svc'), ...(extra ? [extra] : []));
}

const TO_SVC = 'backendRefs: [{name: svc, port: 8080}]';

describe('gatewayapi compile: which proxy gets what', () => {
  it('one gateway selector per Gateway, so each Gateway\'s proxy has its own view', () => {
    const c = compileYaml(join(gatewayClass(), gateway(HTTP), gateway(HTTP, 'other', 'ns2')));
    assert.deepEqual(proxySelectors(c.accepted), [
      { kind: 'gateway', namespace: 'default', name: 'gw' },
      { kind: 'gateway', namespace: 'ns2', name: 'other' },
    ]);
  });
  it('a sidecar gets no gateway; the Gateway\'s proxy gets its HTTP listeners', () => {
    const text = basic(`parentRefs: [{name: gw}]\nrules:\n- ${TO_SVC}`);
    assert.equal(compileYaml(text, DEFAULT_PROXY).mesh.gateway, undefined);
    const gw = gatewayOf(compileYaml(text, GW_PROXY));
    assert.deepEqual(gw.listeners.map((l) => [l.name, l.port, l.protocol]), [['http', 80, 'HTTP']]);
    assert.equal(gw.source.kind, 'Gateway');
  });
  it('the proxy of another (or no existing) Gateway gets nothing', () => {
    const c = compileYaml(basic(`parentRefs: [{name: gw}]\nrules:\n- ${TO_SVC}`), gatewayProxy('default', 'missing'));
    assert.equal(c.mesh.gateway, undefined);
  });
  it('a Gateway whose class does not exist is not served: Accepted Unknown (Pending)', () => {
    const c = compileYaml(join(gateway(HTTP), httpRoute(`parentRefs: [{name: gw}]\nrules:\n- ${TO_SVC}`), service('svc')), GW_PROXY);
    assert.equal(c.mesh.gateway, undefined);
    const cond = conditionOf(c, 'Gateway', 'gw', 'Accepted');
    assert.deepEqual([cond.status, cond.reason], ['Unknown', 'Pending']);
    assert.equal(conditionOf(c, 'HTTPRoute', 'route', 'Accepted').reason, 'NoMatchingParent');
  });
  it('any controllerName is served: GatewayClass Accepted True', () => {
    const c = compileYaml(basic(`parentRefs: [{name: gw}]\nrules:\n- ${TO_SVC}`));
    assert.equal(conditionOf(c, 'GatewayClass', 'cls', 'Accepted').status, 'True');
  });
  it('a non-HTTP listener is left out and named in the Gateway\'s conditions', () => {
    const listeners = `${HTTP}\n- name: tcp\n  protocol: TCP\n  port: 9000`;
    const c = compileYaml(join(gatewayClass(), gateway(listeners)), GW_PROXY);
    assert.deepEqual(gatewayOf(c).listeners.map((l) => l.name), ['http']);
    const accepted = conditionOf(c, 'Gateway', 'gw', 'Accepted');
    assert.deepEqual([accepted.status, accepted.reason], ['True', 'ListenersNotValid']);
    assert.match(accepted.message, /tcp \(protocol TCP is not supported; only HTTP\)/);
    assert.equal(conditionOf(c, 'Gateway', 'gw', 'Programmed').status, 'True');
  });
  it('a Gateway with no HTTP listener is not Programmed (Invalid), and says so in a warning', () => {
    const c = compileYaml(join(gatewayClass(), gateway('- {name: udp, protocol: UDP, port: 53}')), GW_PROXY);
    const p = conditionOf(c, 'Gateway', 'gw', 'Programmed');
    assert.deepEqual([p.status, p.reason], ['False', 'Invalid']);
    assert.ok(c.diagnostics.some((d) => d.severity === 'Warning' && d.message.startsWith('Programmed False (Invalid)') && d.location?.path === 'spec.listeners'));
  });
});

describe('gatewayapi compile: attachment (Accepted per parentRef)', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['a Gateway that does not exist', 'parentRefs: [{name: nope}]', 'NoMatchingParent', /Gateway default\/nope not found/],
    ['a sectionName no listener has', 'parentRefs: [{name: gw, sectionName: https}]', 'NoMatchingParent', /no listener named "https"/],
    ['a port no listener has', 'parentRefs: [{name: gw, port: 8000}]', 'NoMatchingParent', /no listener on port 8000/],
    ['a Service parent (mesh profile)', 'parentRefs: [{group: "", kind: Service, name: svc}]', 'NoMatchingParent', /a Service parent .* is not supported yet/],
  ];
  for (const [what, refs, reason, message] of cases) {
    it(`${what}: ${reason}`, () => {
      const c = compileYaml(basic(`${refs}\nrules:\n- ${TO_SVC}`), GW_PROXY);
      const cond = conditionOf(c, 'HTTPRoute', 'route', 'Accepted');
      assert.deepEqual([cond.status, cond.reason], ['False', reason]);
      assert.match(cond.message, message);
      assert.deepEqual(gatewayOf(c).listeners[0].virtualHosts, []);
    });
  }
  it('allowedRoutes from Same refuses a route of another namespace: NotAllowedByListeners', () => {
    const c = compileYaml(join(gatewayClass(), gateway(HTTP), httpRoute(`parentRefs: [{name: gw, namespace: default}]\nrules:\n- ${TO_SVC}`, 'route', 'team-a'), service('svc', 8080, 'team-a')), GW_PROXY);
    const cond = conditionOf(c, 'HTTPRoute', 'route', 'Accepted');
    assert.deepEqual([cond.status, cond.reason], ['False', 'NotAllowedByListeners']);
    assert.match(cond.message, /from is Same \(default\) and the route is in team-a/);
  });
  it('from All accepts it; from Selector accepts the namespaces kubernetes.io/metadata.name selects', () => {
    const listener = (from: string) => `- name: http\n  protocol: HTTP\n  port: 80\n  allowedRoutes:\n    namespaces:\n${from}`;
    const route = (ns: string) => httpRoute(`parentRefs: [{name: gw, namespace: default}]\nrules:\n- ${TO_SVC}`, `r-${ns}`, ns);
    const objects = (from: string) => join(gatewayClass(), gateway(listener(from)), route('team-a'), route('team-b'), service('svc', 8080, 'team-a'), service('svc', 8080, 'team-b'));
    const all = compileYaml(objects('      from: All'), GW_PROXY);
    assert.equal(conditionOf(all, 'HTTPRoute', 'r-team-b', 'Accepted').status, 'True');
    const sel = compileYaml(objects('      from: Selector\n      selector:\n        matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [team-a]}]'), GW_PROXY);
    assert.equal(conditionOf(sel, 'HTTPRoute', 'r-team-a', 'Accepted').status, 'True');
    assert.equal(conditionOf(sel, 'HTTPRoute', 'r-team-b', 'Accepted').reason, 'NotAllowedByListeners');
    assert.deepEqual(routesOf(sel).map((r) => r.destinations[0].host), ['svc.team-a.svc.cluster.local']);
  });
  it('allowedRoutes.kinds without HTTPRoute refuses HTTPRoutes', () => {
    const listener = '- name: http\n  protocol: HTTP\n  port: 80\n  allowedRoutes: {kinds: [{kind: GRPCRoute}]}';
    const c = compileYaml(join(gatewayClass(), gateway(listener), httpRoute(`parentRefs: [{name: gw}]\nrules:\n- ${TO_SVC}`), service('svc')), GW_PROXY);
    assert.match(conditionOf(c, 'HTTPRoute', 'route', 'Accepted').message, /does not include HTTPRoute/);
  });
  it('a route on a listener that is not HTTP: NotAllowedByListeners', () => {
    const listeners = '- name: https\n  protocol: HTTPS\n  port: 443\n  tls: {certificateRefs: [{name: c}]}';
    const c = compileYaml(join(gatewayClass(), gateway(listeners), httpRoute(`parentRefs: [{name: gw, sectionName: https}]\nrules:\n- ${TO_SVC}`), service('svc')), GW_PROXY);
    const cond = conditionOf(c, 'HTTPRoute', 'route', 'Accepted');
    assert.equal(cond.reason, 'NotAllowedByListeners');
    assert.match(cond.message, /https \(HTTPS\) is not served by Ricochet/);
  });
  it('every False condition is also a Warning at the field it is about, with its line', () => {
    const text = basic(`parentRefs: [{name: gw, sectionName: nope}]\nrules:\n- ${TO_SVC}`);
    const c = compileYaml(text, GW_PROXY);
    const d = c.diagnostics.find((x) => x.message.startsWith('Accepted False (NoMatchingParent)'));
    assert.ok(d, JSON.stringify(c.diagnostics));
    assert.equal(d.severity, 'Warning');
    assert.equal(d.location?.path, 'spec.parentRefs[0].sectionName');
    assert.equal(d.location?.line, lineOf(text, 'sectionName: nope'));
    assert.deepEqual(d.object, { kind: 'HTTPRoute', namespace: 'default', name: 'route' });
  });
  it('conditions do not depend on the proxy compiled for', () => {
    const text = basic(`parentRefs: [{name: gw, sectionName: nope}, {name: gw, sectionName: http}]\nrules:\n- ${TO_SVC}`);
    assert.deepEqual(compileYaml(text, DEFAULT_PROXY).conditions, compileYaml(text, GW_PROXY).conditions);
  });
});

describe('gatewayapi compile: hostnames (listener ∩ route)', () => {
  function domains(listenerHost: string | undefined, routeHosts: string[]): string[][] {
    const listener = `- {name: http, protocol: HTTP, port: 80${listenerHost ? `, hostname: "${listenerHost}"` : ''}}`;
    const hosts = routeHosts.length > 0 ? `hostnames: [${routeHosts.map((h) => `"${h}"`).join(', ')}]\n` : '';
    const c = compileYaml(join(gatewayClass(), gateway(listener), httpRoute(`parentRefs: [{name: gw}]\n${hosts}rules:\n- ${TO_SVC}`), service('svc')), GW_PROXY);
    return gatewayOf(c).listeners[0].virtualHosts.map((v) => v.domains);
  }
  it('neither sets one: *', () => assert.deepEqual(domains(undefined, []), [['*']]));
  it('only the listener: its hostname', () => assert.deepEqual(domains('foo.example.com', []), [['foo.example.com']]));
  it('only the route: the route\'s hostnames, most specific first', () => assert.deepEqual(domains(undefined, ['*.example.com', 'a.example.com']), [['a.example.com'], ['*.example.com']]));
  it('a wildcard listener keeps the route hostnames under it and drops the others', () => {
    assert.deepEqual(domains('*.example.com', ['a.example.com', 'a.b.example.com', 'example.com', 'a.other.com']), [['a.b.example.com'], ['a.example.com']]);
  });
  it('a wildcard route on an exact listener: the listener\'s hostname', () => assert.deepEqual(domains('foo.example.com', ['*.example.com']), [['foo.example.com']]));
  it('no intersection: NoMatchingListenerHostname at spec.hostnames', () => {
    const c = compileYaml(join(gatewayClass(), gateway('- {name: http, protocol: HTTP, port: 80, hostname: a.com}'), httpRoute(`parentRefs: [{name: gw}]\nhostnames: [b.com]\nrules:\n- ${TO_SVC}`), service('svc')), GW_PROXY);
    assert.equal(conditionOf(c, 'HTTPRoute', 'route', 'Accepted').reason, 'NoMatchingListenerHostname');
    assert.ok(c.diagnostics.some((d) => d.location?.path === 'spec.hostnames' && d.message.includes('NoMatchingListenerHostname')));
  });
});

describe('gatewayapi compile: matches and precedence (HTTPRouteRule.matches)', () => {
  it('PathPrefix /api matches path elements: exact /api, then prefix /api/ (a trailing / is ignored)', () => {
    for (const value of ['/api', '/api/']) {
      const c = compileYaml(basic(`parentRefs: [{name: gw}]\nrules:\n- matches: [{path: {type: PathPrefix, value: "${value}"}}]\n  ${TO_SVC}`), GW_PROXY);
      assert.deepEqual(routesOf(c).map((r) => r.match.uri), [{ exact: '/api' }, { prefix: '/api/' }], value);
    }
  });
  it('no matches means PathPrefix / (the CRD default)', () => {
    const c = compileYaml(basic(`parentRefs: [{name: gw}]\nrules:\n- ${TO_SVC}`), GW_PROXY);
    assert.deepEqual(routesOf(c).map((r) => r.match), [{ uri: { prefix: '/' }, headers: [] }]);
  });
  it('headers (names lower-cased), regular expressions, query parameters and method reach the IR', () => {
    const m = 'matches:\n  - path: {type: RegularExpression, value: "/v[0-9]+/.*"}\n    headers: [{name: X-Env, value: prod}, {type: RegularExpression, name: X-Id, value: "[a-f]+"}]\n    queryParams: [{name: debug, value: "1"}]\n    method: POST';
    const c = compileYaml(basic(`parentRefs: [{name: gw}]\nrules:\n- ${m}\n  ${TO_SVC}`), GW_PROXY);
    assert.deepEqual(routesOf(c)[0].match, {
      uri: { regex: '/v[0-9]+/.*' },
      headers: [{ name: 'x-env', match: { exact: 'prod' } }, { name: 'x-id', match: { regex: '[a-f]+' } }],
      method: { exact: 'POST' },
      queryParams: [{ name: 'debug', match: { exact: '1' } }],
    });
  });
  it('precedence: Exact > RegularExpression > longest PathPrefix > method > most headers > most query params', () => {
    const rules = [
      '- matches: [{path: {value: /}}]',
      '- matches: [{path: {value: /}, queryParams: [{name: q, value: "1"}]}]',
      '- matches: [{path: {value: /}, headers: [{name: h, value: "1"}]}]',
      '- matches: [{path: {value: /}, method: GET}]',
      '- matches: [{path: {value: /a}}]',
      '- matches: [{path: {value: /a/b}}]',
      '- matches: [{path: {type: RegularExpression, value: "/r.*"}}]',
      '- matches: [{path: {type: Exact, value: /x}}]',
    ].map((r) => `${r}\n  ${TO_SVC}`).join('\n');
    const c = compileYaml(basic(`parentRefs: [{name: gw}]\nrules:\n${rules}`), GW_PROXY);
    assert.deepEqual(routesOf(c).map((r) => r.name), [7, 6, 5, 5, 4, 4, 3, 2, 1, 0].map((i) => `httproute/default/route/rule/${i}/match/0`));
  });
  it('ties across routes: the oldest creationTimestamp first, then namespace/name; within a route, rule order', () => {
    const mk = (name: string, created?: string) => httpRoute(`parentRefs: [{name: gw}]\nrules:\n- ${TO_SVC}\n- ${TO_SVC}`, name, 'default', created);
    const c = compileYaml(join(gatewayClass(), gateway(HTTP), mk('b-new', '2024-01-02T00:00:00Z'), mk('c-old', '2024-01-01T00:00:00Z'), mk('a-none'), service('svc')), GW_PROXY);
    assert.deepEqual(routesOf(c).map((r) => r.name), [
      'httproute/default/c-old/rule/0/match/0', 'httproute/default/c-old/rule/1/match/0',
      'httproute/default/b-new/rule/0/match/0', 'httproute/default/b-new/rule/1/match/0',
      'httproute/default/a-none/rule/0/match/0', 'httproute/default/a-none/rule/1/match/0',
    ]);
  });
  it('timeouts.request is the route timeout; unset is 0 (none)', () => {
    const c = compileYaml(basic(`parentRefs: [{name: gw}]\nrules:\n- ${TO_SVC}\n  timeouts: {request: 1m30s}\n- matches: [{path: {value: /b}}]\n  ${TO_SVC}`), GW_PROXY);
    assert.deepEqual(routesOf(c).map((r) => r.timeoutMs), [0, 0, 90_000]);
  });
  it('route provenance points at the match', () => {
    const text = basic(`parentRefs: [{name: gw}]\nrules:\n- matches:\n  - path: {value: /here}\n  ${TO_SVC}`);
    const src = routesOf(compileYaml(text, GW_PROXY))[0].source;
    assert.ok(src !== 'default');
    assert.deepEqual([src.kind, src.namespace, src.name, src.line], ['HTTPRoute', 'default', 'route', lineOf(text, 'path: {value: /here}')]);
  });
});

describe('gatewayapi compile: backendRefs (ResolvedRefs)', () => {
  it('weights default to 1; weight 0 is left out', () => {
    const refs = 'backendRefs:\n  - {name: svc, port: 8080}\n  - {name: svc2, port: 8080, weight: 3}\n  - {name: svc3, port: 8080, weight: 0}';
    const c = compileYaml(join(basic(`parentRefs: [{name: gw}]\nrules:\n- ${refs}`), service('svc2'), service('svc3')), GW_PROXY);
    assert.deepEqual(routesOf(c)[0].destinations, [
      { host: 'svc.default.svc.cluster.local', port: 8080, weight: 1 },
      { host: 'svc2.default.svc.cluster.local', port: 8080, weight: 3 },
    ]);
    assert.equal(conditionOf(c, 'HTTPRoute', 'route', 'ResolvedRefs').status, 'True');
  });
  it('a missing Service: BackendNotFound; its share goes to a name without a cluster', () => {
    const c = compileYaml(basic(`parentRefs: [{name: gw}]\nrules:\n- backendRefs: [{name: nope, port: 80}]`), GW_PROXY);
    const cond = conditionOf(c, 'HTTPRoute', 'route', 'ResolvedRefs');
    assert.deepEqual([cond.status, cond.reason], ['False', 'BackendNotFound']);
    assert.match(cond.message, /Service default\/nope not found/);
    assert.deepEqual(routesOf(c)[0].destinations, [{ host: 'nope.default.svc.cluster.local', port: 80, weight: 1 }]);
    assert.ok(c.diagnostics.some((d) => d.location?.path === 'spec.rules[0].backendRefs[0].name' && d.message.startsWith('ResolvedRefs False (BackendNotFound)')));
  });
  it('a port the Service does not have: BackendNotFound', () => {
    const c = compileYaml(basic(`parentRefs: [{name: gw}]\nrules:\n- backendRefs: [{name: svc, port: 9090}]`), GW_PROXY);
    assert.match(conditionOf(c, 'HTTPRoute', 'route', 'ResolvedRefs').message, /has no port 9090; its ports: 8080/);
  });
  it('a kind other than core Service: InvalidKind', () => {
    const c = compileYaml(basic(`parentRefs: [{name: gw}]\nrules:\n- backendRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: svc, port: 8080}]`), GW_PROXY);
    assert.equal(conditionOf(c, 'HTTPRoute', 'route', 'ResolvedRefs').reason, 'InvalidKind');
  });
  it('another namespace needs a ReferenceGrant there: RefNotPermitted without, resolved with', () => {
    const route = `parentRefs: [{name: gw}]\nrules:\n- backendRefs: [{name: svc, namespace: other, port: 8080}]`;
    const base = join(gatewayClass(), gateway(HTTP), httpRoute(route), service('svc', 8080, 'other'));
    const without = compileYaml(base, GW_PROXY);
    assert.equal(conditionOf(without, 'HTTPRoute', 'route', 'ResolvedRefs').reason, 'RefNotPermitted');
    const grant = (toName: string) => doc('gateway.networking.k8s.io/v1beta1', 'ReferenceGrant', 'g', `from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]\nto: [{group: "", kind: Service${toName}}]`, 'other');
    const withGrant = compileYaml(join(base, grant('')), GW_PROXY);
    assert.equal(conditionOf(withGrant, 'HTTPRoute', 'route', 'ResolvedRefs').status, 'True');
    assert.deepEqual(routesOf(withGrant)[0].destinations, [{ host: 'svc.other.svc.cluster.local', port: 8080, weight: 1 }]);
    const otherName = compileYaml(join(base, grant(', name: not-svc')), GW_PROXY);
    assert.equal(conditionOf(otherName, 'HTTPRoute', 'route', 'ResolvedRefs').reason, 'RefNotPermitted');
  });
});

describe('gatewayapi compile: rules[].retry (GEP-1731)', () => {
  function retryOf(ruleExtra: string): Route['retry'] {
    const c = compileYaml(basic(`parentRefs: [{name: gw}]\nrules:\n- ${TO_SVC}\n  ${ruleExtra}`), GW_PROXY);
    return routesOf(c)[0].retry;
  }
  it('no retry: no policy, a default-level decision (a destination policy may still apply)', () => {
    assert.deepEqual(retryOf(''), { policy: null, from: 'default', reason: 'Gateway API: no retry on this rule', level: 'default' });
  });
  it('codes → retriable-status-codes; connection failures always; attempts → numRetries; backoff → base; backendRequest → perTryTimeout', () => {
    const r = retryOf('timeouts: {request: 10s, backendRequest: 2s}\n  retry: {codes: [500, 503], attempts: 4, backoff: 100ms}');
    assert.equal(r.level, 'route');
    assert.deepEqual(r.policy, {
      retryOn: 'connect-failure,refused-stream,retriable-status-codes',
      numRetries: 4,
      retriableStatusCodes: [500, 503],
      previousHostsPredicate: false,
      perTryTimeoutMs: 2000,
      backoff: { baseIntervalMs: 100 },
    });
    assert.ok(r.from !== 'default' && r.from.kind === 'HTTPRoute');
    assert.equal(r.reason, 'HTTPRoute default/route spec.rules[0].retry');
  });
  it('attempts unset: 2 retries (Envoy Gateway\'s default); no codes: connection failures only', () => {
    const r = retryOf('retry: {}');
    assert.equal(r.policy?.numRetries, 2);
    assert.equal(r.policy?.retryOn, 'connect-failure,refused-stream');
    assert.deepEqual(r.policy?.retriableStatusCodes, []);
  });
  it('attempts 0 disables retries, at route level, so it also overrides destination policies', () => {
    const r = retryOf('retry: {attempts: 0, codes: [503]}');
    assert.equal(r.policy, null);
    assert.equal(r.level, 'route');
    assert.match(r.reason, /retries disabled by HTTPRoute default\/route spec.rules\[0\].retry \(attempts: 0\)/);
  });
});
