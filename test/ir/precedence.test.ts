/** The one cross-system precedence rule for retry policies (docs/precedence.md, src/ir/precedence.ts). */
import * as assert from 'node:assert/strict';
import { applyRetryPrecedence, compareRetryDecisions, type AttachedRetry } from '../../src/ir/precedence';
import { DEFAULT_PROXY, type Provenance, type RetryDecision, type RetryLevel, type Route } from '../../src/ir/model';

const policy = (retryOn: string) => ({ retryOn, numRetries: 2, retriableStatusCodes: [], previousHostsPredicate: false });

function prov(kind: string, name: string, created?: string, namespace = 'default'): Provenance {
  const p: Provenance = { kind, apiVersion: kind === 'VirtualService' ? 'networking.istio.io/v1' : 'policy.flomesh.io/v1alpha1', namespace, name, file: `${name}.yaml`, line: 3 };
  if (created) p.created = created;
  return p;
}

function decision(level: RetryLevel, from: Provenance | 'default', retryOn = 'x'): RetryDecision {
  return { policy: policy(retryOn), from, reason: `${level} ${from === 'default' ? 'default' : from.name}`, level };
}

function route(retry: RetryDecision, host = 'httpbin.httpbin.svc.cluster.local', port = 14001): Route {
  return { name: 'r', match: { headers: [] }, destinations: [{ host, port, weight: 100 }], timeoutMs: 0, retry, source: 'default' };
}

const attach = (d: RetryDecision, host = 'httpbin.httpbin.svc.cluster.local', port?: number): AttachedRetry => ({ host, port, decision: d });

describe('ir/precedence: one rule for retry policies across systems', () => {
  it('level first: route > destination > default', () => {
    const r = decision('route', prov('VirtualService', 'vs'));
    const d = decision('destination', prov('Retry', 'retry'));
    const def = decision('default', 'default');
    assert.ok(compareRetryDecisions(r, d) < 0);
    assert.ok(compareRetryDecisions(d, def) < 0);
    assert.ok(compareRetryDecisions(r, def) < 0);
  });

  it('same level: the oldest creationTimestamp wins; objects without one come after', () => {
    const older = decision('destination', prov('Retry', 'b', '2024-01-01T00:00:00Z'));
    const newer = decision('destination', prov('Retry', 'a', '2025-01-01T00:00:00Z'));
    const none = decision('destination', prov('Retry', '0'));
    assert.ok(compareRetryDecisions(older, newer) < 0);
    assert.ok(compareRetryDecisions(newer, none) < 0);
  });

  it('same level and age: the first by kind, namespace, name', () => {
    const a = decision('destination', prov('MeshRetry', 'z'));
    const b = decision('destination', prov('Retry', 'a'));
    assert.ok(compareRetryDecisions(a, b) < 0, 'MeshRetry sorts before Retry');
    assert.ok(compareRetryDecisions(decision('destination', prov('Retry', 'a')), decision('destination', prov('Retry', 'b'))) < 0);
  });

  it('a destination-level policy replaces a default one silently (no warning against a default)', () => {
    const r = route(decision('default', 'default', 'istio-default'));
    const fsm = decision('destination', prov('Retry', 'retry'), '5xx');
    const out = applyRetryPrecedence([{ route: r, where: 'httpbin:14001/default' }], [attach(fsm)], DEFAULT_PROXY);
    assert.equal(r.retry, fsm);
    assert.deepEqual(out.diagnostics, []);
  });

  it('a route-level policy beats an attached one; the loser gets a warning and an Overridden condition naming the winner', () => {
    const vs = decision('route', prov('VirtualService', 'httpbin'), '5xx');
    const r = route(vs);
    const fsm = decision('destination', prov('Retry', 'retry', undefined, 'curl'), 'gateway-error');
    const proxy = { ...DEFAULT_PROXY, namespace: 'curl', serviceAccount: 'curl' };
    const out = applyRetryPrecedence([{ route: r, where: 'httpbin:14001/r' }], [attach(fsm)], proxy);
    assert.equal(r.retry, vs);
    assert.equal(out.diagnostics.length, 1);
    const d = out.diagnostics[0];
    assert.equal(d.code, 'RCO0140');
    assert.deepEqual(d.object, { kind: 'Retry', namespace: 'curl', name: 'retry' });
    assert.deepEqual(d.location, { file: 'retry.yaml', line: 3 });
    assert.match(d.message, /VirtualService default\/httpbin takes precedence/);
    assert.match(d.message, /ServiceAccount curl\/curl/);
    assert.match(d.message, /written on the route/);
    assert.deepEqual(out.conditions.map((c) => [c.object.group, c.object.kind, c.condition.type, c.condition.reason]), [['policy.flomesh.io', 'Retry', 'Overridden', 'Conflicted']]);
  });

  it('attachments only apply to routes toward their host, and to the port when one is set', () => {
    const base = decision('default', 'default', 'base');
    const other = route(base, 'other.default.svc.cluster.local');
    const wrongPort = route(decision('default', 'default', 'base'), 'httpbin.httpbin.svc.cluster.local', 80);
    const att = attach(decision('destination', prov('RetryPolicy', 'p'), 'on-14001'), 'httpbin.httpbin.svc.cluster.local', 14001);
    applyRetryPrecedence([{ route: other, where: 'a' }, { route: wrongPort, where: 'b' }], [att], DEFAULT_PROXY);
    assert.equal(other.retry.policy?.retryOn, 'base');
    assert.equal(wrongPort.retry.policy?.retryOn, 'base');
  });

  it('one warning per (loser, winner) pair, listing the routes', () => {
    const vs = prov('VirtualService', 'vs');
    const routes = ['a', 'b', 'c', 'd', 'e'].map((n) => ({ route: route(decision('route', vs, '5xx')), where: `h:1/${n}` }));
    const out = applyRetryPrecedence(routes, [attach(decision('destination', prov('Retry', 'r')))], DEFAULT_PROXY);
    assert.equal(out.diagnostics.length, 1);
    assert.match(out.diagnostics[0].message, /routes h:1\/a, h:1\/b, h:1\/c and 2 more/);
  });

  it('"no retries" decided on the route also wins (attempts: 0 in a VirtualService)', () => {
    const off: RetryDecision = { policy: null, from: prov('VirtualService', 'vs'), reason: 'attempts: 0', level: 'route' };
    const r = route(off);
    applyRetryPrecedence([{ route: r, where: 'x' }], [attach(decision('destination', prov('Retry', 'r')))], DEFAULT_PROXY);
    assert.equal(r.retry.policy, null);
  });
});
