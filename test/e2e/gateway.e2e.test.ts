import * as assert from 'node:assert/strict';
import { requireEnvoy } from '../support/envoy';
import { freePort } from '../support/processes';
import { load } from '../support/http';
import { assertFailedBetween, assertFailuresAre503, assertSucceeded } from '../support/flakySources';
import { startMesh, routesOf, type MeshHarness } from '../support/mesh';
import { readExample } from '../support/examples';
import { retryCount, statDelta } from '../support/stats';

/**
 * Issue 4, end to end, for the Gateway API and the FSM gateway `RetryPolicy`
 * (spec/sources-kuma-fsm.md §2.3): a stock Envoy started as the proxy of Gateway
 * server/simple-fsm-gateway (node metadata ROLE gateway, GATEWAY server/simple-fsm-gateway),
 * `ricochet serve` watching a folder with FSM's gateway retry seed (examples/fsm-gateway-retry-fortio,
 * the Gateway listener on a free port), and the fortio-style flaky upstream behind the `fortio`
 * Service. Real processes, real sockets, 127.0.0.1 only.
 */

const EXAMPLE = 'fsm-gateway-retry-fortio';
const CLASS = readExample(EXAMPLE, 'gatewayclass.yaml');
/** The seed's Gateway and HTTPRoute, with the listener on this run's free port and `retry` added to the rule. */
const gatewayAndRoute = (retry = ''): string => readExample(EXAMPLE, 'gateway.yaml', ['port: 8000', 'port: {{GATEWAY_PORT}}']) + retry;
/** The seed's fortio Service; its Endpoints moved to this run's upstream. */
const SERVICE = readExample(EXAMPLE, 'services.yaml', ['name: http-8080\n    port: 8080', 'name: http-8080\n    port: {{UPSTREAM_PORT}}']);
/** FSM's doc, verbatim but for the namespace (`kubectl apply -n server` in the doc). */
const RETRY_POLICY = readExample(EXAMPLE, 'retrypolicy.yaml');

const VHOST = 'server/simple-fsm-gateway/http/*';
const CLUSTER = 'outbound|8080||fortio.server.svc.cluster.local';

interface DumpRoute { route?: { retryPolicy?: { retryOn?: string } }; metadata?: { filterMetadata?: { ricochet?: { retryPolicyFrom?: string } } } }
const firstRoute = (dump: unknown): DumpRoute | undefined => routesOf(dump, VHOST)?.[0] as DumpRoute | undefined;
const retryFrom = (dump: unknown): string | undefined => firstRoute(dump)?.metadata?.filterMetadata?.ricochet?.retryPolicyFrom;

describe('e2e (issue 4): Gateway API + FSM gateway RetryPolicy on a real Envoy', function () {
  this.timeout(60_000);
  let mesh: MeshHarness;
  let port: number;

  before(async function () {
    requireEnvoy(this);
    port = await freePort();
    mesh = await startMesh({
      sources: { 'gatewayclass.yaml': CLASS, 'gateway.yaml': gatewayAndRoute(), 'services.yaml': SERVICE },
      vars: { GATEWAY_PORT: port },
      node: { id: 'simple-fsm-gateway.server', metadata: { ROLE: 'gateway', GATEWAY: 'server/simple-fsm-gateway', NAMESPACE: 'server' } },
      seed: 4,
    });
    await mesh.envoy.waitFor((d) => firstRoute(d) !== undefined, 15_000);
  });

  after(async () => mesh?.close());

  // fortio's syntax from the FSM doc: 10% of the answers are 503.
  const flakyLoad = () => load({ url: `http://127.0.0.1:${port}/echo?status=503:10`, n: 300, concurrency: 16, headers: { host: 'fortio.example.com' } });

  it('the gateway proxy listens on the Gateway listener\'s port; without a RetryPolicy about 10% of requests fail (the doc\'s "before")', async () => {
    assert.equal(firstRoute(await mesh.envoy.configDump())?.route?.retryPolicy, undefined);
    const result = await flakyLoad();
    assertFailedBetween(result, 0.03, 0.2);
    assertFailuresAre503(result);
    assert.equal(await retryCount(mesh.envoy, CLUSTER), 0);
  });

  it('adding the doc\'s RetryPolicy (5xx, 5 retries, base 2 s): at least 99% succeed and Envoy counts retries', async () => {
    mesh.writeSource('retrypolicy.yaml', RETRY_POLICY);
    await mesh.envoy.waitFor((d) => firstRoute(d)?.route?.retryPolicy?.retryOn === '5xx', 5_000);
    assertSucceeded(await flakyLoad(), 0.99);
    assert.ok((await retryCount(mesh.envoy, CLUSTER)) > 0, 'upstream_rq_retry > 0');
  });

  it('an HTTPRoute retry with attempts 0 on the same rule overrides the RetryPolicy, and the control plane says so', async () => {
    const before = mesh.ricochet.output().length;
    mesh.writeSource('gateway.yaml', gatewayAndRoute('    retry:\n      attempts: 0\n'));
    await mesh.envoy.waitFor((d) => retryFrom(d) === 'HTTPRoute server/fortio-route', 5_000);
    assert.equal(firstRoute(await mesh.envoy.configDump())?.route?.retryPolicy, undefined);
    const { result, delta } = await statDelta(mesh.envoy, CLUSTER, 'upstream_rq_retry', flakyLoad);
    assertFailedBetween(result, 0.03, 0.2);
    assert.equal(delta, 0, 'no more retries');
    await mesh.ricochet.waitForOutput(/ConflictingPolicies|RCO0140/, 5_000);
    const log = mesh.logMessages(before).join('\n');
    assert.match(log, /Warning \[RCO0140\] \(RetryPolicy server\/retry-policy-sample\)/);
    assert.match(log, /HTTPRoute server\/fortio-route takes precedence/);
  });
});
