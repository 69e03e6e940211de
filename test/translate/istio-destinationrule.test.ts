/**
 * IR cluster settings → Envoy Cluster and ClusterLoadAssignment, exactly as Istio's cluster
 * builder emits them (spec/sources-istio.md §4.1-§4.3, §5.1-§5.3). Every resource is also
 * round-tripped through Envoy's protos, so a misspelt or non-canonical field fails here.
 */
import * as assert from 'node:assert/strict';
import { decodeJson, encodeJson, type JsonObject } from '../../src/lib/protos/protoJson';
import { emptyMesh, type ClusterPolicy, type Provenance, type Service, type Subset, type TrafficPolicy } from '../../src/ir/model';
import { translateMesh } from '../../src/xds/translate';
import { resourcesAsJson } from '../../src/admin/configDump';

const DR: Provenance = { kind: 'DestinationRule', apiVersion: 'networking.istio.io/v1', namespace: 'default', name: 'dr' };

function service(over: Partial<Service> = {}): Service {
  return {
    host: 'svc.example.com',
    namespace: 'default',
    addresses: [],
    ports: [{ number: 80, name: 'http', protocol: 'HTTP' }],
    resolution: 'STATIC',
    endpoints: [
      { address: '10.0.0.1', ports: {}, labels: { version: 'v1' } },
      { address: '10.0.0.2', ports: {}, labels: { version: 'v2', track: 'canary' } },
    ],
    external: false,
    source: { kind: 'ServiceEntry', apiVersion: 'networking.istio.io/v1', namespace: 'default', name: 'svc' },
    ...over,
  };
}

function policy(p: TrafficPolicy, port = 80, subset?: string): ClusterPolicy {
  return { port, ...(subset ? { subset } : {}), policy: p, source: DR };
}

function translate(services: Service[]): JsonObject {
  const out = resourcesAsJson(translateMesh({ ...emptyMesh(), services }));
  for (const [key, type] of [['clusters', 'envoy.config.cluster.v3.Cluster'], ['endpoints', 'envoy.config.endpoint.v3.ClusterLoadAssignment']] as const) {
    for (const r of out[key] as JsonObject[]) {
      const { ['@type']: _t, ...body } = r;
      // An empty assignment is written `endpoints: []`, which proto3 JSON would leave out.
      if (Array.isArray(body.endpoints) && body.endpoints.length === 0) delete body.endpoints;
      assert.deepEqual(decodeJson(type, encodeJson(type, body)), body, `${key} ${String(body.name ?? body.clusterName)} round-trips through Envoy's protos`);
    }
  }
  return out;
}

function cluster(out: JsonObject, name: string): JsonObject {
  const c = (out.clusters as JsonObject[]).find((x) => x.name === name);
  assert.ok(c, `no cluster ${name}; have ${(out.clusters as JsonObject[]).map((x) => x.name).join(', ')}`);
  return c;
}

const MAX = 4294967295;

describe('translate: DestinationRule settings → Cluster (sources-istio.md §5)', () => {
  it('§5.1 without a policy: one threshold entry at 2^32-1, connect timeout 10s, LEAST_REQUEST, no protocol options', () => {
    const c = cluster(translate([service()]), 'outbound|80||svc.example.com');
    assert.deepEqual(c.circuitBreakers, { thresholds: [{ maxConnections: MAX, maxPendingRequests: MAX, maxRequests: MAX, maxRetries: MAX }] });
    assert.equal(c.connectTimeout, '10s');
    assert.equal(c.lbPolicy, 'LEAST_REQUEST');
    assert.equal(c.typedExtensionProtocolOptions, undefined);
    assert.equal(c.outlierDetection, undefined);
    assert.equal(c.commonLbConfig, undefined);
  });

  it('§5.1 connectionPool overrides each threshold it sets, and the connect timeout', () => {
    const s = service({ clusterPolicies: [policy({ connectionPool: { maxConnections: 100, maxPendingRequests: 10, maxRetries: 1, connectTimeoutMs: 30 } })] });
    const c = cluster(translate([s]), 'outbound|80||svc.example.com');
    assert.deepEqual(c.circuitBreakers, { thresholds: [{ maxConnections: 100, maxPendingRequests: 10, maxRequests: MAX, maxRetries: 1 }] });
    assert.equal(c.connectTimeout, '0.030s');
  });

  it('§5.1 maxRequestsPerConnection, idleTimeout and maxConnectionDuration go to HttpProtocolOptions', () => {
    const s = service({ clusterPolicies: [policy({ connectionPool: { maxRequestsPerConnection: 10, idleTimeoutMs: 30_000, maxConnectionDurationMs: 3_600_000 } })] });
    const c = cluster(translate([s]), 'outbound|80||svc.example.com');
    assert.deepEqual(c.typedExtensionProtocolOptions, {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        commonHttpProtocolOptions: { idleTimeout: '30s', maxConnectionDuration: '3600s', maxRequestsPerConnection: 10 },
        explicitHttpConfig: { httpProtocolOptions: {} },
      },
    });
  });

  it('§5.1 an HTTP2/GRPC port keeps http2ProtocolOptions next to the pool options', () => {
    const s = service({ ports: [{ number: 9090, name: 'grpc', protocol: 'GRPC' }], clusterPolicies: [policy({ connectionPool: { idleTimeoutMs: 1000 } }, 9090)] });
    const options = cluster(translate([s]), 'outbound|9090||svc.example.com').typedExtensionProtocolOptions as JsonObject;
    const http = options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as JsonObject;
    assert.deepEqual(http.explicitHttpConfig, { http2ProtocolOptions: {} });
    assert.deepEqual(http.commonHttpProtocolOptions, { idleTimeout: '1s' });
  });

  it('§5.2 outlier detection: consecutive errors enforced at 100 (0 when 0), success rate off, panic threshold from minHealthPercent', () => {
    const s = service({
      clusterPolicies: [policy({
        outlierDetection: {
          consecutive5xxErrors: 7, consecutiveGatewayErrors: 0, intervalMs: 300_000, baseEjectionTimeMs: 900_000,
          maxEjectionPercent: 50, minHealthPercent: 20, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 3,
        },
      })],
    });
    const c = cluster(translate([s]), 'outbound|80||svc.example.com');
    assert.deepEqual(c.outlierDetection, {
      consecutive5xx: 7, enforcingConsecutive5xx: 100, interval: '300s', baseEjectionTime: '900s', maxEjectionPercent: 50,
      enforcingSuccessRate: 0, consecutiveGatewayFailure: 0, enforcingConsecutiveGatewayFailure: 0,
      splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 3, enforcingConsecutiveLocalOriginFailure: 100,
      enforcingLocalOriginSuccessRate: 0,
    });
    assert.deepEqual(c.commonLbConfig, { healthyPanicThreshold: { value: 20 } });
  });

  it('§5.2 unset counts keep Envoy\'s defaults; minHealthPercent 0 disables panic mode (an empty Percent)', () => {
    const c = cluster(translate([service({ clusterPolicies: [policy({ outlierDetection: { minHealthPercent: 0 } })] })]), 'outbound|80||svc.example.com');
    assert.deepEqual(c.outlierDetection, { enforcingSuccessRate: 0 });
    assert.deepEqual(c.commonLbConfig, { healthyPanicThreshold: {} });
  });

  it('§5.3 a retry budget goes on thresholds[0]', () => {
    const c = cluster(translate([service({ clusterPolicies: [policy({ retryBudget: { budgetPercent: 20, minRetryConcurrency: 3 } })] })]), 'outbound|80||svc.example.com');
    const threshold = (c.circuitBreakers as { thresholds: JsonObject[] }).thresholds[0];
    assert.deepEqual(threshold.retryBudget, { budgetPercent: { value: 20 }, minRetryConcurrency: 3 });
    assert.equal(threshold.maxRetries, MAX);
  });

  it('load balancer: ROUND_ROBIN (proto3 default, omitted), RANDOM, and consistent hashing as RING_HASH', () => {
    const lb = (p: TrafficPolicy): JsonObject => {
      const c = cluster(translate([service({ clusterPolicies: [policy(p)] })]), 'outbound|80||svc.example.com');
      return { lbPolicy: c.lbPolicy ?? null, ringHashLbConfig: c.ringHashLbConfig ?? null };
    };
    assert.deepEqual(lb({ loadBalancer: { simple: 'ROUND_ROBIN' } }), { lbPolicy: null, ringHashLbConfig: null });
    assert.deepEqual(lb({ loadBalancer: { simple: 'RANDOM' } }), { lbPolicy: 'RANDOM', ringHashLbConfig: null });
    assert.deepEqual(lb({ loadBalancer: { simple: 'LEAST_REQUEST' } }), { lbPolicy: 'LEAST_REQUEST', ringHashLbConfig: null });
    assert.deepEqual(lb({ loadBalancer: { consistentHash: true } }), { lbPolicy: 'RING_HASH', ringHashLbConfig: { minimumRingSize: '1024' } });
  });

  it('PASSTHROUGH resolves the request\'s Host (dynamic forward proxy), with no EDS assignment', () => {
    const out = translate([service({ clusterPolicies: [policy({ loadBalancer: { simple: 'PASSTHROUGH' } })] })]);
    const c = cluster(out, 'outbound|80||svc.example.com');
    assert.equal(c.lbPolicy, 'CLUSTER_PROVIDED');
    assert.equal((c.clusterType as JsonObject).name, 'envoy.clusters.dynamic_forward_proxy');
    assert.deepEqual((out.endpoints as JsonObject[]).map((e) => e.clusterName), []);
  });

  it('metadata names where the policy came from', () => {
    const c = cluster(translate([service({ clusterPolicies: [policy({ loadBalancer: { simple: 'RANDOM' } })] })]), 'outbound|80||svc.example.com');
    assert.deepEqual((c.metadata as { filterMetadata: JsonObject }).filterMetadata.ricochet, { source: 'ServiceEntry default/svc', trafficPolicyFrom: 'DestinationRule default/dr' });
  });
});

describe('translate: DestinationRule subsets → clusters and endpoints (sources-istio.md §4.3)', () => {
  const subsets: Subset[] = [{ name: 'v1', labels: { version: 'v1' } }, { name: 'canary', labels: { version: 'v2', track: 'canary' } }, { name: 'none', labels: { version: 'v9' } }];

  it('one EDS cluster per port and subset, each with its own policy and a ClusterLoadAssignment of the matching endpoints', () => {
    const s = service({ subsets, clusterPolicies: [policy({ connectionPool: { maxRetries: 1 } }, 80, 'v1')] });
    const out = translate([s]);
    assert.deepEqual((out.clusters as JsonObject[]).map((c) => c.name), [
      'outbound|80||svc.example.com', 'outbound|80|v1|svc.example.com', 'outbound|80|canary|svc.example.com', 'outbound|80|none|svc.example.com', 'PassthroughCluster',
    ]);
    const v1 = cluster(out, 'outbound|80|v1|svc.example.com');
    assert.equal((v1.circuitBreakers as { thresholds: JsonObject[] }).thresholds[0].maxRetries, 1);
    assert.deepEqual((v1.edsClusterConfig as JsonObject).serviceName, 'outbound|80|v1|svc.example.com');
    assert.equal(((v1.metadata as JsonObject).filterMetadata as { istio: JsonObject }).istio.subset, 'v1');
    assert.equal((cluster(out, 'outbound|80||svc.example.com').circuitBreakers as { thresholds: JsonObject[] }).thresholds[0].maxRetries, MAX);
    const addresses = (name: string): string[] => {
      const cla = (out.endpoints as JsonObject[]).find((e) => e.clusterName === name) as { endpoints: Array<{ lbEndpoints: Array<{ endpoint: { address: { socketAddress: { address: string } } } }> }> };
      return (cla.endpoints ?? []).flatMap((l) => l.lbEndpoints.map((e) => e.endpoint.address.socketAddress.address));
    };
    assert.deepEqual(addresses('outbound|80||svc.example.com'), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(addresses('outbound|80|v1|svc.example.com'), ['10.0.0.1']);
    assert.deepEqual(addresses('outbound|80|canary|svc.example.com'), ['10.0.0.2']);
    assert.deepEqual(addresses('outbound|80|none|svc.example.com'), []);
  });

  it('DNS: the endpoints are filtered inline; a subset nothing matches gets no cluster; a DNS host without endpoints has no labels', () => {
    const dns = service({ resolution: 'DNS', endpoints: [{ address: 'a.example.com', ports: {}, labels: { version: 'v1' } }], subsets });
    const out = translate([dns]);
    assert.deepEqual((out.clusters as JsonObject[]).map((c) => c.name), ['outbound|80||svc.example.com', 'outbound|80|v1|svc.example.com', 'PassthroughCluster']);
    const bare = translate([service({ resolution: 'DNS', endpoints: [], subsets: [{ name: 'any', labels: {} }, ...subsets] })]);
    assert.deepEqual((bare.clusters as JsonObject[]).map((c) => c.name), ['outbound|80||svc.example.com', 'outbound|80|any|svc.example.com', 'PassthroughCluster']);
  });
});
