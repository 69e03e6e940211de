import type { JsonObject } from '../../src/lib/protos/protoJson';
import { buildSnapshot, ResourceEncoder, type Snapshot } from '../../src/xds/cache/snapshot';
import type { XdsResources } from '../../src/xds/resources';

/** Small valid Envoy v3 resources (proto3 JSON) for server tests. */

const ads: JsonObject = { ads: {}, resourceApiVersion: 'V3' };

export function cluster(name: string, extra: JsonObject = {}): JsonObject {
  return { name, type: 'EDS', edsClusterConfig: { edsConfig: ads }, ...extra };
}

export function endpoints(clusterName: string, ...ports: number[]): JsonObject {
  const lbEndpoints = ports.map((portValue) => ({ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue } } } }));
  return { clusterName, endpoints: [{ lbEndpoints }] };
}

export function listener(name: string, port: number, routeConfigName: string): JsonObject {
  const hcm: JsonObject = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    statPrefix: name,
    rds: { routeConfigName, configSource: ads },
    httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
  };
  return {
    name,
    address: { socketAddress: { address: '127.0.0.1', portValue: port } },
    filterChains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typedConfig: hcm }] }],
  };
}

export function routeConfig(name: string, clusterName: string, prefix = '/'): JsonObject {
  return { name, virtualHosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix }, route: { cluster: clusterName } }] }] };
}

export function snapshotOf(viewKey: string, parts: Partial<XdsResources>, encoder = new ResourceEncoder()): Snapshot {
  return buildSnapshot(viewKey, { listeners: [], routes: [], clusters: [], endpoints: [], ...parts }, encoder);
}

/** A full view: clusters c1, c2 with endpoints, listener l1 → route r1 → c1. */
export function baseResources(): XdsResources {
  return {
    clusters: [cluster('c1'), cluster('c2')],
    endpoints: [endpoints('c1', 8081), endpoints('c2', 8082)],
    listeners: [listener('l1', 15001, 'r1')],
    routes: [routeConfig('r1', 'c1')],
  };
}
