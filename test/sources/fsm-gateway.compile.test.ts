/**
 * FSM gateway `RetryPolicy` compiled for gateway proxies (spec/sources-kuma-fsm.md §2.3 and §5
 * item 15): effective config per port (ComputeRetryConfig), the suggested Envoy mapping, "applies
 * to every route that forwards to that Service:port", conflicts and TargetNotFound, and the
 * cross-system rule that puts an HTTPRoute's own `retry` above it (src/ir/precedence.ts).
 */
import * as assert from 'node:assert/strict';
import { Codes } from '../../src/lib/errors';
import { DEFAULT_PROXY, type Route } from '../../src/ir/model';
import { compileYaml, gatewayProxy, type Compiled } from './pipeline';
import { conditionOf, doc, gateway, gatewayClass, httpRoute, join, service } from './gatewayapi.helpers';

const PROXY = gatewayProxy('server', 'gw');
const RP = 'gateway.flomesh.io/v1alpha1';

function retryPolicy(spec: string, name = 'rp', created?: string, namespace = 'server'): string {
  return doc(RP, 'RetryPolicy', name, spec, namespace, created ? `creationTimestamp: "${created}"` : '');
}

/** A Gateway in `server` routing /a and /b to fortio:8080, /c to other:8080, /d to fortio:9090. */
function world(...extra: string[]): string {
  const route = httpRoute(`parentRefs: [{name: gw}]
rules:
- matches: [{path: {type: Exact, value: /a}}]
  backendRefs: [{name: fortio, port: 8080}]
- matches: [{path: {type: Exact, value: /b}}]
  backendRefs: [{name: fortio, port: 8080}]
- matches: [{path: {type: Exact, value: /c}}]
  backendRefs: [{name: other, port: 8080}]
- matches: [{path: {type: Exact, value: /d}}]
  backendRefs: [{name: fortio, port: 9090}]`, 'route', 'server');
  const fortio = `apiVersion: v1
kind: Service
metadata: {name: fortio, namespace: server}
spec:
  ports:
  - {name: http, port: 8080}
  - {name: admin, port: 9090}`;
  return join(gatewayClass(), gateway('- {name: http, protocol: HTTP, port: 8000}', 'gw', 'server'), route, fortio, service('other', 8080, 'server'), ...extra);
}

function routeAt(c: Compiled, path: string): Route {
  const routes = c.mesh.gateway?.listeners[0].virtualHosts[0].routes ?? [];
  const r = routes.find((x) => x.match.uri?.exact === path);
  assert.ok(r, `route ${path}`);
  return r;
}

const SEED = `targetRef:
  kind: Service
  name: fortio
  namespace: server
ports:
- port: 8080
  config:
    retryOn:
    - 5xx
    numRetries: 5
    backoffBaseInterval: 2`;

describe('fsm gateway RetryPolicy compile (§2.3)', () => {
  it('the seed: 5xx, 5 retries, base 2 s (max 10 × base) on the fortio route, at destination level', () => {
    const c = compileYaml(world(retryPolicy(SEED, 'retry-policy-sample')), PROXY);
    const r = routeAt(c, '/a').retry;
    assert.equal(r.level, 'destination');
    assert.deepEqual(r.policy, { retryOn: '5xx', numRetries: 5, retriableStatusCodes: [], previousHostsPredicate: false, backoff: { baseIntervalMs: 2000, maxIntervalMs: 20000 } });
    assert.ok(r.from !== 'default');
    assert.deepEqual([r.from.kind, r.from.namespace, r.from.name], ['RetryPolicy', 'server', 'retry-policy-sample']);
    assert.equal(r.reason, 'FSM gateway RetryPolicy server/retry-policy-sample spec.ports[0]');
    assert.equal(conditionOf(c, 'RetryPolicy', 'retry-policy-sample', 'Accepted').status, 'True');
  });
  it('applies to every gateway route whose backend is that Service:port, not per route', () => {
    const c = compileYaml(world(retryPolicy(SEED)), PROXY);
    assert.equal(routeAt(c, '/b').retry.policy?.retryOn, '5xx');
    assert.equal(routeAt(c, '/c').retry.policy, null, 'another Service');
    assert.equal(routeAt(c, '/d').retry.policy, null, 'another port of the same Service');
  });
  it('sidecars are not affected (a gateway policy)', () => {
    const c = compileYaml(world(retryPolicy(SEED)), { ...DEFAULT_PROXY, namespace: 'server' });
    const vh = c.mesh.virtualHosts.find((v) => v.host === 'fortio.server.svc.cluster.local' && v.port === 8080);
    assert.ok(vh);
    assert.equal(vh.routes[0].retry.policy, null);
  });
  it('defaults: numRetries 3 and backoffBaseInterval 1.0 s', () => {
    const c = compileYaml(world(retryPolicy('targetRef: {kind: Service, name: fortio}\nports: [{port: 8080}]\nconfig: {retryOn: [5xx]}')), PROXY);
    assert.deepEqual(routeAt(c, '/a').retry.policy?.backoff, { baseIntervalMs: 1000, maxIntervalMs: 10000 });
    assert.equal(routeAt(c, '/a').retry.policy?.numRetries, 3);
  });
  it('a port config takes numRetries and backoff from spec.config when missing, but never retryOn', () => {
    const spec = 'targetRef: {kind: Service, name: fortio}\nports: [{port: 8080, config: {retryOn: ["503"]}}]\nconfig: {retryOn: [5xx], numRetries: 7, backoffBaseInterval: 0.5}';
    const p = routeAt(compileYaml(world(retryPolicy(spec)), PROXY), '/a').retry.policy;
    assert.deepEqual(p, { retryOn: 'retriable-status-codes', numRetries: 7, retriableStatusCodes: [503], previousHostsPredicate: false, backoff: { baseIntervalMs: 500, maxIntervalMs: 5000 } });
  });
  it('Nxx other than 5xx expands to the hundred codes; 5xx covers the 5xx codes listed with it', () => {
    const spec = (tokens: string) => `targetRef: {kind: Service, name: fortio}\nports: [{port: 8080, config: {retryOn: [${tokens}]}}]`;
    const fourXx = routeAt(compileYaml(world(retryPolicy(spec('4xx'))), PROXY), '/a').retry.policy;
    assert.equal(fourXx?.retryOn, 'retriable-status-codes');
    assert.deepEqual([fourXx?.retriableStatusCodes.length, fourXx?.retriableStatusCodes[0], fourXx?.retriableStatusCodes[99]], [100, 400, 499]);
    const mixed = routeAt(compileYaml(world(retryPolicy(spec('"503", 5xx, "429"'))), PROXY), '/a').retry.policy;
    assert.deepEqual([mixed?.retryOn, mixed?.retriableStatusCodes], ['5xx,retriable-status-codes', [429]]);
  });
  it('a token matching no status ("50") gives no policy, and says why', () => {
    const r = routeAt(compileYaml(world(retryPolicy('targetRef: {kind: Service, name: fortio}\nports: [{port: 8080, config: {retryOn: ["50"]}}]')), PROXY), '/a').retry;
    assert.equal(r.policy, null);
    assert.equal(r.level, 'destination');
    assert.match(r.reason, /matches no status code/);
  });
  it('conflicts: the oldest policy wins a port; a newer one with another config is Conflicted and not used', () => {
    const older = retryPolicy('targetRef: {kind: Service, name: fortio}\nports: [{port: 8080, config: {retryOn: [5xx], numRetries: 2}}]', 'z-old', '2024-01-01T00:00:00Z');
    const newer = retryPolicy('targetRef: {kind: Service, name: fortio}\nports: [{port: 8080, config: {retryOn: [5xx], numRetries: 9}}, {port: 9090, config: {retryOn: [5xx]}}]', 'a-new', '2024-06-01T00:00:00Z');
    const c = compileYaml(world(older, newer), PROXY);
    assert.equal(routeAt(c, '/a').retry.policy?.numRetries, 2);
    assert.equal(routeAt(c, '/d').retry.policy, null, 'a conflicted policy is not used on any port');
    const cond = conditionOf(c, 'RetryPolicy', 'a-new', 'Accepted');
    assert.deepEqual([cond.status, cond.reason], ['False', 'Conflicted']);
    assert.match(cond.message, /port 8080 is already configured differently by RetryPolicy server\/z-old/);
    assert.ok(c.diagnostics.some((d) => d.code === Codes.ConflictingPolicies && d.object?.name === 'a-new' && d.location?.path === 'spec.ports[0]'));
  });
  it('without creationTimestamps, the first by namespace/name wins', () => {
    const a = retryPolicy('targetRef: {kind: Service, name: fortio}\nports: [{port: 8080, config: {retryOn: [5xx], numRetries: 2}}]', 'a');
    const b = retryPolicy('targetRef: {kind: Service, name: fortio}\nports: [{port: 8080, config: {retryOn: [5xx], numRetries: 9}}]', 'b');
    const c = compileYaml(world(b, a), PROXY);
    assert.equal(routeAt(c, '/a').retry.policy?.numRetries, 2);
    assert.equal(conditionOf(c, 'RetryPolicy', 'b', 'Accepted').reason, 'Conflicted');
  });
  it('the same config twice is no conflict', () => {
    const c = compileYaml(world(retryPolicy(SEED, 'a'), retryPolicy(SEED, 'b')), PROXY);
    assert.equal(conditionOf(c, 'RetryPolicy', 'b', 'Accepted').status, 'True');
  });
  it('a Service that does not exist: TargetNotFound', () => {
    const c = compileYaml(world(retryPolicy('targetRef: {kind: Service, name: nope}\nports: [{port: 8080, config: {retryOn: [5xx]}}]')), PROXY);
    const cond = conditionOf(c, 'RetryPolicy', 'rp', 'Accepted');
    assert.deepEqual([cond.status, cond.reason], ['False', 'TargetNotFound']);
    assert.ok(c.diagnostics.some((d) => d.location?.path === 'spec.targetRef.name' && /TargetNotFound.*Service server\/nope not found/.test(d.message)));
  });
  it('a multi-cluster ServiceImport is not supported: TargetNotFound', () => {
    const c = compileYaml(world(retryPolicy('targetRef: {group: flomesh.io, kind: ServiceImport, name: fortio}\nports: [{port: 8080, config: {retryOn: [5xx]}}]')), PROXY);
    assert.equal(conditionOf(c, 'RetryPolicy', 'rp', 'Accepted').reason, 'TargetNotFound');
  });
  it('a cross-namespace target is not used (FSM needs a ReferenceGrant)', () => {
    const c = compileYaml(world(retryPolicy(SEED, 'rp', undefined, 'elsewhere')), PROXY);
    assert.equal(conditionOf(c, 'RetryPolicy', 'rp', 'Accepted').reason, 'Invalid');
    assert.equal(routeAt(c, '/a').retry.policy, null);
  });
  it('a port the Service does not have is warned about', () => {
    const c = compileYaml(world(retryPolicy('targetRef: {kind: Service, name: fortio}\nports: [{port: 7070, config: {retryOn: [5xx]}}]')), PROXY);
    assert.ok(c.diagnostics.some((d) => d.severity === 'Warning' && d.location?.path === 'spec.ports[0].port' && /has no port 7070/.test(d.message)));
  });
});

describe('fsm gateway RetryPolicy vs HTTPRoute retry (src/ir/precedence.ts)', () => {
  function withRouteRetry(retry: string): Compiled {
    const route = httpRoute(`parentRefs: [{name: gw}]\nrules:\n- matches: [{path: {type: Exact, value: /a}}]\n  backendRefs: [{name: fortio, port: 8080}]\n  retry: ${retry}`, 'own', 'server');
    return compileYaml(join(gatewayClass(), gateway('- {name: http, protocol: HTTP, port: 8000}', 'gw', 'server'), route, service('fortio', 8080, 'server'), retryPolicy(SEED)), PROXY);
  }
  it('a rule\'s own retry (attempts 0) beats the RetryPolicy on its destination', () => {
    const c = withRouteRetry('{attempts: 0}');
    const r = routeAt(c, '/a').retry;
    assert.deepEqual([r.policy, r.level], [null, 'route']);
    const warning = c.diagnostics.find((d) => d.code === Codes.ConflictingPolicies && d.object?.kind === 'RetryPolicy');
    assert.ok(warning, JSON.stringify(c.diagnostics));
    assert.match(warning.message, /HTTPRoute server\/own takes precedence \(a policy written on the route beats one attached to its destination/);
    assert.equal(conditionOf(c, 'RetryPolicy', 'rp', 'Overridden').status, 'True');
  });
  it('a rule\'s own codes beat it too', () => {
    const r = routeAt(withRouteRetry('{codes: [502], attempts: 1}'), '/a').retry;
    assert.deepEqual([r.policy?.retryOn, r.policy?.retriableStatusCodes], ['connect-failure,refused-stream,retriable-status-codes', [502]]);
  });
});
