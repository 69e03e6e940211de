import * as assert from 'node:assert/strict';
import { startUpstream, type Upstream } from '../../src/upstream/server';
import { parseStats, renderBootstrap, requireEnvoy, startEnvoy, type EnvoyProcess } from '../support/envoy';
import { get, load } from '../support/http';
import { freePort } from '../support/processes';

// The smallest useful Envoy: one static listener routing Host flaky.test to our flaky upstream
// with a 5xx/reset retry policy, so this test exercises every piece of the harness at once.
const BOOTSTRAP = `
admin:
  address: {socket_address: {address: 127.0.0.1, port_value: {{ADMIN_PORT}}}}
static_resources:
  listeners:
  - name: egress
    address: {socket_address: {address: 127.0.0.1, port_value: {{LISTENER_PORT}}}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: egress
          route_config:
            name: local
            virtual_hosts:
            - name: flaky
              domains: ["flaky.test", "flaky.test:*"]
              include_request_attempt_count: true
              routes:
              - match: {prefix: "/"}
                route:
                  cluster: upstream
                  retry_policy: {retry_on: "5xx,reset", num_retries: 2, retry_back_off: {base_interval: 0.001s}}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: upstream
    type: STATIC
    connect_timeout: 1s
    # Default max_retries is 3 concurrent retries; load() below would overflow it.
    circuit_breakers: {thresholds: [{max_retries: 1000}]}
    load_assignment:
      cluster_name: upstream
      endpoints:
      - lb_endpoints:
        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: {{UPSTREAM_PORT}}}}}
`;

describe('harness: real Envoy with a static bootstrap', function () {
  let envoy: EnvoyProcess;
  let up: Upstream;
  let listener: string;

  before(async function () {
    requireEnvoy(this);
    up = await startUpstream({ seed: 1 });
    const [adminPort, listenerPort] = [await freePort(), await freePort()];
    listener = `http://127.0.0.1:${listenerPort}`;
    const config = renderBootstrap({ yaml: BOOTSTRAP }, { ADMIN_PORT: adminPort, LISTENER_PORT: listenerPort, UPSTREAM_PORT: up.port });
    envoy = await startEnvoy({ config, adminPort });
  });
  after(async () => {
    await envoy?.stop();
    await up?.close();
  });
  beforeEach(() => up?.reset());

  it('proxies by Host, and as an HTTP proxy with an absolute-form URI', async () => {
    const byHost = await get(`${listener}/ok`, { headers: { host: 'flaky.test' } });
    assert.equal(byHost.status, 200, byHost.body);
    assert.equal(byHost.headers['x-upstream-status'], '200');
    const viaProxy = await get('http://flaky.test/ok', { proxy: listener });
    assert.equal(viaProxy.status, 200, viaProxy.body);
    assert.equal(up.requests, 2);
    assert.ok(up.log.every((r) => r.attemptCount === 1 && r.requestId), JSON.stringify(up.log));
  });

  it('retries 5xx: the upstream sees 3 attempts of one request, counted 1, 2, 3', async () => {
    const res = await get(`${listener}/status/503`, { headers: { host: 'flaky.test' } });
    assert.equal(res.status, 503);
    const attempts = [...up.attemptsByRequestId().values()];
    assert.equal(attempts.length, 1);
    assert.deepEqual(attempts[0].map((r) => r.attemptCount), [1, 2, 3]);
    const stats = await envoy.stats(/^cluster\.upstream\.upstream_rq_(retry|503)$/);
    assert.ok((stats.get('cluster.upstream.upstream_rq_retry') ?? 0) >= 2, JSON.stringify([...stats]));
  });

  it('retries a connection closed before any response (reset)', async () => {
    const res = await get(`${listener}/?close=true`, { headers: { host: 'flaky.test' } });
    assert.equal(res.status, 503);
    assert.equal(up.closes, 3);
  });

  it('load through Envoy: 25% upstream 503s become ~0.4% after 2 retries', async () => {
    const res = await load({ url: `${listener}/?status=503:25`, n: 400, concurrency: 8, headers: { host: 'flaky.test' } });
    const ok = res.codes.get(200) ?? 0;
    assert.equal(ok + (res.codes.get(503) ?? 0), 400, JSON.stringify([...res.codes]));
    assert.ok(ok >= 380, `expected nearly all 200s, got ${JSON.stringify([...res.codes])}`);
    assert.ok(up.requests > 400, 'the upstream saw the retries too');
  });

  it('exposes the config dump and waits on it', async () => {
    const dump = await envoy.waitFor((d) => JSON.stringify(d).includes('"name":"egress"'), 5000);
    assert.ok(JSON.stringify(dump).includes('flaky.test'));
    await assert.rejects(envoy.waitFor(() => false, 300), /did not satisfy the predicate/);
  });
});

describe('harness: Envoy helpers', () => {
  it('parseStats keeps counters and gauges, skips histograms, filters by name', () => {
    const text = 'cluster.a.upstream_rq_503: 4\ncluster.a.upstream_rq_time: P0(nan,1) P25(nan,2)\nserver.live: 1\nx: No recorded values\n';
    assert.deepEqual([...parseStats(text)], [
      ['cluster.a.upstream_rq_503', 4],
      ['server.live', 1],
    ]);
    assert.deepEqual([...parseStats(text, /^server\./)], [['server.live', 1]]);
  });

  it('renderBootstrap refuses a template with a placeholder left unfilled', () => {
    assert.throws(() => renderBootstrap({ yaml: 'port: {{ADMIN_PORT}} {{OTHER}}' }, { ADMIN_PORT: 1 }), /no value for \{\{OTHER\}\}/);
  });

  it('startEnvoy reports a bad bootstrap with Envoy\'s own error', async function () {
    requireEnvoy(this);
    const adminPort = await freePort();
    const config = renderBootstrap({ yaml: 'admin: {address: {socket_address: {address: 127.0.0.1, port_value: {{P}}}}}\nstatic_resources: {clusters: [{name: c, type: NOPE}]}\n' }, { P: adminPort });
    await assert.rejects(startEnvoy({ config, adminPort }), /exited before .*LIVE[\s\S]*NOPE/);
  });
});
