/**
 * The FSM / OSM mesh `Retry` for one proxy: the policy it compiles to (spec/sources-kuma-fsm.md
 * §2.1 buildRetryPolicy, §2.2 Pipy's reading of retryOn, §5 item 14), which sidecars it applies
 * to, what it attaches, and how several Retries for one destination are resolved.
 */
import * as assert from 'node:assert/strict';
import { Codes } from '../../src/lib/errors';
import type { Mesh, ProxyIdentity, RetryDecision } from '../../src/ir/model';
import { compileRegistry, DEFAULT_COMPILE_OPTIONS } from '../../src/sources';
import type { SourceObject } from '../../src/sources/object';
import { compileMeshRetries, meshRetrySelectors, MESH_RETRY_KINDS } from '../../src/sources/fsm/retry';
import { envoyRetryOn, meshRetryPolicy } from '../../src/sources/fsm/retryOn';
import { acceptYaml, compileYaml, type Compiled } from './pipeline';
import { lineOf } from './yaml';

const CURL: ProxyIdentity = { role: 'sidecar', namespace: 'curl', serviceAccount: 'curl', labels: { app: 'curl' } };
const HTTPBIN_HOST = 'httpbin.httpbin.svc.cluster.local';

const SERVICES = `apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: httpbin}
spec:
  ports: [{name: http, port: 14001, targetPort: 8080}, {name: http-admin, port: 9000}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: httpbin, namespace: httpbin}
subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{name: http, port: 8080}, {name: http-admin, port: 9000}]}]
`;

function retryYaml(name: string, policy: string, opts: { namespace?: string; group?: string; created?: string; source?: string; destinations?: string } = {}): string {
  const created = opts.created ? `, creationTimestamp: "${opts.created}"` : '';
  return `kind: Retry
apiVersion: ${opts.group ?? 'policy.flomesh.io'}/v1alpha1
metadata: {name: ${name}, namespace: ${opts.namespace ?? 'curl'}${created}}
spec:
  source: ${opts.source ?? '{kind: ServiceAccount, name: curl, namespace: curl}'}
  destinations: ${opts.destinations ?? '[{kind: Service, name: httpbin, namespace: httpbin}]'}
  retryPolicy: ${policy}
`;
}

/** Accepted objects of a YAML text (validation Errors leave an object out, as in serve). */
const objectsOf = (text: string): SourceObject[] => acceptYaml(text).accepted;
const compile = (text: string, proxy: ProxyIdentity = CURL): Compiled => compileYaml(text, proxy);

function retryOf(mesh: Mesh, host = HTTPBIN_HOST, port = 14001): RetryDecision {
  const vh = mesh.virtualHosts.find((v) => v.host === host && v.port === port);
  assert.ok(vh, `virtual host ${host}:${port}`);
  return vh.routes[0].retry;
}

describe('fsm Retry policy: OSM retryOn verbatim (§2.1, §5 item 14)', () => {
  it('retryOn is copied as is; nothing appended, no status codes', () => {
    assert.deepEqual(envoyRetryOn('5xx, reset,503', 'osm').retryOn, '5xx, reset,503');
    assert.deepEqual(envoyRetryOn('5xx, reset,503', 'osm').retriableStatusCodes, []);
  });

  it('the e2e example of OSM (5xx, 1s, 5, 5s) gives exactly OSM\'s Envoy policy, no max interval, no host predicate', () => {
    const p = meshRetryPolicy({ retryOn: '5xx', perTryTimeoutMs: 1000, numRetries: 5, retryBackoffBaseIntervalMs: 5000 }, 'osm');
    assert.deepEqual(p, { retryOn: '5xx', numRetries: 5, retriableStatusCodes: [], previousHostsPredicate: false, perTryTimeoutMs: 1000, backoff: { baseIntervalMs: 5000 } });
  });

  it('numRetries absent → Envoy\'s default 1; perTryTimeout and backoff absent → not set', () => {
    const p = meshRetryPolicy({ retryOn: '5xx' }, 'fsm');
    assert.equal(p.numRetries, 1);
    assert.equal(p.perTryTimeoutMs, undefined);
    assert.equal(p.backoff, undefined);
  });

  it('numRetries 0 is kept (Envoy then never retries)', () => {
    assert.equal(meshRetryPolicy({ retryOn: '5xx', numRetries: 0 }, 'osm').numRetries, 0);
  });
});

describe('fsm Retry policy: FSM tokens as Pipy reads them, for Envoy (§2.2)', () => {
  it('a numeric token becomes retriable-status-codes plus the code; Envoy tokens pass through', () => {
    assert.deepEqual(envoyRetryOn('503,connect-failure', 'fsm'), { retryOn: 'connect-failure,retriable-status-codes', retriableStatusCodes: [503], notes: [] });
  });

  it('5xx stays 5xx; another Nxx range becomes its hundred codes', () => {
    const r = envoyRetryOn('5xx,4xx', 'fsm');
    assert.equal(r.retryOn, '5xx,retriable-status-codes');
    assert.equal(r.retriableStatusCodes.length, 100);
    assert.equal(r.retriableStatusCodes[0], 400);
    assert.equal(r.retriableStatusCodes[99], 499);
  });

  it('codes are deduplicated in order; retriable-status-codes is not added twice', () => {
    assert.deepEqual(envoyRetryOn('503, 503,retriable-status-codes,502', 'fsm'), { retryOn: 'retriable-status-codes', retriableStatusCodes: [503, 502], notes: [] });
  });

  it('an empty retryOn is Pipy\'s default 5xx (with an Info note)', () => {
    const r = envoyRetryOn(' ', 'fsm');
    assert.equal(r.retryOn, '5xx');
    assert.equal(r.notes[0].severity, 'Info');
  });

  it('the same "503" in OSM stays verbatim (OSM passes it through; Envoy ignores it) and is warned', () => {
    const r = envoyRetryOn('503', 'osm');
    assert.equal(r.retryOn, '503');
    assert.deepEqual(r.retriableStatusCodes, []);
    assert.equal(r.notes[0].severity, 'Warning');
  });
});

describe('fsm Retry selection and attachment (§2.1)', () => {
  const SEED = retryYaml('retry', '{retryOn: "5xx", perTryTimeout: 1s, numRetries: 5, retryBackoffBaseInterval: 1s}');

  it('kinds: Retry in policy.flomesh.io and policy.openservicemesh.io, v1alpha1, Namespaced', () => {
    assert.deepEqual(MESH_RETRY_KINDS.map((k) => [k.group, k.kind, [...k.versions], k.scope]), [
      ['policy.flomesh.io', 'Retry', ['v1alpha1'], 'Namespaced'],
      ['policy.openservicemesh.io', 'Retry', ['v1alpha1'], 'Namespaced'],
    ]);
  });

  it('one ServiceAccount selector per Retry source; none for a source that is not a ServiceAccount', () => {
    const objects = objectsOf(`${SEED}---\n${retryYaml('by-pod', '{retryOn: 5xx}', { source: '{kind: Pod, name: x, namespace: curl}' })}`);
    assert.deepEqual(meshRetrySelectors(objects), [{ kind: 'serviceAccount', namespace: 'curl', name: 'curl' }]);
  });

  it('the matching sidecar gets one attachment per destination Service: no port (every port), level destination, provenance at spec.retryPolicy', () => {
    const text = `${SEED}---\n${SERVICES}`;
    const objects = objectsOf(text);
    const { registry } = compileRegistry(objects, DEFAULT_COMPILE_OPTIONS);
    const out = compileMeshRetries(objects.filter((o) => o.kind === 'Retry'), { registry, proxy: CURL, options: DEFAULT_COMPILE_OPTIONS });
    assert.deepEqual(out.diagnostics, []);
    assert.equal(out.retryAttachments?.length, 1);
    const a = out.retryAttachments![0];
    assert.equal(a.host, HTTPBIN_HOST);
    assert.equal(a.role, 'sidecar');
    assert.equal(a.port, undefined);
    assert.equal(a.decision.level, 'destination');
    assert.equal(a.decision.reason, 'Retry curl/retry (source ServiceAccount curl/curl)');
    assert.deepEqual(a.decision.from, { kind: 'Retry', apiVersion: 'policy.flomesh.io/v1alpha1', namespace: 'curl', name: 'retry', file: 'input.yaml', line: lineOf(text, 'retryPolicy:') });
    assert.deepEqual(a.decision.policy, { retryOn: '5xx', numRetries: 5, retriableStatusCodes: [], previousHostsPredicate: false, perTryTimeoutMs: 1000, backoff: { baseIntervalMs: 1000 } });
  });

  it('every HTTP port of the destination gets it (the port is ignored)', () => {
    const { mesh } = compile(`${SEED}---\n${SERVICES}`);
    assert.equal(retryOf(mesh, HTTPBIN_HOST, 14001).policy?.numRetries, 5);
    assert.equal(retryOf(mesh, HTTPBIN_HOST, 9000).policy?.numRetries, 5);
  });

  const others: Array<[string, ProxyIdentity]> = [
    ['another ServiceAccount in the namespace', { ...CURL, serviceAccount: 'other' }],
    ['the same ServiceAccount name in another namespace', { ...CURL, namespace: 'default' }],
    ['a gateway proxy', { ...CURL, role: 'gateway', gateway: { namespace: 'curl', name: 'gw' } }],
  ];
  for (const [what, proxy] of others) {
    it(`does not apply to ${what}`, () => {
      const out = compileMeshRetries(objectsOf(SEED), { registry: compileRegistry(objectsOf(SERVICES), DEFAULT_COMPILE_OPTIONS).registry, proxy, options: DEFAULT_COMPILE_OPTIONS });
      assert.deepEqual(out.retryAttachments, []);
    });
  }

  it('a destination Service that does not exist: ReferencedResourceNotFound at spec.destinations[i] with its line, for every proxy', () => {
    const text = `${retryYaml('retry', '{retryOn: 5xx}', { destinations: '\n  - {kind: Service, name: httpbin, namespace: httpbin}\n  - {kind: Service, name: nope, namespace: httpbin}' })}---\n${SERVICES}`;
    for (const proxy of [CURL, { ...CURL, serviceAccount: 'other' }]) {
      const ds = compile(text, proxy).diagnostics.filter((d) => d.code === Codes.ReferencedResourceNotFound);
      assert.equal(ds.length, 1, ds.map((d) => d.message).join('\n'));
      assert.equal(ds[0].location?.path, 'spec.destinations[1]');
      assert.equal(ds[0].location?.line, lineOf(text, 'name: nope'));
      assert.match(ds[0].message, /Service httpbin\/nope not found/);
    }
  });
  it('a destination Service with no HTTP port is warned: a Retry applies to HTTP traffic only (§2.1)', () => {
    const tcpOnly = 'apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: httpbin}\nspec:\n  ports: [{name: tcp, port: 5432}]\n---\napiVersion: v1\nkind: Endpoints\nmetadata: {name: db, namespace: httpbin}\nsubsets: [{addresses: [{ip: 127.0.0.1}], ports: [{name: tcp, port: 5432}]}]\n';
    const text = `${retryYaml('retry', '{retryOn: 5xx}', { destinations: '[{kind: Service, name: db, namespace: httpbin}]' })}---\n${tcpOnly}`;
    const ds = compile(text).diagnostics.filter((d) => d.object?.kind === 'Retry');
    assert.equal(ds.length, 1, ds.map((d) => d.message).join('\n'));
    assert.equal(ds[0].location?.path, 'spec.destinations[0]');
    assert.match(ds[0].message, /Service httpbin\/db has no HTTP port \(5432\/TCP\)/);
  });
});

describe('fsm Retry: several Retries for one destination (§2.1 "effectively unspecified" → oldest, then namespace/name)', () => {
  const policy = (n: number): string => `{retryOn: 5xx, numRetries: ${n}}`;

  it('the oldest creationTimestamp wins whatever the names; the other gets a warning naming the winner', () => {
    const text = [retryYaml('a-new', policy(1), { created: '2024-06-01T00:00:00Z' }), retryYaml('z-old', policy(2), { created: '2024-01-01T00:00:00Z', namespace: 'zz' }), SERVICES].join('---\n');
    const { mesh, diagnostics } = compile(text);
    assert.equal(retryOf(mesh).policy?.numRetries, 2);
    const ds = diagnostics.filter((d) => d.code === Codes.ConflictingPolicies);
    assert.equal(ds.length, 1);
    assert.deepEqual(ds[0].object, { kind: 'Retry', namespace: 'curl', name: 'a-new' });
    assert.equal(ds[0].location?.path, 'spec.destinations[0]');
    assert.match(ds[0].message, /Retry zz\/z-old takes precedence/);
    assert.match(ds[0].message, /the older object wins/);
  });

  it('without timestamps (or equal ones), the first by namespace, then name, wins', () => {
    const text = [retryYaml('b', policy(1)), retryYaml('a', policy(2)), retryYaml('a', policy(3), { namespace: 'zz' }), SERVICES].join('---\n');
    const { mesh, diagnostics } = compile(text);
    assert.equal(retryOf(mesh).policy?.numRetries, 2);
    const losers = diagnostics.filter((d) => d.code === Codes.ConflictingPolicies).map((d) => `${d.object?.namespace}/${d.object?.name}`).sort();
    assert.deepEqual(losers, ['curl/b', 'zz/a']);
  });

  it('an object with a creationTimestamp beats one without (as in src/ir/precedence.ts)', () => {
    const text = [retryYaml('a', policy(1)), retryYaml('b', policy(2), { created: '2030-01-01T00:00:00Z' }), SERVICES].join('---\n');
    assert.equal(retryOf(compile(text).mesh).policy?.numRetries, 2);
  });

  it('the result does not depend on input order', () => {
    const osm = '{retryOn: 5xx, numRetries: 2, perTryTimeout: 1s, retryBackoffBaseInterval: 1s}';
    const docs = [retryYaml('b', policy(1)), retryYaml('a', osm, { group: 'policy.openservicemesh.io' }), retryYaml('a', policy(3)), SERVICES];
    const one = retryOf(compile(docs.join('---\n')).mesh);
    const two = retryOf(compile([...docs].reverse().join('---\n')).mesh);
    assert.equal(one.reason, 'Retry curl/a (source ServiceAccount curl/curl)');
    // Same namespace/name in both groups: FSM's group sorts first.
    assert.equal(one.from !== 'default' && one.from.apiVersion, 'policy.flomesh.io/v1alpha1');
    assert.deepEqual(one.policy, two.policy);
    assert.equal(two.from !== 'default' && two.from.apiVersion, 'policy.flomesh.io/v1alpha1');
  });

  it('the loser gets an Overridden condition naming the winner', () => {
    const objects = objectsOf([retryYaml('b', policy(1)), retryYaml('a', policy(2)), SERVICES].join('---\n'));
    const { registry } = compileRegistry(objects, DEFAULT_COMPILE_OPTIONS);
    const out = compileMeshRetries(objects.filter((o) => o.kind === 'Retry'), { registry, proxy: CURL, options: DEFAULT_COMPILE_OPTIONS });
    assert.equal(out.conditions?.length, 1);
    const c = out.conditions![0];
    assert.deepEqual(c.object, { group: 'policy.flomesh.io', kind: 'Retry', namespace: 'curl', name: 'b' });
    assert.equal(c.condition.type, 'Overridden');
    assert.match(c.condition.message, /Retry curl\/a takes precedence/);
  });
});
