import * as assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { silentLogger } from '../../../src/lib/log';
import { startDataplane, type DataplaneRuntimeLike, type FedSnapshot, type RunningDataplane } from '../../../src/dataplane';
import { parseBootstrap } from '../../../src/dataplane/config/bootstrap';
import type { DpSnapshot } from '../../../src/dataplane/config/model';
import { snapshotFromResources } from '../../../src/dataplane/config/snapshot';
import { DataplaneRuntime } from '../../../src/dataplane/runtime';
import { translateMesh } from '../../../src/xds/translate';
import { eventually } from '../../support/adsClient';
import { request } from '../../support/http';

const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };

function staticBootstrap(): object {
  return {
    node: { id: 'static' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [{
        name: 'http', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{ filters: [{ name: 'hcm', typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          stat_prefix: 'ingress',
          route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'from the data plane\n' } } }] }] },
          http_filters: [ROUTER],
        } }] }],
      }],
    },
  };
}

/** Records what it is asked to apply. */
class RecordingRuntime implements DataplaneRuntimeLike {
  applied: DpSnapshot[] = [];
  closed = false;
  async apply(snapshot: DpSnapshot): Promise<void> {
    this.applied.push(snapshot);
  }
  clusterStatus(): ReturnType<DataplaneRuntimeLike['clusterStatus']> {
    return [];
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('startDataplane: bootstrap → runtime → admin', function () {
  this.timeout(10_000);
  const running: RunningDataplane[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((d) => d.close()));
  });

  it('serves a static bootstrap with the real runtime; /ready turns LIVE', async () => {
    const dp = await startDataplane({ bootstrap: parseBootstrap(staticBootstrap()), logger: silentLogger() });
    running.push(dp);
    await dp.ready;
    assert.equal(dp.serverState(), 'LIVE');
    const admin = `http://127.0.0.1:${dp.admin?.port}`;
    const ready = await request(`${admin}/ready`);
    assert.deepEqual([ready.status, ready.body], [200, 'LIVE\n']);
    const listenerPort = (dp.runtime as DataplaneRuntime).listenerAddresses()[0].port;
    const res = await request(`http://127.0.0.1:${listenerPort}/anything`);
    assert.deepEqual([res.status, res.body], [200, 'from the data plane\n']);
    const dump = JSON.parse((await request(`${admin}/config_dump`)).body);
    assert.equal(dump.configs[0].bootstrap.node.id, 'static');
    assert.equal(dump.configs[2].static_listeners[0].listener.name, 'http');
    assert.equal(dump.configs[4].static_route_configs.length, 1);
    assert.equal(dump.configs[0].bootstrap.node.user_agent_name, 'ricochet');
  });

  it('applies in-process snapshots one at a time, newest wins, and reports them in /config_dump', async () => {
    const feed = new Subject<FedSnapshot>();
    const runtime = new RecordingRuntime();
    const dp = await startDataplane({ snapshotSource: feed, admin: { address: '127.0.0.1', port: 0 }, logger: silentLogger(), runtimeFactory: () => runtime });
    running.push(dp);
    const admin = `http://127.0.0.1:${dp.admin?.port}`;
    assert.equal((await request(`${admin}/ready`)).body, 'INITIALIZING\n');

    const converted = snapshotFromResources(translateMesh({ services: [], virtualHosts: [] }));
    feed.next({ snapshot: converted.snapshot, unsupported: converted.unsupported, cause: 'test' });
    await dp.ready;
    assert.equal(runtime.applied.length, 1);
    assert.equal((await request(`${admin}/ready`)).status, 200);
    const clusters = (await request(`${admin}/clusters`)).body;
    assert.ok(clusters.includes('PassthroughCluster::added_via_api::true'));
    await dp.close();
    assert.equal(runtime.closed, true);
  });

  it('starts an ADS client for an ADS bootstrap and stays INITIALIZING until the control plane answers', async () => {
    const bootstrap = parseBootstrap({
      node: { id: 'n' },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
      dynamic_resources: {
        ads_config: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] },
        cds_config: { ads: {}, initial_fetch_timeout: '0.2s' },
        lds_config: { ads: {}, initial_fetch_timeout: '0.2s' },
      },
      static_resources: {
        // Nothing listens on port 1: the client keeps retrying, the proxy goes LIVE on static config after the timeouts.
        clusters: [{ name: 'xds', load_assignment: { cluster_name: 'xds', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 1 } } } }] }] } }],
      },
    });
    const runtime = new RecordingRuntime();
    const dp = await startDataplane({ bootstrap, logger: silentLogger(), runtimeFactory: () => runtime, adsReconnect: { baseMs: 10, maxMs: 50 } });
    running.push(dp);
    assert.ok(dp.ads);
    assert.equal(dp.serverState(), 'INITIALIZING');
    await eventually(() => assert.equal(dp.serverState(), 'LIVE'), 5000);
    assert.deepEqual([...(runtime.applied[0]?.clusters.keys() ?? [])], ['xds']);
  });
});
