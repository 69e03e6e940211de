/**
 * Host health in the runtime: EDS health and outlier ejection in the load balancer, the panic
 * threshold, the update merge window, retry host predicates on endpoint metadata, and the
 * HTTP/2 pool's connection limits. Envoy sources: load_balancer_impl.cc (isHostSetInPanic),
 * cluster_manager_impl.cc (scheduleUpdate), omit_host_metadata.cc, conn_pool_base.cc; the
 * differential suite checks the same against Envoy 1.40 (upstreamScenarios.ts).
 */
import * as assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { DpCluster } from '../../../src/dataplane/config/model';
import { OUTLIER_DEFAULTS } from '../../../src/dataplane/config/outlierDetection';
import { hostMetadataMatches, retryHostRejecter } from '../../../src/dataplane/router/hostPredicates';
import { StatsStore } from '../../../src/dataplane/stats/store';
import { Cluster } from '../../../src/dataplane/upstream/cluster';
import type { Host } from '../../../src/dataplane/upstream/host';
import { request } from '../../support/http';
import * as net from 'node:net';
import { cluster, deadPort, httpListener, prefixRoute, routeAction, snapshot, sleep, startRuntime, tcpListener, vhost, waitFor } from './helpers';

function newCluster(c: Partial<DpCluster>, ports: number[], unhealthy: number[] = []): { c: Cluster; store: StatsStore } {
  const config = cluster('c', ports.map((port) => ({ port })), c);
  config.endpoints = config.endpoints.map((e) => (unhealthy.includes(e.port) ? { ...e, edsUnhealthy: true as const } : e));
  const store = new StatsStore();
  return { c: new Cluster('c', config, store, undefined), store };
}

/** The ports `n` picks land on. */
function picks(c: Cluster, n = 6): number[] {
  return Array.from({ length: n }, () => c.chooseHost()?.port ?? 0);
}

const counter = (store: StatsStore, name: string) => store.entries().find((e) => e.name === name)?.value ?? 0;

describe('dataplane runtime: host health, panic threshold, merge window, host predicates', () => {
  it('EDS-unhealthy hosts are skipped unless fewer than healthy_panic_threshold % are healthy (then all are used, lb_healthy_panic)', () => {
    const one = newCluster({}, [1, 2, 3], [3]);
    assert.deepEqual([...new Set(picks(one.c))].sort(), [1, 2]);
    assert.equal(counter(one.store, 'cluster.c.lb_healthy_panic'), 0);
    const two = newCluster({}, [1, 2, 3], [2, 3]);
    assert.deepEqual([...new Set(picks(two.c))].sort(), [1, 2, 3], '33 % healthy < 50 %: panic');
    assert.equal(counter(two.store, 'cluster.c.lb_healthy_panic'), 6, 'every pick in panic counts');
    assert.equal(counter(two.store, 'cluster.c.membership_healthy'), 1);
    const never = newCluster({ healthyPanicThresholdPercent: 0 }, [1, 2], [1, 2]);
    assert.equal(never.c.chooseHost(), undefined, 'threshold 0: no panic, no host');
    const half = newCluster({}, [1, 2], [2]);
    assert.deepEqual([...new Set(picks(half.c))], [1], '50 % is not below 50 %');
    for (const x of [one, two, never, half]) x.c.destroy();
  });

  it('outlier ejection takes a host out at once; a second change within update_merge_window waits for the window', async () => {
    const od = { ...OUTLIER_DEFAULTS, consecutive5xx: 1, maxEjectionPercent: 100, maxEjectionTimeMs: 300_000 };
    const { c, store } = newCluster({ outlierDetection: od, updateMergeWindowMs: 150 }, [1, 2]);
    try {
      const [h1, h2] = c.hosts;
      h1.outlier?.putHttpResponseCode(503);
      assert.deepEqual([...new Set(picks(c))], [2], 'the first update is delivered at once');
      h2.outlier?.putHttpResponseCode(503);
      assert.equal(counter(store, 'cluster.c.membership_healthy'), 0, 'the gauge moves at once');
      assert.deepEqual([...new Set(picks(c))], [2], 'the balancer waits for the merge window');
      await waitFor(() => new Set(picks(c, 4)).size === 2, 1000);
      assert.ok(counter(store, 'cluster.c.lb_healthy_panic') > 0, 'both ejected: panic');
    } finally {
      c.destroy();
    }
    const zero = newCluster({ outlierDetection: od, updateMergeWindowMs: 0 }, [1, 2]);
    zero.c.hosts[0].outlier?.putHttpResponseCode(503);
    zero.c.hosts[1].outlier?.putHttpResponseCode(503);
    assert.equal(new Set(picks(zero.c)).size, 2, 'window 0: every update at once');
    zero.c.destroy();
  });

  it('a changed cluster config starts a new detector: ejections are forgotten, as when Envoy rebuilds the cluster', () => {
    const od = { ...OUTLIER_DEFAULTS, consecutive5xx: 1, maxEjectionPercent: 100, maxEjectionTimeMs: 300_000 };
    const { c, store } = newCluster({ outlierDetection: od, updateMergeWindowMs: 0 }, [1, 2]);
    c.hosts[0].outlier?.putHttpResponseCode(503);
    assert.equal(counter(store, 'cluster.c.outlier_detection.ejections_active'), 1);
    c.update({ ...c.config, outlierDetection: { ...od, consecutive5xx: 2 }, raw: { changed: true } });
    assert.equal(c.hosts[0].outlierEjected, false);
    assert.equal(counter(store, 'cluster.c.outlier_detection.ejections_active'), 0);
    assert.deepEqual([...new Set(picks(c))].sort(), [1, 2]);
    c.destroy();
  });

  it('omit_host_metadata matches every label of a set, a list value when it holds the label; empty sets never reject', () => {
    assert.equal(hostMetadataMatches({ version: 'v1' }, { version: 'v1', zone: 'a' }), true);
    assert.equal(hostMetadataMatches({ version: 'v1', zone: 'b' }, { version: 'v1', zone: 'a' }), false, 'all keys must match');
    assert.equal(hostMetadataMatches({ version: 'canary' }, { version: ['v1', 'canary'] }), true, 'list_as_any');
    assert.equal(hostMetadataMatches({ n: 1 }, { n: 1 }), true);
    assert.equal(hostMetadataMatches({ n: 1 }, { n: '1' }), false, 'Value kinds must agree');
    assert.equal(hostMetadataMatches({ s: { a: [1] } }, { s: { a: [1] } }), true, 'structs compare deeply');
    assert.equal(hostMetadataMatches({ version: 'v1' }, undefined), false, 'no envoy.lb metadata: never rejected');
    assert.equal(hostMetadataMatches({}, { version: 'v1' }), false, 'no criteria: never rejected');
    const a = { lbMetadata: { version: 'v1' } } as unknown as Host;
    const b = { lbMetadata: { version: 'v2' } } as unknown as Host;
    assert.equal(retryHostRejecter(undefined, [{}]), undefined);
    const reject = retryHostRejecter([b], [{ version: 'v1' }]);
    assert.deepEqual([reject?.(a), reject?.(b)], [true, true], 'previous_hosts and omit_host_metadata combine (any predicate)');
  });

  it('tcp_proxy reports connect outcomes to the outlier detector: a refused connect is a 5xx without the split, a local-origin failure with it', async () => {
    const dead = await deadPort();
    const od = { ...OUTLIER_DEFAULTS, consecutive5xx: 1, consecutiveLocalOriginFailure: 1, maxEjectionPercent: 100, maxEjectionTimeMs: 300_000 };
    const rt = await startRuntime(snapshot(
      [tcpListener('plain', { cluster: 'plain' }), tcpListener('split', { cluster: 'split' })],
      [cluster('plain', [{ port: dead }], { outlierDetection: od }), cluster('split', [{ port: dead }], { outlierDetection: { ...od, splitExternalLocalOriginErrors: true } })],
    ));
    try {
      for (const name of ['plain', 'split']) {
        await new Promise<void>((resolve) => {
          const sock = net.connect(rt.port(name), '127.0.0.1');
          sock.on('error', () => {});
          sock.on('close', () => resolve());
        });
      }
      await waitFor(() => rt.counter('cluster.split.outlier_detection.ejections_enforced_consecutive_local_origin_failure') === 1);
      assert.equal(rt.counter('cluster.plain.outlier_detection.ejections_enforced_consecutive_5xx'), 1);
      assert.equal(rt.counter('cluster.split.outlier_detection.ejections_detected_consecutive_5xx'), 0);
    } finally {
      await rt.close();
    }
  });

  it('HTTP/2 pool: max_requests_per_connection drains a connection after N streams; idle_timeout closes an idle one', async function () {
    this.timeout(10_000);
    let connections = 0;
    const srv = http2.createServer();
    srv.on('connection', () => connections++);
    srv.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.respond({ ':status': 200 });
      stream.end('ok');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as AddressInfo).port;
    const rt = await startRuntime(snapshot(
      [httpListener('h', [vhost('v', ['*'], [prefixRoute('/', routeAction('h2c'))])])],
      [cluster('h2c', [{ port }], { http2: true, upstreamConnection: { maxRequestsPerConnection: 2, idleTimeoutMs: 200 } })],
    ));
    try {
      for (let i = 0; i < 5; i++) assert.equal((await request(`${rt.url()}/${i}`)).status, 200);
      assert.equal(rt.counter('cluster.h2c.upstream_cx_total'), 3);
      assert.equal(rt.counter('cluster.h2c.upstream_cx_max_requests'), 2, 'the third connection took one stream only');
      assert.equal(connections, 3);
      await sleep(400);
      assert.equal(rt.counter('cluster.h2c.upstream_cx_idle_timeout'), 1, 'the last connection idled out');
      await waitFor(() => rt.gauge('cluster.h2c.upstream_cx_active') === 0);
    } finally {
      await rt.close();
      srv.close();
    }
  });
});
