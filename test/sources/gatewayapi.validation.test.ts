/**
 * Per-object validation of Gateway API objects with the upstream CRD rules (kubebuilder markers
 * and CEL rules in gateway-api apis/v1/{gateway,httproute,shared,object_reference}_types.go) and
 * the upstream webhook's checks (apis/v1/validation/httproute.go): code, field path, line, wording.
 */
import * as assert from 'node:assert/strict';
import { Codes } from '../../src/lib/errors';
import { expectClean, expectError, expectWarning, findAt, validateOne } from './validation';
import { doc, gateway, GW, httpRoute } from './gatewayapi.helpers';

const HTTP = '- {name: http, protocol: HTTP, port: 80}';

function rule(body: string): string {
  return httpRoute(`parentRefs: [{name: gw}]\nrules:\n- backendRefs: [{name: svc, port: 8080}]\n${body.trim().split('\n').map((l) => `  ${l}`).join('\n')}`);
}

describe('gatewayapi validation: GatewayClass (gatewayclass_types.go)', () => {
  it('controllerName is required', () => {
    const t = doc(GW, 'GatewayClass', 'cls', 'description: x');
    expectError(t, 'spec.controllerName', 'spec:', 'controllerName is required', Codes.MissingField);
  });
  it('controllerName is DOMAIN/PATH', () => {
    const t = doc(GW, 'GatewayClass', 'cls', 'controllerName: example.com');
    expectError(t, 'spec.controllerName', 'controllerName:', 'invalid controller name "example.com"');
  });
  it('a GatewayClass is cluster-scoped: a namespace written anyway is ignored, not an error', () => {
    expectClean(doc(GW, 'GatewayClass', 'cls', 'controllerName: flomesh.io/gateway-controller', 'server'));
  });
});

describe('gatewayapi validation: Gateway (gateway_types.go)', () => {
  it('gatewayClassName is required', () => {
    const t = doc(GW, 'Gateway', 'gw', `listeners:\n${HTTP}`);
    expectError(t, 'spec.gatewayClassName', 'spec:', 'gatewayClassName is required', Codes.MissingField);
  });
  it('at least one listener (MinItems=1)', () => {
    const t = doc(GW, 'Gateway', 'gw', 'gatewayClassName: cls\nlisteners: []');
    expectError(t, 'spec.listeners', 'listeners: []', 'should have at least 1 item');
  });
  it('a listener port is 1..65535', () => {
    const t = gateway('- {name: http, protocol: HTTP, port: 70000}');
    expectError(t, 'spec.listeners[0].port', 'port: 70000', '70000 is out of range; a port number is 1..65535');
  });
  it('a listener name is a SectionName', () => {
    const t = gateway('- {name: Http_1, protocol: HTTP, port: 80}');
    expectError(t, 'spec.listeners[0].name', 'Http_1', 'invalid section name "Http_1"');
  });
  it('a hostname may not be an IP address', () => {
    const t = gateway('- {name: http, protocol: HTTP, port: 80, hostname: 10.0.0.1}');
    expectError(t, 'spec.listeners[0].hostname', '10.0.0.1', 'IP addresses are not allowed');
  });
  it('a hostname is lower-case, with an optional leading *. label', () => {
    expectError(gateway('- {name: http, protocol: HTTP, port: 80, hostname: Foo.com}'), 'spec.listeners[0].hostname', 'Foo.com', 'invalid hostname "Foo.com"');
    expectClean(gateway('- {name: http, protocol: HTTP, port: 80, hostname: "*.example.com"}'));
  });
  it("tls must not be specified for protocols ['HTTP', 'TCP', 'UDP'] (CEL)", () => {
    const t = gateway('- name: http\n  protocol: HTTP\n  port: 80\n  tls: {mode: Terminate}');
    expectError(t, 'spec.listeners[0].tls', 'tls:', "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']");
  });
  it('listener names are unique (CEL)', () => {
    const t = gateway(`${HTTP}\n- {name: http, protocol: HTTP, port: 81}`);
    expectError(t, 'spec.listeners[1].name', 'port: 81', 'Listener name must be unique within the Gateway');
  });
  it('port, protocol and hostname combinations are unique (CEL)', () => {
    const t = gateway(`${HTTP}\n- {name: other, protocol: HTTP, port: 80}`);
    expectError(t, 'spec.listeners[1]', 'name: other', 'Combination of port, protocol and hostname must be unique for each listener');
  });
  it('a listener that is not HTTP is accepted and warned about: it is not programmed', () => {
    const t = gateway('- name: https\n  protocol: HTTPS\n  port: 443\n  tls: {mode: Terminate, certificateRefs: [{name: cert}]}');
    expectWarning(t, 'spec.listeners[0].protocol', 'protocol HTTPS is not served by Ricochet yet (only HTTP); listener https is not programmed');
  });
  it('allowedRoutes.namespaces.from is All, Selector or Same', () => {
    const t = gateway('- name: http\n  protocol: HTTP\n  port: 80\n  allowedRoutes: {namespaces: {from: Everywhere}}');
    expectError(t, 'spec.listeners[0].allowedRoutes.namespaces.from', 'Everywhere', 'Unsupported value: "Everywhere": supported values: "All", "Selector", "Same"');
  });
  it('from: Selector needs a selector', () => {
    const t = gateway('- name: http\n  protocol: HTTP\n  port: 80\n  allowedRoutes: {namespaces: {from: Selector}}');
    expectError(t, 'spec.listeners[0].allowedRoutes.namespaces.selector', 'Selector', 'selector must be specified when from is Selector');
  });
  it('a selector on a namespace label other than kubernetes.io/metadata.name is warned about', () => {
    const t = gateway('- name: http\n  protocol: HTTP\n  port: 80\n  allowedRoutes:\n    namespaces:\n      from: Selector\n      selector: {matchLabels: {team: a}}');
    expectWarning(t, 'spec.listeners[0].allowedRoutes.namespaces.selector', 'namespace label "team" is unknown to Ricochet');
  });
  it('allowedRoutes field names are checked: selector (also where from does not use it), matchExpressions[], kinds[]', () => {
    const listener = (allowed: string): string => gateway(`- name: http\n  protocol: HTTP\n  port: 80\n  allowedRoutes:\n${allowed}`);
    const AR = 'spec.listeners[0].allowedRoutes';
    expectWarning(listener('    namespaces:\n      selector: {matchLabel: {kubernetes.io/metadata.name: a}}'), `${AR}.namespaces.selector.matchLabel`, 'unknown field "matchLabel" is ignored; accepted here: matchLabels, matchExpressions');
    const expr = '    namespaces:\n      from: Selector\n      selector:\n        matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [a], value: b}]';
    expectWarning(listener(expr), `${AR}.namespaces.selector.matchExpressions[0].value`, 'accepted here: key, operator, values');
    expectWarning(listener('    kinds: [{kind: HTTPRoute, grup: gateway.networking.k8s.io}]'), `${AR}.kinds[0].grup`, 'accepted here: group, kind');
  });
  it('Gateway fields Ricochet does not honour are named', () => {
    const t = doc(GW, 'Gateway', 'gw', `gatewayClassName: cls\naddresses: [{value: 10.0.0.1}]\nlisteners:\n${HTTP}`);
    expectWarning(t, 'spec.addresses', 'addresses is not supported by Ricochet yet');
  });
});

describe('gatewayapi validation: HTTPRoute matches (httproute_types.go, validation/httproute.go)', () => {
  it("an Exact or PathPrefix value must start with '/'", () => {
    const t = rule('matches: [{path: {type: PathPrefix, value: api}}]');
    expectError(t, 'spec.rules[0].matches[0].path.value', 'value: api', "value must be an absolute path and start with '/'");
  });
  it("a path must not contain '//'", () => {
    const t = rule('matches: [{path: {type: Exact, value: //x}}]');
    expectError(t, 'spec.rules[0].matches[0].path.value', '//x', "must not contain '//'");
  });
  it("a path must not end with '/..'", () => {
    const t = rule('matches: [{path: {value: /a/..}}]');
    expectError(t, 'spec.rules[0].matches[0].path.value', '/a/..', "must not end with '/..'");
  });
  it('a path type is Exact, PathPrefix or RegularExpression', () => {
    const t = rule('matches: [{path: {type: Prefix, value: /}}]');
    expectError(t, 'spec.rules[0].matches[0].path.type', 'Prefix', 'supported values: "Exact", "PathPrefix", "RegularExpression"');
  });
  it('a RegularExpression that does not compile is refused (Envoy would NACK it)', () => {
    const t = rule('matches: [{path: {type: RegularExpression, value: "/a(b"}}]');
    expectError(t, 'spec.rules[0].matches[0].path.value', '/a(b', 'invalid regular expression "/a(b"');
  });
  it('a header name is a token: ":method" is refused', () => {
    const t = rule('matches: [{headers: [{name: ":method", value: GET}]}]');
    expectError(t, 'spec.rules[0].matches[0].headers[0].name', ':method', 'invalid header name ":method"');
  });
  it('the same header (case-insensitive) cannot be matched twice in a match', () => {
    const t = rule('matches:\n- headers:\n  - {name: X-Env, value: a}\n  - {name: x-env, value: b}');
    expectError(t, 'spec.rules[0].matches[0].headers[1]', 'x-env', 'cannot match the same header multiple times in the same rule');
  });
  it('a query parameter value is at most 1024 characters', () => {
    const t = rule(`matches: [{queryParams: [{name: q, value: ${'a'.repeat(1025)}}]}]`);
    expectError(t, 'spec.rules[0].matches[0].queryParams[0].value', 'queryParams', 'value must be 1..1024 characters, got 1025');
  });
  it('a method is one of the HTTP methods of the enum', () => {
    const t = rule('matches: [{method: get}]');
    expectError(t, 'spec.rules[0].matches[0].method', 'method: get', 'Unsupported value: "get"');
  });
  it('regular expression header and query matches are accepted', () => {
    expectClean(rule('matches: [{headers: [{type: RegularExpression, name: x, value: "v[0-9]+"}], queryParams: [{type: RegularExpression, name: q, value: "^a"}]}]'));
  });
});

describe('gatewayapi validation: HTTPRoute rules, backends, timeouts, retry', () => {
  it('a Service backendRef needs a port (CEL: Must have port for Service reference)', () => {
    const t = httpRoute('parentRefs: [{name: gw}]\nrules:\n- backendRefs: [{name: svc}]');
    expectError(t, 'spec.rules[0].backendRefs[0].port', 'name: svc', 'Must have port for Service reference', Codes.MissingField);
  });
  it('a weight is 0..1000000', () => {
    const t = httpRoute('parentRefs: [{name: gw}]\nrules:\n- backendRefs: [{name: svc, port: 80, weight: 1000001}]');
    expectError(t, 'spec.rules[0].backendRefs[0].weight', 'weight', '1000001 is out of range; accepted: 0..1000000');
  });
  it('a duration follows GEP-2257: "1.5s" is refused', () => {
    const t = rule('timeouts: {request: 1.5s}');
    expectError(t, 'spec.rules[0].timeouts.request', '1.5s', 'invalid duration "1.5s"');
  });
  it('backendRequest cannot be longer than request (CEL)', () => {
    const t = rule('timeouts: {request: 1s, backendRequest: 2s}');
    expectError(t, 'spec.rules[0].timeouts', 'timeouts:', 'backendRequest timeout cannot be longer than request timeout');
  });
  it('a request timeout of 0s lets any backendRequest through (0 disables it)', () => {
    const ds = validateOne(rule('timeouts: {request: 0s, backendRequest: 2s}\nretry: {attempts: 1}'));
    assert.deepEqual(ds, []);
  });
  it('retry codes are 400..599', () => {
    const t = rule('retry: {codes: [399]}');
    expectError(t, 'spec.rules[0].retry.codes[0]', 'codes: [399]', '399 is out of range; accepted: 400..599');
  });
  it('retry codes are a set', () => {
    const t = rule('retry:\n  codes:\n  - 503\n  - 503');
    const d = findAt(validateOne(t), 'spec.rules[0].retry.codes[1]');
    assert.equal(d.severity, 'Error');
    assert.match(d.message, /Duplicate value: 503/);
  });
  it('retry attempts cannot be negative', () => {
    const t = rule('retry: {attempts: -1}');
    expectError(t, 'spec.rules[0].retry.attempts', 'attempts', '-1 is out of range');
  });
  it('retry backoff is a Gateway API duration: "100us" is refused', () => {
    const t = rule('retry: {backoff: 100us}');
    expectError(t, 'spec.rules[0].retry.backoff', '100us', 'invalid duration "100us"');
  });
  it('backoff 0s cannot be expressed in Envoy and is warned about', () => {
    expectWarning(rule('retry: {backoff: 0s}'), 'spec.rules[0].retry.backoff', 'backoff 0s cannot be expressed');
  });
  it('backendRequest without retry on the rule is warned about', () => {
    expectWarning(rule('timeouts: {backendRequest: 2s}'), 'spec.rules[0].timeouts.backendRequest', 'backendRequest takes effect only together with retry');
  });
  it('at most 16 rules (MaxItems=16)', () => {
    const rules = Array.from({ length: 17 }, () => '- backendRefs: [{name: svc, port: 80}]').join('\n');
    const t = httpRoute(`parentRefs: [{name: gw}]\nrules:\n${rules}`);
    expectError(t, 'spec.rules', 'rules:', 'must have at most 16 items, got 17');
  });
  it('rule names are unique (CEL)', () => {
    const t = httpRoute('parentRefs: [{name: gw}]\nrules:\n- {name: a, backendRefs: [{name: svc, port: 80}]}\n- {name: a, backendRefs: [{name: svc, port: 81}]}');
    expectError(t, 'spec.rules[1].name', 'port: 81', 'Rule name must be unique within the route');
  });
  it('two parentRefs to one Gateway need distinct sectionNames or ports (CEL)', () => {
    const t = httpRoute('parentRefs:\n- {name: gw}\n- {name: gw, group: gateway.networking.k8s.io}\nrules:\n- backendRefs: [{name: svc, port: 80}]');
    expectError(t, 'spec.parentRefs[1]', 'group: gateway', 'sectionName or port must be specified when parentRefs includes 2 or more references to the same parent');
  });
  it('filters are accepted and warned about: Ricochet does not apply them yet', () => {
    const t = rule('filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: x, value: y}]}}]');
    expectWarning(t, 'spec.rules[0].filters[0]', 'filter RequestHeaderModifier is not supported by Ricochet yet');
  });
  it('a rule without backendRefs is warned about (404 instead of 500)', () => {
    const t = httpRoute('parentRefs: [{name: gw}]\nrules:\n- matches: [{path: {value: /x}}]');
    expectWarning(t, 'spec.rules[0]', 'rule has no backendRefs');
  });
  it('hostnames: at most 16, each a Hostname', () => {
    const t = httpRoute('parentRefs: [{name: gw}]\nhostnames: ["*"]\nrules:\n- backendRefs: [{name: svc, port: 80}]');
    expectError(t, 'spec.hostnames[0]', 'hostnames:', 'invalid hostname "*"');
  });
});

describe('gatewayapi validation: ReferenceGrant (referencegrant_types.go)', () => {
  it('from needs at least one entry', () => {
    const t = doc('gateway.networking.k8s.io/v1beta1', 'ReferenceGrant', 'g', 'from: []\nto: [{group: "", kind: Service}]');
    expectError(t, 'spec.from', 'from: []', 'should have at least 1 item');
  });
  it('to.group is required ("" is the core group)', () => {
    const t = doc('gateway.networking.k8s.io/v1beta1', 'ReferenceGrant', 'g', 'from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: a}]\nto: [{kind: Service}]');
    expectError(t, 'spec.to[0].group', 'kind: Service', 'group is required', Codes.MissingField);
  });
  it('a ReferenceGrant naming the core group is valid', () => {
    expectClean(doc('gateway.networking.k8s.io/v1beta1', 'ReferenceGrant', 'g', 'from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: a}]\nto: [{group: "", kind: Service, name: svc}]'));
  });
});
