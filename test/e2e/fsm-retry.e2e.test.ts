import * as assert from 'node:assert/strict';
import { requireEnvoy } from '../support/envoy';
import { get, load } from '../support/http';
import { assertFailedBetween, assertFailuresAre503, assertSucceeded } from '../support/flakySources';
import { startMesh, firstRouteRetryPolicy, type MeshHarness } from '../support/mesh';
import { clusterStat, statDelta } from '../support/stats';

/**
 * Issue 4, FSM / OSM mesh `Retry` end to end (spec/sources-kuma-fsm.md §2.1, §2.2): the Retry of
 * FSM's "Retry Policy" demo, unchanged (curl → httpbin, 5xx, 5 retries, 1s per try, backoff base
 * 1s), a Kubernetes Service httpbin (port 14001) whose endpoint is the flaky upstream, and a real
 * Envoy whose node says it is the curl sidecar (ServiceAccount curl in namespace curl).
 */

const RETRY = (sourceServiceAccount: string): string => `kind: Retry
apiVersion: policy.flomesh.io/v1alpha1
metadata:
  name: retry
  namespace: curl
spec:
  source:
    kind: ServiceAccount
    name: ${sourceServiceAccount}
    namespace: curl
  destinations:
  - kind: Service
    name: httpbin
    namespace: httpbin
  retryPolicy:
    retryOn: "5xx"
    perTryTimeout: 1s
    numRetries: 5
    retryBackoffBaseInterval: 1s
`;

const SERVICES = `apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: httpbin}
spec:
  ports: [{name: http, port: 14001, targetPort: {{UPSTREAM_PORT}}}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: httpbin, namespace: httpbin}
subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{name: http, port: {{UPSTREAM_PORT}}}]}]
`;

const VHOST = 'httpbin.httpbin.svc.cluster.local:14001';
const CLUSTER = 'outbound|14001||httpbin.httpbin.svc.cluster.local';
/** The doc's curl command names the Service by its short cross-namespace name. */
const HOST = 'httpbin.httpbin:14001';
const retryOnOf = (dump: unknown): string | null | undefined => {
  const p = firstRouteRetryPolicy(dump, VHOST);
  return p === undefined || p === null ? p : p.retryOn;
};

describe('e2e (issue 4): FSM Retry curl → httpbin on a real Envoy (§2.1)', function () {
  // One request of the doc goes through 5 backoffs of base 1s (Envoy: up to 1+2+4+8+10 s).
  this.timeout(90_000);
  let mesh: MeshHarness;

  before(async function () {
    requireEnvoy(this);
    mesh = await startMesh({
      sources: { 'services.yaml': SERVICES, 'retry.yaml': RETRY('curl') },
      node: { id: 'curl.curl', metadata: { NAMESPACE: 'curl', SERVICE_ACCOUNT: 'curl', LABELS: { app: 'curl' }, ROLE: 'sidecar' } },
      seed: 4,
    });
    await mesh.envoy.waitFor((d) => retryOnOf(d) === '5xx', 15_000);
  });

  after(async () => mesh?.close());

  const stat = (name: string): Promise<number> => clusterStat(mesh.envoy, CLUSTER, name);
  const flakyLoad = () => load({ url: `http://127.0.0.1:${mesh.ports.egress}/echo?status=503:25`, n: 200, concurrency: 32, headers: { host: HOST }, timeoutMs: 40_000 });

  it('the doc\'s GET /status/503: 6 attempts, then 503; upstream_rq_retry 5, retry_limit_exceeded 1, backoff_exponential 5', async () => {
    mesh.upstream.reset();
    const res = await get(`http://127.0.0.1:${mesh.ports.egress}/status/503`, { headers: { host: HOST }, timeoutMs: 40_000 });
    assert.equal(res.status, 503);
    assert.equal(mesh.upstream.requests, 6, 'the first try and 5 retries reached httpbin');
    assert.equal(await stat('upstream_rq_retry'), 5);
    assert.equal(await stat('upstream_rq_retry_limit_exceeded'), 1);
    assert.equal(await stat('upstream_rq_retry_backoff_exponential'), 5);
  });

  it('a flaky httpbin (25% 503s): at least 99% of 200 requests succeed, and upstream_rq_retry moves', async () => {
    const { result, delta } = await statDelta(mesh.envoy, CLUSTER, 'upstream_rq_retry', flakyLoad);
    assertSucceeded(result, 0.99);
    assert.ok(delta > 0, 'retries were counted');
  });

  it('the control plane\'s config dump for this proxy says which object set the policy', async () => {
    const dump = await mesh.adminJson<unknown>('/debug/config_dump?proxy=curl.curl');
    assert.equal(retryOnOf(dump), '5xx');
    assert.match(JSON.stringify(dump), /"retryPolicyFrom":"Retry curl\/retry"/);
  });

  it('editing the Retry\'s source to another ServiceAccount stops the retries: about a quarter of requests fail', async () => {
    mesh.writeSource('retry.yaml', RETRY('someone-else'));
    await mesh.envoy.waitFor((d) => retryOnOf(d) === null, 5_000);
    const { result, delta } = await statDelta(mesh.envoy, CLUSTER, 'upstream_rq_retry', flakyLoad);
    assertFailedBetween(result, 0.15, 0.35);
    assertFailuresAre503(result);
    assert.equal(delta, 0, 'no retries any more');
  });
});
