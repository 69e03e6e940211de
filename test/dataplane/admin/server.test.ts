import * as assert from 'node:assert/strict';
import { AdminServer, prometheusName, type AdminConfigSource, type ClusterStatus, type ServerState } from '../../../src/dataplane/admin/server';
import { buildConfigDump } from '../../../src/dataplane/admin/configDump';
import { parseBootstrap, type LoadedBootstrap } from '../../../src/dataplane/config/bootstrap';
import type { DpSnapshot } from '../../../src/dataplane/config/model';
import { StatsStore } from '../../../src/dataplane/stats/store';
import { request } from '../../support/http';

const BOOTSTRAP = {
  node: { id: 'n1', cluster: 'c', metadata: { NAMESPACE: 'default' } },
  admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
  static_resources: {
    clusters: [{
      name: 'backend', connect_timeout: '1s',
      circuit_breakers: { thresholds: [{ max_retries: 7 }] },
      load_assignment: { cluster_name: 'backend', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 18080 } } } }] }] },
    }],
  },
};

describe('dataplane admin endpoint (Envoy\'s paths and formats)', () => {
  let admin: AdminServer;
  let stats: StatsStore;
  let state: ServerState;
  let bootstrap: LoadedBootstrap;
  let hosts: ClusterStatus[];
  let base: string;

  beforeEach(async () => {
    stats = new StatsStore();
    state = 'LIVE';
    bootstrap = parseBootstrap(BOOTSTRAP);
    hosts = [{ cluster: 'backend', hosts: [{ address: '127.0.0.1', port: 18080, cxActive: 2, rqTotal: 5, rqActive: 1, healthy: true }] }];
    const snapshot: DpSnapshot = bootstrap.staticSnapshot;
    const config: AdminConfigSource = {
      serverState: () => state,
      snapshot: () => snapshot,
      isStaticCluster: (name) => name === 'backend',
      configDump: ({ includeEds }) => buildConfigDump({ bootstrap: bootstrap.raw, loadedAt: new Date(0), snapshot }, { includeEds }),
      node: () => bootstrap.node.raw,
    };
    admin = await AdminServer.start({ address: '127.0.0.1', port: 0, stats, config, clusterStatus: () => ({ clusterStatus: () => hosts }) });
    base = `http://127.0.0.1:${admin.port}`;
    stats.counter('cluster.backend.upstream_rq_retry').inc(3);
    stats.counter('cluster.backend.upstream_rq_retry_success').inc(2);
    stats.counter('cluster.backend.upstream_rq_503').inc(1);
    stats.counter('cluster.backend.upstream_rq_5xx').inc(1);
    stats.gauge('cluster.backend.upstream_cx_active').set(2);
    stats.counter('http.ingress.downstream_rq_total').inc(4);
  });

  afterEach(async () => {
    await admin.close();
  });

  it('/stats: `name: value` lines sorted by name, counters and gauges together', async () => {
    const res = await request(`${base}/stats`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const lines = res.body.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 5), [
      'cluster.backend.upstream_cx_active: 2',
      'cluster.backend.upstream_rq_503: 1',
      'cluster.backend.upstream_rq_5xx: 1',
      'cluster.backend.upstream_rq_retry: 3',
      'cluster.backend.upstream_rq_retry_success: 2',
    ]);
    assert.ok(lines.includes('server.live: 1'));
    assert.deepEqual([...lines].sort(), lines, 'sorted');
    // The check users run against Envoy works unchanged.
    assert.deepEqual(lines.filter((l) => l.includes('upstream_rq_retry')), ['cluster.backend.upstream_rq_retry: 3', 'cluster.backend.upstream_rq_retry_success: 2']);
  });

  it('/stats?filter=<regex> (partial match) and ?format=json like Envoy', async () => {
    const filtered = await request(`${base}/stats?filter=${encodeURIComponent('^cluster\\.backend\\.upstream_rq_retry$')}`);
    assert.equal(filtered.body, 'cluster.backend.upstream_rq_retry: 3\n');
    const partial = await request(`${base}/stats?filter=rq_retry`);
    assert.equal(partial.body.trimEnd().split('\n').length, 2);
    const json = await request(`${base}/stats?format=json&filter=backend`);
    assert.equal(json.status, 200);
    assert.match(String(json.headers['content-type']), /application\/json/);
    assert.deepEqual(JSON.parse(json.body), {
      stats: [
        { name: 'cluster.backend.upstream_cx_active', value: 2 },
        { name: 'cluster.backend.upstream_rq_503', value: 1 },
        { name: 'cluster.backend.upstream_rq_5xx', value: 1 },
        { name: 'cluster.backend.upstream_rq_retry', value: 3 },
        { name: 'cluster.backend.upstream_rq_retry_success', value: 2 },
      ],
    });
    const bad = await request(`${base}/stats?filter=${encodeURIComponent('(')}`);
    assert.equal(bad.status, 400);
    stats.counter('cluster.backend.upstream_rq_timeout');
    const used = await request(`${base}/stats?usedonly&filter=backend`);
    assert.ok(!used.body.includes('upstream_rq_timeout'));
  });

  it('/stats/prometheus: Envoy-style names with the cluster, prefix and response code as labels', async () => {
    const res = await request(`${base}/stats/prometheus`);
    assert.equal(res.status, 200);
    assert.match(res.body, /# TYPE envoy_cluster_upstream_rq_retry counter\nenvoy_cluster_upstream_rq_retry\{envoy_cluster_name="backend"\} 3\n/);
    assert.match(res.body, /envoy_cluster_upstream_rq\{envoy_cluster_name="backend",envoy_response_code="503"\} 1/);
    assert.match(res.body, /envoy_cluster_upstream_rq_xx\{envoy_cluster_name="backend",envoy_response_code_class="5"\} 1/);
    assert.match(res.body, /# TYPE envoy_cluster_upstream_cx_active gauge/);
    assert.match(res.body, /envoy_http_downstream_rq_total\{envoy_http_conn_manager_prefix="ingress"\} 4/);
    assert.deepEqual(prometheusName('cluster.outbound|80||a.b.retry.upstream_rq_503', ['outbound|80||a.b']), {
      metric: 'envoy_cluster_retry_upstream_rq', labels: [['envoy_cluster_name', 'outbound|80||a.b'], ['envoy_response_code', '503']],
    });
  });

  it('/clusters: Envoy\'s `<cluster>::<host:port>::<stat>::<value>` lines, and a JSON form', async () => {
    const res = await request(`${base}/clusters`);
    assert.equal(res.status, 200);
    const lines = res.body.trimEnd().split('\n');
    for (const line of [
      'backend::observability_name::backend',
      'backend::default_priority::max_connections::1024',
      'backend::default_priority::max_retries::7',
      'backend::high_priority::max_retries::3',
      'backend::added_via_api::false',
      'backend::127.0.0.1:18080::cx_active::2',
      'backend::127.0.0.1:18080::rq_active::1',
      'backend::127.0.0.1:18080::rq_total::5',
      'backend::127.0.0.1:18080::health_flags::healthy',
      'backend::127.0.0.1:18080::weight::1',
    ]) {
      assert.ok(lines.includes(line), `missing ${line} in\n${res.body}`);
    }
    hosts = [{ cluster: 'backend', hosts: [{ address: '127.0.0.1', port: 18080, cxActive: 0, rqTotal: 0, rqActive: 0, healthy: false }] }];
    const down = await request(`${base}/clusters`);
    assert.ok(down.body.includes('backend::127.0.0.1:18080::health_flags::/failed_eds_health'));

    hosts = [{ cluster: 'backend', hosts: [{ address: '127.0.0.1', port: 18080, cxActive: 2, rqTotal: 5, rqActive: 0, healthy: true }] }];
    const json = JSON.parse((await request(`${base}/clusters?format=json`)).body);
    const [status] = json.cluster_statuses;
    assert.equal(status.name, 'backend');
    assert.equal(status.added_via_api, undefined, 'false is omitted, as proto3 JSON does');
    assert.deepEqual(status.host_statuses[0].address, { socket_address: { address: '127.0.0.1', port_value: 18080 } });
    assert.deepEqual(status.host_statuses[0].stats.find((s: { name: string }) => s.name === 'rq_total'), { name: 'rq_total', value: '5' });
    assert.deepEqual(status.host_statuses[0].stats.find((s: { name: string }) => s.name === 'rq_active'), { name: 'rq_active', type: 'GAUGE' });
    assert.deepEqual(status.host_statuses[0].stats.map((s: { name: string }) => s.name), [
      'cx_connect_fail', 'cx_total', 'rq_error', 'rq_success', 'rq_timeout', 'rq_total', 'cx_active', 'rq_active', 'rq_pending_active',
    ], 'counters, then gauges, as Envoy lists them');
    assert.deepEqual(status.host_statuses[0].health_status, { eds_health_status: 'HEALTHY' });
    assert.equal(status.circuit_breakers.thresholds[0].max_retries, 7);
  });

  it('/config_dump: Envoy\'s ConfigDump with proto field names; ?include_eds adds endpoints', async () => {
    const dump = JSON.parse((await request(`${base}/config_dump`)).body);
    assert.deepEqual(dump.configs.map((c: { '@type': string }) => c['@type']), [
      'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump',
      'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
      'type.googleapis.com/envoy.admin.v3.ScopedRoutesConfigDump',
      'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
      'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
    ]);
    assert.equal(dump.configs[0].bootstrap.node.id, 'n1');
    assert.equal(dump.configs[0].last_updated, '1970-01-01T00:00:00.000Z');
    const [c] = dump.configs[1].static_clusters;
    assert.equal(c.cluster['@type'], 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
    assert.equal(c.cluster.connect_timeout, '1s');
    assert.equal(c.cluster.circuit_breakers.thresholds[0].max_retries, 7);
    const eds = JSON.parse((await request(`${base}/config_dump?include_eds`)).body);
    const endpoints = eds.configs.find((x: { '@type': string }) => x['@type'].endsWith('EndpointsConfigDump'));
    assert.equal(endpoints.static_endpoint_configs[0].endpoint_config.cluster_name, 'backend');
  });

  it('/ready: 200 LIVE once the initial config is applied, else 503 with the state', async () => {
    state = 'PRE_INITIALIZING';
    let res = await request(`${base}/ready`);
    assert.deepEqual([res.status, res.body], [503, 'PRE_INITIALIZING\n']);
    state = 'INITIALIZING';
    res = await request(`${base}/ready`);
    assert.deepEqual([res.status, res.body], [503, 'INITIALIZING\n']);
    state = 'LIVE';
    res = await request(`${base}/ready`);
    assert.deepEqual([res.status, res.body], [200, 'LIVE\n']);
    const info = JSON.parse((await request(`${base}/server_info`)).body);
    assert.equal(info.state, 'LIVE');
    assert.match(info.version, /^ricochet\//);
    assert.equal(info.node.id, 'n1');
    assert.match(info.uptime_current_epoch, /^\d+s$/);
  });

  it('POST /reset_counters zeroes counters and keeps gauges; GET on it is refused like Envoy (405)', async () => {
    const get = await request(`${base}/reset_counters`);
    assert.equal(get.status, 405);
    assert.equal(get.body, 'Method GET not allowed, POST required.');
    assert.equal(stats.counter('cluster.backend.upstream_rq_retry').value, 3, 'a GET changes nothing');
    const post = await request(`${base}/reset_counters`, { method: 'POST' });
    assert.deepEqual([post.status, post.body], [200, 'OK\n']);
    const after = await request(`${base}/stats?filter=backend`);
    assert.ok(after.body.includes('cluster.backend.upstream_rq_retry: 0'));
    assert.ok(after.body.includes('cluster.backend.upstream_cx_active: 2'), 'gauges keep their values');
  });

  it('answers an unknown path with 404 and the list of commands', async () => {
    const res = await request(`${base}/nope`);
    assert.equal(res.status, 404);
    assert.match(res.body, /^invalid path\. admin commands are:\n/);
    assert.match(res.body, /\/reset_counters \(POST\)/);
  });
});
