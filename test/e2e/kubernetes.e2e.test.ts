import * as assert from 'node:assert/strict';
import { requireEnvoy } from '../support/envoy';
import { load } from '../support/http';
import { assertFailedBetween, assertFailuresAre503, assertSucceeded } from '../support/flakySources';
import { startMesh, firstRouteRetryPolicy, type MeshHarness } from '../support/mesh';
import { clusterStat, retryCount } from '../support/stats';

/**
 * Issue 4, Kubernetes registry end to end: `ricochet serve --sources DIR`, a stock Envoy (a
 * sidecar in namespace `default`), a fortio-style flaky upstream (25% 503s) behind a Kubernetes
 * Service `flaky` and its Endpoints. Without a policy a plain Service gets no retries (DESIGN.md,
 * default retry policy); an Istio VirtualService naming it by its short name makes retries happen,
 * whichever form of the name the client uses (DESIGN.md, service registry).
 */

const SERVICE = `
apiVersion: v1
kind: Service
metadata:
  name: flaky
  namespace: default
spec:
  selector: {app: flaky}
  ports:
  - name: http
    port: 80
    targetPort: {{UPSTREAM_PORT}}
---
apiVersion: v1
kind: Endpoints
metadata:
  name: flaky
  namespace: default
subsets:
- addresses:
  - ip: 127.0.0.1
  ports:
  - name: http
    port: {{UPSTREAM_PORT}}
`;

const VIRTUAL_SERVICE = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: flaky
  namespace: default
spec:
  hosts: [flaky]
  http:
  - route:
    - destination:
        host: flaky
    retries:
      attempts: 4
      retryOn: 5xx
`;

const FQDN = 'flaky.default.svc.cluster.local';
const VHOST = `${FQDN}:80`;
const CLUSTER = `outbound|80||${FQDN}`;

describe('e2e (issue 4): a Kubernetes Service and Endpoints on a real Envoy', function () {
  this.timeout(40_000);
  let mesh: MeshHarness;

  before(async function () {
    requireEnvoy(this);
    mesh = await startMesh({ sources: { 'flaky.yaml': SERVICE }, seed: 4 });
    // The Service's virtual host is there, with no retry policy (null, not undefined).
    await mesh.envoy.waitFor((d) => firstRouteRetryPolicy(d, VHOST) === null, 15_000);
  });

  after(async () => mesh?.close());

  const flakyLoad = (host: string, n = 400) =>
    load({ url: `http://127.0.0.1:${mesh.ports.egress}/echo?status=503:25`, n, concurrency: 8, headers: { host } });

  it('without any policy, Host "flaky" reaches the Service and about a quarter fail: no retries (DESIGN.md)', async () => {
    const result = await flakyLoad('flaky');
    assertFailedBetween(result, 0.15, 0.35);
    assertFailuresAre503(result);
    assert.equal(await retryCount(mesh.envoy, CLUSTER), 0);
    assert.ok((await clusterStat(mesh.envoy, CLUSTER, 'upstream_rq_total')) >= result.n, 'the traffic went through the Service\'s cluster');
  });

  it('an Istio VirtualService `hosts: [flaky]` with retries {attempts: 4, retryOn: 5xx}, written into the watched folder, applies', async () => {
    mesh.writeSource('virtualservice.yaml', VIRTUAL_SERVICE);
    await mesh.envoy.waitFor((d) => firstRouteRetryPolicy(d, VHOST)?.retryOn === '5xx', 10_000);
  });

  for (const host of [FQDN, 'flaky.default', 'flaky']) {
    it(`with it, at least 99% succeed for Host ${host}`, async () => {
      assertSucceeded(await flakyLoad(host, 300), 0.99);
    });
  }

  it(`and Envoy's cluster.${CLUSTER}.upstream_rq_retry moved`, async () => {
    assert.ok((await retryCount(mesh.envoy, CLUSTER)) > 0, `stats: ${JSON.stringify([...(await mesh.envoy.stats(/flaky/))])}`);
  });
});
