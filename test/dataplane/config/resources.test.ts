import * as assert from 'node:assert/strict';
import type { JsonObject } from '../../../src/lib/protos/protoJson';
import { RicochetError } from '../../../src/lib/errors';
import { normalizeMessage } from '../../../src/dataplane/config/normalize';
import { Findings, UnsupportedConfigError } from '../../../src/dataplane/config/fields';
import { routeConfigFromJson } from '../../../src/dataplane/config/route';
import type { DpRoute, DpRouteAction } from '../../../src/dataplane/config/model';
import { convertCluster, convertListener, convertLoadAssignment, convertRouteConfig, snapshotFromResources } from '../../../src/dataplane/config/snapshot';
import { clusterEndpoints } from '../../../src/dataplane/config/endpoints';
import { withEndpoints } from '../../../src/dataplane/config/cluster';
import { translateMesh } from '../../../src/xds/translate';
import { repoPath } from '../../support/paths';

const T = {
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  fault: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
  filterConfig: 'type.googleapis.com/envoy.config.route.v3.FilterConfig',
};

/** A RouteConfiguration in any spelling → canonical → converted. */
function routes(json: object): ReturnType<typeof convertRouteConfig> {
  return convertRouteConfig(normalizeMessage('envoy.config.route.v3.RouteConfiguration', json));
}

function cluster(json: object): ReturnType<typeof convertCluster> {
  return convertCluster(normalizeMessage('envoy.config.cluster.v3.Cluster', json));
}

function listener(hcm: object, extra: object = {}): ReturnType<typeof convertListener> {
  return convertListener(normalizeMessage('envoy.config.listener.v3.Listener', {
    name: 'l', address: { socket_address: { address: '127.0.0.1', port_value: 10000 } },
    filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': T.hcm, stat_prefix: 'in', ...hcm } }] }],
    ...extra,
  }));
}

const routerFilter = { name: 'envoy.filters.http.router', typed_config: { '@type': T.router } };

function action(r: DpRoute): DpRouteAction {
  assert.equal(r.action.kind, 'route');
  return r.action as DpRouteAction;
}

function vh(routesList: object[], extra: object = {}): object {
  return { name: 'rc', virtual_hosts: [{ name: 'v', domains: ['*'], routes: routesList, ...extra }] };
}

function rejectedPaths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UnsupportedConfigError, String(err));
    return err.unsupported.filter((u) => u.effect === 'rejected').map((u) => u.path);
  }
  return assert.fail('expected a rejection');
}

describe('dataplane config: xDS resources → data plane config', () => {
  it('serves what our control plane sends a sidecar, with nothing rejected', () => {
    const res = require(repoPath('test', 'golden', 'translate', 'local-flaky.json')) as { listeners: JsonObject[]; routes: JsonObject[]; clusters: JsonObject[]; endpoints: JsonObject[] };
    const out = snapshotFromResources(res);
    assert.deepEqual(out.warmingListeners, []);
    assert.ok(out.unsupported.every((u) => u.effect === 'ignored'));
    const flaky = out.snapshot.clusters.get('outbound|80||flaky.local');
    assert.equal(flaky?.type, 'EDS');
    assert.equal(flaky?.edsServiceName, 'outbound|80||flaky.local');
    assert.deepEqual(flaky?.endpoints, [{ address: '127.0.0.1', port: 8080, weight: 1 }]);
    assert.equal(flaky?.lbPolicy, 'LEAST_REQUEST');
    assert.equal(flaky?.connectTimeoutMs, 10_000);
    assert.equal(out.snapshot.clusters.get('PassthroughCluster')?.type, 'DYNAMIC_FORWARD_PROXY');
    const l = out.snapshot.listeners[0];
    assert.ok(l.filter.kind === 'http');
    assert.equal(l.filter.hcm.rdsName, '15001');
    assert.deepEqual(l.filter.hcm.httpFilters.map((f) => f.kind), ['fault', 'dynamic_forward_proxy', 'router']);
    const rc = out.snapshot.routeConfigs.get('15001');
    assert.ok(rc);
    const route = rc.virtualHosts[0].routes[0];
    assert.equal(action(route).timeoutMs, 0);
    assert.equal(action(route).retryPolicy?.numRetries, 4);
    assert.equal(action(route).retryPolicy?.hostSelectionRetryMaxAttempts, 5);
  });

  it('converts translateMesh output of an empty mesh too (egress listener, passthrough)', () => {
    const res = translateMesh({ services: [], virtualHosts: [] });
    const out = snapshotFromResources(res);
    assert.equal(out.snapshot.listeners.length, 1);
    assert.ok(out.snapshot.clusters.has('PassthroughCluster'));
  });

  it('uses the route retry policy if set, else the virtual host\'s, never a merge', () => {
    const rc = routes(vh([
      { match: { prefix: '/a' }, route: { cluster: 'c', retry_policy: { retry_on: 'reset' } } },
      { match: { prefix: '/b' }, route: { cluster: 'c' } },
    ], { retry_policy: { retry_on: '5xx', num_retries: 7, per_try_timeout: '1s' } })).routeConfig;
    const [a, b] = rc.virtualHosts[0].routes;
    assert.equal(action(a).retryPolicy?.retryOn, 'reset');
    assert.equal(action(a).retryPolicy?.numRetries, 1, 'num_retries defaults to 1, not the vhost\'s 7');
    assert.equal(action(a).retryPolicy?.perTryTimeoutMs, undefined);
    assert.equal(action(b).retryPolicy?.numRetries, 7);
    assert.equal(action(b).retryPolicy?.perTryTimeoutMs, 1000);
  });

  it('applies Envoy\'s retry defaults and checks back-off bounds', () => {
    const policy = (p: object) => action(routes(vh([{ match: { prefix: '/' }, route: { cluster: 'c', retry_policy: p } }])).routeConfig.virtualHosts[0].routes[0]).retryPolicy;
    assert.deepEqual(policy({ retry_on: '5xx', retry_back_off: { base_interval: '0.0001s' } })?.backOff, { baseIntervalMs: 1, maxIntervalMs: 10 }, 'below 1 ms rounds up');
    assert.deepEqual(policy({ retry_on: '5xx', retry_back_off: { base_interval: '0.1s', max_interval: '0.3s' } })?.backOff, { baseIntervalMs: 100, maxIntervalMs: 300 });
    assert.deepEqual(policy({ retry_on: 'envoy-ratelimited', rate_limited_retry_back_off: { reset_headers: [{ name: 'Retry-After' }, { name: 'X-RateLimit-Reset', format: 'UNIX_TIMESTAMP' }] } })?.rateLimitedBackOff, {
      resetHeaders: [{ name: 'Retry-After', format: 'SECONDS' }, { name: 'X-RateLimit-Reset', format: 'UNIX_TIMESTAMP' }], maxIntervalMs: 300_000,
    });
    assert.equal(policy({ retry_on: '5xx', num_retries: 0 })?.numRetries, 0, 'num_retries: 0 is legal');
    assert.equal(policy({ retry_on: '5xx', per_try_timeout: '0s' })?.perTryTimeoutMs, undefined);
    assert.equal(policy({
      retry_on: '5xx',
      retry_priority: { name: 'envoy.retry_priorities.previous_priorities', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', update_frequency: 2 } },
    })?.previousPrioritiesUpdateFrequency, 2);
    assert.throws(() => policy({ retry_on: '5xx', retry_back_off: { base_interval: '1s', max_interval: '0.5s' } }), /max_interval must be greater than or equal to the base_interval/);
    assert.throws(() => policy({ retry_on: '5xx', retry_back_off: { max_interval: '1s' } }), /base_interval is required/);
    assert.throws(() => policy({ retry_on: '5xx', rate_limited_retry_back_off: {} }), /at least one reset header/);
  });

  it('reads header matchers as Envoy does (presence when unspecified, lower-case names)', () => {
    const rc = routes(vh([{
      match: {
        prefix: '/',
        headers: [
          { name: 'X-A', exact_match: 'v' }, { name: 'x-b' }, { name: 'x-c', present_match: false },
          { name: 'x-d', string_match: { prefix: 'ab', ignore_case: true }, invert_match: true },
          { name: 'x-e', range_match: { start: 1, end: 10 } }, { name: 'x-f', safe_regex_match: { regex: '^a+$' } },
        ],
        query_parameters: [{ name: 'q', string_match: { exact: '1' } }, { name: 'p' }],
      },
      route: { cluster: 'c' },
    }])).routeConfig;
    const m = rc.virtualHosts[0].routes[0].match;
    assert.deepEqual(m.headers, [
      { name: 'x-a', exact: 'v', invert: false, ignoreCase: false },
      { name: 'x-b', present: true, invert: false, ignoreCase: false },
      { name: 'x-c', present: false, invert: false, ignoreCase: false },
      { name: 'x-d', prefix: 'ab', invert: true, ignoreCase: true },
      { name: 'x-e', range: { start: 1, end: 10 }, invert: false, ignoreCase: false },
      { name: 'x-f', safeRegex: '^a+$', invert: false, ignoreCase: false },
    ]);
    assert.deepEqual(m.queryParameters, [{ name: 'q', exact: '1' }, { name: 'p', present: true }]);
    assert.equal(m.caseSensitive, true);
  });

  it('takes fault config from the most specific typed_per_filter_config (route > virtual host > route configuration)', () => {
    const fault = (pct: number) => ({ '@type': T.fault, abort: { http_status: 500, percentage: { numerator: pct } } });
    const rc = routes({
      name: 'rc',
      typed_per_filter_config: { 'envoy.filters.http.fault': fault(1) },
      virtual_hosts: [
        {
          name: 'a', domains: ['a'],
          typed_per_filter_config: { 'envoy.filters.http.fault': fault(2) },
          routes: [
            { match: { prefix: '/r' }, route: { cluster: 'c' }, typed_per_filter_config: { 'envoy.filters.http.fault': fault(3) } },
            { match: { prefix: '/off' }, route: { cluster: 'c' }, typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': T.filterConfig, disabled: true } } },
            { match: { prefix: '/wrapped' }, route: { cluster: 'c' }, typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': T.filterConfig, config: fault(4) } } },
            { match: { prefix: '/' }, route: { cluster: 'c' } },
          ],
        },
        { name: 'b', domains: ['b'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] },
      ],
    }).routeConfig;
    const [r, off, wrapped, vhLevel] = rc.virtualHosts[0].routes;
    assert.deepEqual(r.fault, { abort: { httpStatus: 500, percent: 3 } });
    assert.deepEqual(off.fault, {});
    assert.deepEqual(wrapped.fault, { abort: { httpStatus: 500, percent: 4 } });
    assert.deepEqual(vhLevel.fault, { abort: { httpStatus: 500, percent: 2 } });
    assert.deepEqual(rc.virtualHosts[1].routes[0].fault, { abort: { httpStatus: 500, percent: 1 } });
  });

  it('converts fractional percentages and rejects fault fields it cannot honour', () => {
    const f = (p: object) => routes(vh([{ match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: { fault: { '@type': T.fault, ...p } } }])).routeConfig.virtualHosts[0].routes[0].fault;
    assert.deepEqual(f({ delay: { fixed_delay: '1s', percentage: { numerator: 250000, denominator: 'MILLION' } } }), { delay: { fixedDelayMs: 1000, percent: 25 } });
    assert.deepEqual(f({ abort: { grpc_status: 14 } }), { abort: { grpcStatus: 14, percent: 0 } }, 'no percentage: 0 %');
    assert.deepEqual(rejectedPaths(() => f({ abort: { http_status: 503, percentage: { numerator: 1 } }, headers: [{ name: 'x' }], max_active_faults: 1 })), [
      'RouteConfiguration[rc].virtual_hosts[0].routes[0].typed_per_filter_config["fault"].headers',
      'RouteConfiguration[rc].virtual_hosts[0].routes[0].typed_per_filter_config["fault"].max_active_faults',
    ]);
  });

  it('reads per-request buffer limits (route, else virtual host) and direct responses', () => {
    const rc = routes(vh([
      { match: { prefix: '/a' }, route: { cluster: 'c' }, per_request_buffer_limit_bytes: 10 },
      { match: { prefix: '/b' }, route: { cluster: 'c' } },
      { match: { path: '/teapot' }, direct_response: { status: 418, body: { inline_bytes: Buffer.from('short and stout').toString('base64') } } },
    ], { per_request_buffer_limit_bytes: 20 })).routeConfig;
    const [a, b, teapot] = rc.virtualHosts[0].routes;
    assert.equal(a.perRequestBufferLimitBytes, 10);
    assert.equal(b.perRequestBufferLimitBytes, 20);
    assert.deepEqual(teapot.action, { kind: 'direct', status: 418, body: 'short and stout' });
    assert.equal(teapot.match.path, '/teapot');
  });

  it('hedge_policy: hedge_on_per_try_timeout from the route, else the virtual host (§7.2)', () => {
    const hedge = (vhExtra: Record<string, unknown>, routeHedge?: Record<string, unknown>) => {
      const rc = routes(vh([{ match: { prefix: '/' }, route: { cluster: 'c', ...(routeHedge ? { hedge_policy: routeHedge } : {}) } }], vhExtra)).routeConfig;
      return action(rc.virtualHosts[0].routes[0]).hedgeOnPerTryTimeout;
    };
    assert.equal(hedge({}), undefined);
    assert.equal(hedge({}, { hedge_on_per_try_timeout: true }), true);
    assert.equal(hedge({}, { hedge_on_per_try_timeout: false }), undefined);
    assert.equal(hedge({ hedge_policy: { hedge_on_per_try_timeout: true } }), true);
    assert.equal(hedge({ hedge_policy: { hedge_on_per_try_timeout: true } }, {}), undefined, 'the route policy replaces the virtual host one');
  });

  it('rejects route features it does not implement, by path', () => {
    assert.deepEqual(rejectedPaths(() => routes(vh([{
      match: { prefix: '/', runtime_fraction: { default_value: { numerator: 50 } } },
      route: { cluster: 'c', hedge_policy: { hedge_on_per_try_timeout: true, initial_requests: 2 }, priority: 'HIGH', cluster_not_found_response_code: 'NOT_FOUND' },
      request_headers_to_add: [{ header: { key: 'x', value: 'y' } }],
    }]))), [
      'RouteConfiguration[rc].virtual_hosts[0].routes[0].request_headers_to_add',
      'RouteConfiguration[rc].virtual_hosts[0].routes[0].match.runtime_fraction',
      'RouteConfiguration[rc].virtual_hosts[0].routes[0].route.cluster_not_found_response_code',
      'RouteConfiguration[rc].virtual_hosts[0].routes[0].route.priority',
      'RouteConfiguration[rc].virtual_hosts[0].routes[0].route.hedge_policy.initial_requests',
    ]);
    assert.deepEqual(rejectedPaths(() => routes(vh([{ match: { prefix: '/' }, route: { cluster: 'c', retry_policy: {
      retry_on: '5xx',
      retry_host_predicate: [{ name: 'envoy.retry_host_predicates.other' }],
    } } }]))), ['RouteConfiguration[rc].virtual_hosts[0].routes[0].route.retry_policy.retry_host_predicate[0]']);
  });

  it('ignores, with a reason, route fields that do not change how requests are handled', () => {
    const out = routes(vh([{
      match: { prefix: '/' },
      route: { cluster: 'c', max_stream_duration: { grpc_timeout_header_max: '0s', max_stream_duration: '3s' }, hash_policy: [{ header: { header_name: 'x' } }] },
      decorator: { operation: 'op' },
      metadata: { filter_metadata: { x: {} } },
    }]));
    assert.deepEqual(out.unsupported.map((u) => u.path), [
      'RouteConfiguration[rc].virtual_hosts[0].routes[0].decorator',
    ]);
    assert.deepEqual(action(out.routeConfig.virtualHosts[0].routes[0]).hashPolicies, [{ kind: 'header', name: 'x', terminal: false }]);
    const a = action(out.routeConfig.virtualHosts[0].routes[0]);
    assert.equal(a.maxStreamDurationMs, 3000);
    assert.equal(a.grpcTimeoutHeaderMaxMs, 0);
    assert.equal(a.timeoutMs, 0, 'with max_stream_duration the router has no global timeout (Envoy\'s usingNewTimeouts)');
  });

  it('reads virtual_clusters (name + header matchers) and route stat_prefix for the vhost.* stats', () => {
    const out = routes(vh([
      { match: { prefix: '/a' }, route: { cluster: 'c' }, stat_prefix: 'ra' },
      { match: { prefix: '/' }, route: { cluster: 'c' } },
    ], { virtual_clusters: [{ name: 'vc', headers: [{ name: ':path', string_match: { prefix: '/a' } }, { name: 'X-Kind', exact_match: 'k' }] }] }));
    assert.deepEqual(out.unsupported, []);
    const host = out.routeConfig.virtualHosts[0];
    assert.deepEqual(host.virtualClusters?.map((vc) => [vc.name, vc.headers.map((m) => [m.name, m.prefix ?? m.exact])]), [['vc', [[':path', '/a'], ['x-kind', 'k']]]]);
    assert.equal(host.routes[0].statPrefix, 'ra');
    assert.equal(host.routes[1].statPrefix, undefined);
    assert.equal(routes(vh([])).routeConfig.virtualHosts[0].virtualClusters, undefined);
    assert.throws(() => routes(vh([], { virtual_clusters: [{ headers: [] }] })), /a virtual cluster needs a name/);
  });

  it('refuses duplicate domains across virtual hosts, as Envoy does', () => {
    assert.throws(() => routes({ name: 'rc', virtual_hosts: [{ name: 'a', domains: ['x'], routes: [] }, { name: 'b', domains: ['X'], routes: [] }] }),
      (err: unknown) => err instanceof RicochetError && /only unique values for domains are permitted/.test(err.message));
  });

  it('reads clusters: HTTP/2 (typed options or the deprecated field), lb policies, retry budgets', () => {
    assert.equal(cluster({ name: 'c', http2_protocol_options: {} }).cluster.http2, true);
    assert.equal(cluster({ name: 'c' }).cluster.http2, false);
    assert.equal(cluster({ name: 'c', lb_policy: 'RANDOM' }).cluster.lbPolicy, 'RANDOM');
    const typed = cluster({
      name: 'c', lb_policy: 'LOAD_BALANCING_POLICY_CONFIG',
      load_balancing_policy: { policies: [{ typed_extension_config: { name: 'lr', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest' } } }] },
    });
    assert.equal(typed.cluster.lbPolicy, 'LEAST_REQUEST');
    const budget = cluster({ name: 'c', circuit_breakers: { thresholds: [{ retry_budget: { budget_percent: { value: 0 }, min_retry_concurrency: 0 } }] } });
    assert.deepEqual(budget.cluster.circuitBreakers.retryBudget, { budgetPercent: 0, minRetryConcurrency: 0 });
    assert.deepEqual(rejectedPaths(() => cluster({ name: 'c', lb_policy: 'MAGLEV', lb_subset_config: {}, circuit_breakers: { per_host_thresholds: [{ max_connections: 1 }] } })), [
      'Cluster[c].lb_subset_config', 'Cluster[c].lb_policy', 'Cluster[c].circuit_breakers.per_host_thresholds',
    ]);
    assert.deepEqual(rejectedPaths(() => cluster({
      name: 'c',
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http3_protocol_options: {} },
        },
      },
    })), ['Cluster[c].typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].explicit_http_config.http3_protocol_options']);
  });

  it('reads outlier_detection with Envoy\'s defaults and validation (outlier_detection.proto), keeping explicit zeros such as Istio\'s enforcing_success_rate 0', () => {
    const od = cluster({ name: 'c', outlier_detection: { consecutive_5xx: 3, interval: '2s', base_ejection_time: '10s', max_ejection_percent: 100, enforcing_success_rate: 0 } });
    assert.deepEqual(od.unsupported, []);
    const d = od.cluster.outlierDetection;
    assert.ok(d);
    assert.deepEqual([d.consecutive5xx, d.intervalMs, d.baseEjectionTimeMs, d.maxEjectionPercent, d.enforcingSuccessRate], [3, 2000, 10_000, 100, 0]);
    assert.deepEqual([d.maxEjectionTimeMs, d.enforcingConsecutive5xx, d.consecutiveGatewayFailure, d.enforcingConsecutiveGatewayFailure, d.successRateStdevFactor], [300_000, 100, 5, 0, 1900]);
    assert.equal(cluster({ name: 'c', outlier_detection: { base_ejection_time: '400s' } }).cluster.outlierDetection?.maxEjectionTimeMs, 400_000, 'default max_ejection_time is at least base_ejection_time');
    assert.equal(cluster({ name: 'c' }).cluster.outlierDetection, undefined);
    assert.throws(() => cluster({ name: 'c', outlier_detection: { base_ejection_time: '10s', max_ejection_time: '5s' } }), /max_ejection_time cannot be smaller than base_ejection_time/);
    assert.throws(() => cluster({ name: 'c', outlier_detection: { enforcing_consecutive_5xx: 101 } }), (err: unknown) => err instanceof RicochetError && /enforcing_consecutive_5xx/.test(String((err as { configPath?: string }).configPath) + err.message));
    assert.deepEqual(cluster({ name: 'c', outlier_detection: { successful_active_health_check_uneject_host: false } }).unsupported.map((u) => [u.path, u.effect]), [
      ['Cluster[c].outlier_detection.successful_active_health_check_uneject_host', 'ignored'],
    ]);
    assert.deepEqual(rejectedPaths(() => cluster({ name: 'c', outlier_detection: { monitors: [{ name: 'm', typed_config: { '@type': 'type.googleapis.com/google.protobuf.Empty' } }] } })), ['Cluster[c].outlier_detection.monitors']);
  });

  it('reads RING_HASH (ring sizes, hash function, hostname hashing) and route hash policies', () => {
    const ring = cluster({ name: 'c', lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 64, maximum_ring_size: 128 }, common_lb_config: { consistent_hashing_lb_config: { use_hostname_for_hashing: true } } });
    assert.deepEqual(ring.unsupported, []);
    assert.deepEqual(ring.cluster.ringHash, { minimumRingSize: 64, maximumRingSize: 128, useHostnameForHashing: true });
    assert.deepEqual(cluster({ name: 'c', lb_policy: 'RING_HASH' }).cluster.ringHash, { minimumRingSize: 1024, maximumRingSize: 8_388_608, useHostnameForHashing: false });
    assert.throws(() => cluster({ name: 'c', lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 200, maximum_ring_size: 100 } }), /minimum_ring_size \(200\) > maximum_ring_size \(100\)/);
    assert.deepEqual(rejectedPaths(() => cluster({ name: 'c', lb_policy: 'RING_HASH', ring_hash_lb_config: { hash_function: 'MURMUR_HASH_2' } })), ['Cluster[c].ring_hash_lb_config.hash_function']);
    assert.deepEqual(rejectedPaths(() => cluster({ name: 'c', lb_policy: 'RING_HASH', common_lb_config: { consistent_hashing_lb_config: { hash_balance_factor: 150 } } })), [
      'Cluster[c].common_lb_config.consistent_hashing_lb_config.hash_balance_factor',
    ]);
    const out = routes(vh([{ match: { prefix: '/' }, route: { cluster: 'c', hash_policy: [
      { header: { header_name: 'X-User' } },
      { cookie: { name: 's', ttl: '10s', path: '/', attributes: [{ name: 'SameSite', value: 'Lax' }] }, terminal: true },
      { connection_properties: { source_ip: true } },
      { connection_properties: { source_ip: false } },
      { query_parameter: { name: 'q' } },
    ] } }]));
    assert.deepEqual(out.unsupported, []);
    assert.deepEqual(action(out.routeConfig.virtualHosts[0].routes[0]).hashPolicies, [
      { kind: 'header', name: 'x-user', terminal: false },
      { kind: 'cookie', name: 's', ttlMs: 10_000, path: '/', attributes: [{ name: 'SameSite', value: 'Lax' }], terminal: true },
      { kind: 'source_ip', terminal: false },
      { kind: 'query_parameter', name: 'q', terminal: false },
    ], 'connection_properties without source_ip is dropped, as Envoy drops it');
    assert.deepEqual(rejectedPaths(() => routes(vh([{ match: { prefix: '/' }, route: { cluster: 'c', hash_policy: [{ filter_state: { key: 'k' } }] } }]))), [
      'RouteConfiguration[rc].virtual_hosts[0].routes[0].route.hash_policy[0].filter_state',
    ]);
  });

  it('reads common_lb_config (panic threshold, merge window, fail_traffic_on_panic) and the upstream connection limits', () => {
    const lb = cluster({ name: 'c', common_lb_config: { healthy_panic_threshold: { value: 0 }, update_merge_window: '0s', zone_aware_lb_config: { fail_traffic_on_panic: true } } });
    assert.deepEqual(lb.unsupported, []);
    assert.equal(lb.cluster.healthyPanicThresholdPercent, 0);
    assert.equal(lb.cluster.updateMergeWindowMs, 0);
    assert.equal(cluster({ name: 'c' }).cluster.healthyPanicThresholdPercent, 50);
    assert.deepEqual(cluster({ name: 'c', common_lb_config: { zone_aware_lb_config: { min_cluster_size: 3 } } }).unsupported.map((u) => u.effect), ['ignored']);
    const typed = (common: object) => cluster({
      name: 'c',
      max_requests_per_connection: 7,
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', common_http_protocol_options: common, explicit_http_config: { http_protocol_options: {} },
        },
      },
    }).cluster.upstreamConnection;
    assert.deepEqual(typed({ max_requests_per_connection: 2, idle_timeout: '0.5s', max_connection_duration: '60s' }), { maxRequestsPerConnection: 2, idleTimeoutMs: 500, maxConnectionDurationMs: 60_000 });
    assert.deepEqual(typed({ idle_timeout: '0s' }), { maxRequestsPerConnection: 7, idleTimeoutMs: 0 }, 'the deprecated cluster field applies when the typed options leave it out; idle 0 disables');
    assert.equal(typed({ max_requests_per_connection: 0 }), undefined, 'an explicit 0 (unlimited) wins over the deprecated field');
    assert.equal(cluster({ name: 'c' }).cluster.upstreamConnection, undefined);
  });

  it('reads the omit_host_metadata retry predicate from canonical config and from a bootstrap where its type is opaque', () => {
    const withPredicate = (typedConfig: object) => routes(vh([{ match: { prefix: '/' }, route: { cluster: 'c', retry_policy: {
      retry_on: '5xx',
      retry_host_predicate: [{ name: 'envoy.retry_host_predicates.omit_host_metadata', typed_config: typedConfig }],
    } } }]));
    const t = 'type.googleapis.com/envoy.extensions.retry.host.omit_host_metadata.v3.OmitHostMetadataConfig';
    for (const spelled of [
      { '@type': t, metadata_match: { filter_metadata: { 'envoy.lb': { version: 'v1' }, other: { x: 1 } } } },
      { '@type': t, metadataMatch: { filterMetadata: { 'envoy.lb': { version: 'v1' } } } },
    ]) {
      const out = withPredicate(spelled);
      assert.deepEqual(out.unsupported, []);
      const p = action(out.routeConfig.virtualHosts[0].routes[0]).retryPolicy;
      assert.deepEqual(p?.hostPredicates, ['envoy.retry_host_predicates.omit_host_metadata']);
      assert.deepEqual(p?.omitHostMetadata, [{ version: 'v1' }], 'only the envoy.lb namespace counts');
    }
  });

  it('reads query parameter matchers: exact, prefix, suffix, contains, safe_regex, ignore_case, present_match', () => {
    const out = routes(vh([{ match: { prefix: '/', query_parameters: [
      { name: 'a', string_match: { suffix: 'X', ignore_case: true } },
      { name: 'b', string_match: { contains: 'y' } },
      { name: 'c', string_match: { safe_regex: { regex: '[0-9]+' }, ignore_case: true } },
      { name: 'd', present_match: true },
    ] }, route: { cluster: 'c' } }]));
    assert.deepEqual(out.unsupported, []);
    assert.deepEqual(out.routeConfig.virtualHosts[0].routes[0].match.queryParameters, [
      { name: 'a', suffix: 'X', ignoreCase: true },
      { name: 'b', contains: 'y' },
      { name: 'c', safeRegex: '[0-9]+' },
      { name: 'd', present: true },
    ]);
  });

  it('fills EDS clusters from ClusterLoadAssignments: every host, EDS health and envoy.lb metadata kept for the load balancer', () => {
    const eds = cluster({ name: 'c', type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, initial_fetch_timeout: '2s' }, service_name: 'svc' } });
    assert.equal(eds.cluster.edsServiceName, 'svc');
    assert.equal(eds.extras.edsViaAds, true);
    assert.equal(eds.extras.edsInitialFetchTimeoutMs, 2000);
    const ep = (port: number, health?: string, metadata?: JsonObject) => ({
      endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: port } } },
      ...(health ? { health_status: health } : {}),
      ...(metadata ? { metadata } : {}),
    });
    const cla = convertLoadAssignment(normalizeMessage('envoy.config.endpoint.v3.ClusterLoadAssignment', {
      cluster_name: 'svc',
      endpoints: [{ lb_endpoints: [
        ep(1, undefined, { filter_metadata: { 'envoy.lb': { version: 'v1', zones: ['a', 'b'] }, istio: { x: 1 } } }),
        ep(2, 'HEALTHY'), ep(3, 'UNHEALTHY'), ep(4, 'DRAINING'), ep(5, 'TIMEOUT'),
      ] }],
    }));
    // The load balancer (runtime) applies health and the panic threshold, with outlier ejection.
    assert.deepEqual(clusterEndpoints(cla.candidates).map((e) => [e.port, e.edsUnhealthy ?? false]), [[1, false], [2, false], [3, true], [4, true], [5, true]]);
    assert.deepEqual(clusterEndpoints(cla.candidates)[0].lbMetadata, { version: 'v1', zones: ['a', 'b'] }, 'only the envoy.lb namespace is kept');
    assert.equal(cla.unsupported.length, 0, 'endpoint metadata is handled');
    const withEps = withEndpoints(eds.cluster, cla.candidates);
    assert.equal(withEps.endpoints.length, 5);
    assert.deepEqual(rejectedPaths(() => convertLoadAssignment(normalizeMessage('envoy.config.endpoint.v3.ClusterLoadAssignment', {
      cluster_name: 'svc', endpoints: [{ priority: 1, lb_endpoints: [ep(1)] }], policy: { drop_overloads: [{ category: 'x', drop_percentage: { numerator: 1 } }] },
    }))), ['ClusterLoadAssignment[svc].policy.drop_overloads', 'ClusterLoadAssignment[svc].endpoints[0].priority']);
  });

  it('reads HTTP connection managers: filters, internal addresses, buffer limits; rejects what it cannot do', () => {
    const l = listener({ route_config: vh([]), http_filters: [routerFilter] }, { per_connection_buffer_limit_bytes: 2048 }).listener;
    assert.ok(l.filter.kind === 'http');
    assert.equal(l.filter.hcm.bufferLimitBytes, 2048);
    assert.equal(l.filter.hcm.allowAbsoluteUrl, true);
    assert.deepEqual(l.filter.hcm.internalCidrs.map((c) => `${c.address}/${c.prefixLen}`), ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.1/32', 'fd00::/8', '::1/128']);
    const d = listener({ route_config: vh([]), http_filters: [routerFilter] }).listener;
    assert.ok(d.filter.kind === 'http');
    assert.equal(d.filter.hcm.bufferLimitBytes, 1024 * 1024, '1 MiB by default');

    const optional = listener({ route_config: vh([]), http_filters: [{ name: 'envoy.filters.http.cors', is_optional: true, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } }, routerFilter] });
    assert.deepEqual(optional.unsupported.map((u) => [u.effect, u.path]), [['ignored', 'Listener[l].filter_chains[0].filters[0].typed_config.http_filters[0]']]);

    assert.deepEqual(rejectedPaths(() => listener({
      route_config: vh([]), codec_type: 'HTTP2', normalize_path: true, xff_num_trusted_hops: 1,
      http_filters: [{ name: 'envoy.filters.http.lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua' } }, routerFilter],
    }, { filter_chains: [{ transport_socket: { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext' } }, filters: [{ name: 'hcm', typed_config: { '@type': T.hcm, stat_prefix: 'x', route_config: vh([]), http_filters: [routerFilter] } }] }] })), [
      'Listener[l].filter_chains[0].transport_socket',
    ]);
    assert.deepEqual(rejectedPaths(() => listener({
      route_config: vh([]), codec_type: 'HTTP2', normalize_path: true, xff_num_trusted_hops: 1,
      http_filters: [{ name: 'envoy.filters.http.lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua' } }, routerFilter],
    })), [
      'Listener[l].filter_chains[0].filters[0].typed_config.codec_type',
      'Listener[l].filter_chains[0].filters[0].typed_config.normalize_path',
      'Listener[l].filter_chains[0].filters[0].typed_config.xff_num_trusted_hops',
      'Listener[l].filter_chains[0].filters[0].typed_config.http_filters[0]',
    ]);
    assert.throws(() => listener({ route_config: vh([]), http_filters: [] }), /the last HTTP filter must be the router/);

    const strictRouter = (headers: string[]) => ({ name: 'envoy.filters.http.router', typed_config: { '@type': T.router, strict_check_headers: headers } });
    const strict = listener({ route_config: vh([]), http_filters: [strictRouter(['x-envoy-max-retries', 'x-envoy-retry-on'])] });
    assert.deepEqual(strict.unsupported, []);
    assert.ok(strict.listener.filter.kind === 'http');
    assert.deepEqual(strict.listener.filter.hcm.httpFilters, [{ name: 'envoy.filters.http.router', kind: 'router', strictCheckHeaders: ['x-envoy-max-retries', 'x-envoy-retry-on'] }]);
    assert.ok(d.filter.kind === 'http');
    assert.deepEqual(d.filter.hcm.httpFilters, [{ name: 'envoy.filters.http.router', kind: 'router' }], 'no strictCheckHeaders without the field');
    assert.throws(() => listener({ route_config: vh([]), http_filters: [strictRouter(['x-envoy-foo'])] }), /cannot be strictly checked/);
    assert.throws(() => listener({ http_filters: [routerFilter] }), /needs rds or route_config/);
  });

  it('reads TCP proxies: max_connect_attempts (default 1), idle timeout (default 1 h), access logs', () => {
    const tcp = (cfg: object) => {
      const l = convertListener(normalizeMessage('envoy.config.listener.v3.Listener', {
        name: 't', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{ filters: [{ name: 'tcp', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 't', cluster: 'c', ...cfg } }] }],
      }));
      assert.ok(l.listener.filter.kind === 'tcp');
      return l;
    };
    assert.deepEqual(tcp({}).listener.filter, { kind: 'tcp', tcp: { statPrefix: 't', cluster: 'c', maxConnectAttempts: 1, idleTimeoutMs: 3_600_000 } });
    const full = tcp({
      max_connect_attempts: 4, idle_timeout: '0s',
      access_log: [{ name: 'stderr', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog', log_format: { text_format: '%RESPONSE_FLAGS%\n' } } }],
    });
    assert.deepEqual(full.listener.filter, {
      kind: 'tcp', tcp: { statPrefix: 't', cluster: 'c', maxConnectAttempts: 4, idleTimeoutMs: 0, accessLogs: [{ path: 'stderr', format: '%RESPONSE_FLAGS%\n' }] },
    });
    assert.deepEqual(rejectedPaths(() => tcp({ cluster: undefined, weighted_clusters: { clusters: [{ name: 'c', weight: 1 }] } })), [
      'Listener[t].filter_chains[0].filters[0].typed_config.weighted_clusters',
    ]);
  });

  it('walks every field through one table per message, so a typo in the tables fails loudly', () => {
    // Any field left out of the tables is rejected with the generic reason: never silently accepted.
    const f = new Findings();
    routeConfigFromJson(normalizeMessage('envoy.config.route.v3.RouteConfiguration', { name: 'rc', vhds: { config_source: { ads: {} } } }), 'rc', f);
    assert.deepEqual(f.rejected.map((u) => u.path), ['rc.vhds']);
  });
});
