import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Codes, RicochetError } from '../../../src/lib/errors';
import { loadBootstrap, parseBootstrap } from '../../../src/dataplane/config/bootstrap';
import { UnsupportedConfigError } from '../../../src/dataplane/config/fields';
import type { DpCluster, DpHttpConnectionManager, DpListener } from '../../../src/dataplane/config/model';
import { repoPath } from '../../support/paths';

function hcmOf(l: DpListener | undefined): DpHttpConnectionManager {
  assert.ok(l && l.filter.kind === 'http', 'expected an HTTP listener');
  return l.filter.hcm;
}

function cluster(map: ReadonlyMap<string, DpCluster>, name: string): DpCluster {
  const c = map.get(name);
  assert.ok(c, `no cluster ${name}`);
  return c;
}

function writeTemp(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-bootstrap-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('dataplane config: loading an Envoy bootstrap', () => {
  it('reads envoy/bootstrap.yaml: node, admin, ADS through the static cluster it names, CDS and LDS over ADS', () => {
    const b = loadBootstrap(repoPath('envoy', 'bootstrap.yaml'));
    assert.equal(b.node.id, 'app.default');
    assert.equal(b.node.cluster, 'app');
    assert.deepEqual(b.node.metadata.LABELS, { app: 'app', 'kuma.io/service': 'app' });
    assert.deepEqual(b.admin, { address: '127.0.0.1', port: 9901 });
    assert.deepEqual(b.ads, {
      clusterName: 'ricochet_xds', address: '127.0.0.1', port: 18000, setNodeOnFirstMessageOnly: true,
      cdsInitialFetchTimeoutMs: 15_000, ldsInitialFetchTimeoutMs: 15_000,
    });
    assert.equal(b.cdsViaAds, true);
    assert.equal(b.ldsViaAds, true);
    assert.deepEqual(b.unsupported, []);
    const xds = cluster(b.staticSnapshot.clusters, 'ricochet_xds');
    assert.equal(xds.http2, true);
    assert.equal(xds.connectTimeoutMs, 1000);
    assert.deepEqual(b.staticSnapshot.listeners, []);
    assert.equal((b.raw.node as { id: string }).id, 'app.default');
  });

  it('reads static_resources: listeners with an HCM and inline routes or a tcp_proxy, clusters with Envoy\'s defaults', () => {
    const b = loadBootstrap(repoPath('test', 'dataplane', 'config', 'fixtures', 'static.yaml'));
    assert.equal(b.ads, undefined);
    assert.equal(b.cdsViaAds, false);
    const [http, tcp] = b.staticSnapshot.listeners;
    assert.equal(http.name, 'http');
    assert.equal(http.address, '127.0.0.1');
    assert.equal(http.port, 10000);
    const hcm = hcmOf(http);
    assert.equal(hcm.statPrefix, 'ingress');
    assert.equal(hcm.bufferLimitBytes, 65536, 'per_connection_buffer_limit_bytes of the listener');
    assert.equal(hcm.useRemoteAddress, true);
    assert.deepEqual(hcm.internalCidrs, [{ address: '127.0.0.0', prefixLen: 8 }]);
    assert.deepEqual(hcm.accessLogs, [
      { path: 'stdout', format: '%RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_REQUEST_ATTEMPT_COUNT%\n' },
      { path: '/tmp/ricochet-access.log' },
    ]);
    assert.deepEqual(hcm.httpFilters, [
      { name: 'envoy.filters.http.fault', kind: 'fault', config: { delay: { fixedDelayMs: 250, percent: 50 } } },
      { name: 'envoy.filters.http.router', kind: 'router' },
    ]);
    const vh = hcm.routeConfig?.virtualHosts[0];
    assert.ok(vh);
    assert.equal(vh.includeRequestAttemptCount, true);
    const [own, faulty, fallback] = vh.routes;
    // A route policy replaces the virtual host's entirely (envoy-retry.md §1.1).
    assert.ok(own.action.kind === 'route');
    assert.equal(own.action.timeoutMs, 2000);
    assert.deepEqual(own.action.retryPolicy, {
      retryOn: 'connect-failure,retriable-status-codes', numRetries: 1, retriableStatusCodes: [503, 429],
      retriableHeaders: [], retriableRequestHeaders: [{ name: ':method', exact: 'GET', invert: false, ignoreCase: false }],
      backOff: { baseIntervalMs: 100, maxIntervalMs: 1000 }, hostPredicates: ['envoy.retry_host_predicates.previous_hosts'],
      hostSelectionRetryMaxAttempts: 3, perTryTimeoutMs: 500,
    });
    assert.ok(fallback.action.kind === 'route');
    assert.equal(fallback.action.timeoutMs, 15_000, 'route timeout defaults to 15 s');
    assert.deepEqual(fallback.action.retryPolicy, {
      retryOn: '5xx', numRetries: 2, retriableStatusCodes: [], retriableHeaders: [], retriableRequestHeaders: [],
      backOff: { baseIntervalMs: 25, maxIntervalMs: 250 }, hostPredicates: [], hostSelectionRetryMaxAttempts: 1,
    }, 'the virtual host policy, with Envoy\'s backoff defaults');
    assert.deepEqual(faulty.fault, { abort: { httpStatus: 503, percent: 25 } }, 'per-route typed_per_filter_config');
    assert.deepEqual(faulty.match.headers, [{ name: 'x-canary', present: true, invert: false, ignoreCase: false }]);
    assert.equal(fallback.fault, undefined);

    assert.ok(tcp.filter.kind === 'tcp');
    assert.deepEqual(tcp.filter.tcp, { statPrefix: 'tcp', cluster: 'backend', maxConnectAttempts: 3, idleTimeoutMs: 3_600_000 });

    const backend = cluster(b.staticSnapshot.clusters, 'backend');
    assert.equal(backend.type, 'STATIC');
    assert.equal(backend.http2, true);
    assert.equal(backend.connectTimeoutMs, 1000);
    assert.deepEqual(backend.circuitBreakers, {
      maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 5, retryBudget: { budgetPercent: 20, minRetryConcurrency: 3 },
    });
    assert.deepEqual(backend.endpoints, [{ address: '127.0.0.1', port: 18080, weight: 1 }, { address: '127.0.0.1', port: 18081, weight: 3 }]);
    const named = cluster(b.staticSnapshot.clusters, 'named');
    assert.equal(named.type, 'STRICT_DNS');
    assert.equal(named.connectTimeoutMs, 5000, 'connect_timeout defaults to 5 s');
    assert.equal(named.http2, false);
    assert.equal(named.perConnectionBufferLimitBytes, 1024 * 1024);
    assert.deepEqual(named.circuitBreakers, { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 });
    assert.deepEqual(named.endpoints, [{ address: 'localhost', port: 18082, weight: 1, hostname: 'localhost' }]);

    assert.deepEqual(b.unsupported.map((u) => `${u.effect} ${u.path}`), ['ignored static_resources.clusters[1].dns_lookup_family']);
  });

  it('takes JSON as well as YAML, and camelCase keys as well as snake_case', () => {
    const json = {
      node: { id: 'n' },
      admin: { address: { socketAddress: { address: '127.0.0.1', portValue: 0 } } },
      staticResources: {
        clusters: [{ name: 'b', connectTimeout: '0.25s', loadAssignment: { clusterName: 'b', endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: 1 } } } }] }] } }],
        listeners: [{
          name: 'l', address: { socketAddress: { address: '127.0.0.1', portValue: 0 } },
          filterChains: [{ filters: [{ name: 'hcm', typedConfig: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            statPrefix: 'x', routeConfig: { virtualHosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, directResponse: { status: 200, body: { inlineString: 'hi' } } }] }] },
            httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
          } }] }],
        }],
      },
    };
    const file = writeTemp('bootstrap.json', JSON.stringify(json));
    const b = loadBootstrap(file);
    assert.equal(cluster(b.staticSnapshot.clusters, 'b').connectTimeoutMs, 250);
    assert.deepEqual(hcmOf(b.staticSnapshot.listeners[0]).routeConfig?.virtualHosts[0].routes[0].action, { kind: 'direct', status: 200, body: 'hi' });
    assert.equal(hcmOf(b.staticSnapshot.listeners[0]).internalCidrs.length, 6, 'Envoy\'s implicit internal set');
  });

  it('rejects a config with fields that would change behaviour if ignored, listing every one by path', () => {
    const yaml = `
static_resources:
  clusters:
  - name: b
    lb_policy: MAGLEV
    lb_subset_config: {fallback_policy: ANY_ENDPOINT}
    health_checks: [{timeout: 1s, interval: 1s, http_health_check: {path: /}}]
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config: {"@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, sni: x}
    load_assignment: {cluster_name: b}
  listeners:
  - name: l
    address: {socket_address: {address: 127.0.0.1, port_value: 10000}}
    filter_chains:
    - filters:
      - name: hcm
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: x
          http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
          route_config:
            virtual_hosts:
            - name: v
              domains: ["*"]
              hedge_policy: {hedge_on_per_try_timeout: true, additional_request_chance: {numerator: 10}}
              routes:
              - match: {prefix: /}
                route:
                  cluster: b
                  request_mirror_policies: [{cluster: b}]
                  regex_rewrite: {pattern: {regex: "^/x"}, substitution: /y}
                  retry_policy:
                    retry_on: 5xx
                    retry_priority: {name: envoy.retry_priorities.other}
`;
    let err: unknown;
    try {
      loadBootstrap(writeTemp('bad.yaml', yaml));
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof RicochetError, String(err));
    assert.equal(err.code, Codes.UnsupportedField);
    for (const p of [
      'static_resources.clusters[0].lb_policy',
      'static_resources.clusters[0].lb_subset_config',
      'static_resources.clusters[0].health_checks',
      'static_resources.clusters[0].transport_socket',
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].hedge_policy.additional_request_chance',
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.request_mirror_policies',
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.regex_rewrite',
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.retry_policy.retry_priority',
    ]) {
      assert.ok(err.message.includes(`${p} (`), `missing ${p} in: ${err.message}`);
    }
    assert.match(err.message, /bad\.yaml: bootstrap rejected: 8 fields that Ricochet's data plane does not implement would change behaviour if ignored/);
    assert.match(err.message, /MAGLEV load balancing is not implemented/);
    assert.match(err.message, /TLS to upstreams is not supported/);
  });

  it('lists ignored fields by path without refusing the config', () => {
    const b = parseBootstrap({
      stats_config: { use_all_default_tags: true },
      layered_runtime: { layers: [{ name: 'static', static_layer: {} }] },
      static_resources: {
        clusters: [{
          name: 'b', dns_refresh_rate: '10s', type: 'STRICT_DNS', alt_stat_name: 'other',
          circuit_breakers: { thresholds: [{ track_remaining: true }, { priority: 'HIGH', max_retries: 9 }] },
          load_assignment: { cluster_name: 'b', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'example.com', port_value: 80 } } } }] }] },
        }],
      },
    });
    assert.deepEqual(b.unsupported.map((u) => [u.effect, u.path]), [
      ['ignored', 'stats_config'],
      ['ignored', 'layered_runtime'],
      ['ignored', 'static_resources.clusters[0].alt_stat_name'],
      ['ignored', 'static_resources.clusters[0].dns_refresh_rate'],
      ['ignored', 'static_resources.clusters[0].circuit_breakers.thresholds[0].track_remaining'],
      ['ignored', 'static_resources.clusters[0].circuit_breakers.thresholds[1]'],
    ]);
    assert.ok(b.unsupported.every((u) => u.reason.length > 10));
  });

  it('reports invalid config with a coded error naming the file and the path', () => {
    const file = writeTemp('typo.yaml', 'static_resources:\n  clusters:\n  - name: b\n    conect_timeout: 1s\n');
    assert.throws(() => loadBootstrap(file), (err: unknown) => {
      assert.ok(err instanceof RicochetError);
      assert.equal(err.code, Codes.SchemaValidation);
      assert.equal(err.location?.file, file);
      assert.equal(err.location?.path, 'static_resources.clusters[0].conect_timeout');
      assert.match(err.message, /did you mean "connect_timeout"/);
      return true;
    });
    assert.throws(() => loadBootstrap(writeTemp('syntax.yaml', 'node: {id: [\n')), (err: unknown) => err instanceof RicochetError && err.code === Codes.YamlSyntax);
    assert.throws(() => loadBootstrap('/nonexistent/bootstrap.yaml'), (err: unknown) => err instanceof RicochetError && err.code === Codes.FileRead);
  });

  it('checks what Envoy checks beyond the schema', () => {
    const listener = (name: string, port: number): object => ({
      name, address: { socket_address: { address: '127.0.0.1', port_value: port } },
      filter_chains: [{ filters: [{ name: 't', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 't', cluster: 'b' } }] }],
    });
    const cases: Array<[object, RegExp]> = [
      [{ static_resources: { listeners: [listener('a', 10000), listener('b', 10000)] } }, /both use 127\.0\.0\.1:10000/],
      [{ static_resources: { clusters: [{ name: 'b' }, { name: 'b' }] } }, /static_resources\.clusters\[1\]\.name: duplicate cluster name "b"/],
      [{ static_resources: { clusters: [{ name: 'b', load_assignment: { cluster_name: 'b', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'example.com', port_value: 1 } } } }] }] } }] } },
        /socket_address\.address: malformed IP address: example\.com/],
      [{ static_resources: { clusters: [{ name: 'b', type: 'LOGICAL_DNS' }] } }, /LOGICAL_DNS clusters must have a single/],
      [{ static_resources: { clusters: [{ name: 'b', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } }] } }, /needs dynamic_resources\.ads_config/],
      [{ dynamic_resources: { ads_config: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'missing' } }] } } }, /unknown static cluster "missing"/],
      [{ static_resources: { clusters: [{ name: 'b', connect_timeout: '1s' }] }, dynamic_resources: { cds_config: { ads: {} } } }, /ads: \{\} needs dynamic_resources\.ads_config/],
    ];
    for (const [doc, re] of cases) {
      assert.throws(() => parseBootstrap(doc), (err: unknown) => err instanceof RicochetError && re.test(err.message), String(re));
    }
  });

  it('rejects what it cannot serve with an UnsupportedConfigError carrying every finding', () => {
    try {
      parseBootstrap({ static_resources: { clusters: [{ name: 'b', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' }] }, header_prefix: 'x-acme' });
      assert.fail('expected a rejection');
    } catch (err) {
      assert.ok(err instanceof UnsupportedConfigError);
      assert.deepEqual(err.unsupported.filter((u) => u.effect === 'rejected').map((u) => u.path), [
        'header_prefix', 'static_resources.clusters[0].type', 'static_resources.clusters[0].lb_policy',
      ]);
    }
  });
});
