import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { parse } from 'yaml';
import { Codes } from '../../../src/lib/errors';
import { decodeJson, encodeJson, type JsonObject } from '../../../src/lib/protos/protoJson';
import { ConfigError, normalizeMessage, toProtoFieldNames } from '../../../src/dataplane/config/normalize';
import { repoPath } from '../../support/paths';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';

function readYaml(...parts: string[]): unknown {
  return parse(fs.readFileSync(repoPath(...parts), 'utf8'));
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('dataplane config: normalising Envoy config to canonical proto3 JSON', () => {
  it('accepts proto field names (snake_case) and JSON names (camelCase) alike', () => {
    const snake = normalizeMessage(CLUSTER, {
      name: 'c', connect_timeout: '1s', per_connection_buffer_limit_bytes: 1024,
      load_assignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 80 } } } }] }] },
    });
    const camel = normalizeMessage(CLUSTER, {
      name: 'c', connectTimeout: '1s', perConnectionBufferLimitBytes: 1024,
      loadAssignment: { clusterName: 'c', endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: 80 } } } }] }] },
    });
    assert.deepEqual(snake, camel);
    assert.equal(snake.connectTimeout, '1s');
    assert.equal((snake.loadAssignment as JsonObject).clusterName, 'c');
  });

  it('never renames map keys or the contents of a Struct', () => {
    const out = normalizeMessage(CLUSTER, {
      name: 'c',
      metadata: { filter_metadata: { my_filter: { some_key: 1, Other_Key: { nested_key: true } } } },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          explicit_http_config: { http2_protocol_options: {} },
        },
      },
    });
    assert.deepEqual(out.metadata, { filterMetadata: { my_filter: { some_key: 1, Other_Key: { nested_key: true } } } });
    assert.deepEqual(Object.keys(out.typedExtensionProtocolOptions as JsonObject), ['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']);
    const opts = (out.typedExtensionProtocolOptions as Record<string, JsonObject>)['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
    assert.deepEqual(opts, { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicitHttpConfig: { http2ProtocolOptions: {} } });
  });

  it('gives the same JSON as decoding the encoded message (envoy/bootstrap.yaml and a static bootstrap)', () => {
    for (const file of [['envoy', 'bootstrap.yaml'], ['test', 'dataplane', 'config', 'fixtures', 'static.yaml']]) {
      const canonical = normalizeMessage(BOOTSTRAP, readYaml(...file));
      assert.deepEqual(decodeJson(BOOTSTRAP, encodeJson(BOOTSTRAP, canonical)), canonical, file.join('/'));
    }
  });

  it('spells values canonically: durations, int64 as strings, enums by name, defaults dropped', () => {
    const out = normalizeMessage('envoy.config.route.v3.RetryPolicy', {
      retry_on: '5xx', num_retries: 0, per_try_timeout: '1.5s', host_selection_retry_max_attempts: 3, retriable_status_codes: ['503'],
      rate_limited_retry_back_off: { reset_headers: [{ name: 'retry-after', format: 0 }] },
    });
    assert.deepEqual(out, {
      retryOn: '5xx',
      numRetries: 0, // a wrapper keeps its zero
      perTryTimeout: '1.500s',
      hostSelectionRetryMaxAttempts: '3',
      retriableStatusCodes: [503],
      rateLimitedRetryBackOff: { resetHeaders: [{ name: 'retry-after' }] }, // SECONDS is the enum default
    });
  });

  it('rejects an unknown field with its path and a suggestion, as Envoy does', () => {
    const err = configError(() => normalizeMessage(BOOTSTRAP, { static_resources: { clusters: [{ name: 'c', conect_timeout: '1s' }] } }));
    assert.equal(err.code, Codes.SchemaValidation);
    assert.match(err.message, /^static_resources\.clusters\[0\]\.conect_timeout: unknown field "conect_timeout" of envoy\.config\.cluster\.v3\.Cluster; did you mean "connect_timeout"\?/);
    assert.equal(err.location?.path, 'static_resources.clusters[0].conect_timeout');
  });

  it('rejects wrong types, bad enums, bad durations and two members of one oneof, naming the path', () => {
    assert.match(configError(() => normalizeMessage(CLUSTER, { name: 'c', connect_timeout: 5 })).message,
      /^connect_timeout: a Duration must be a string like "1s"/);
    assert.match(configError(() => normalizeMessage(CLUSTER, { name: 'c', connect_timeout: '5 seconds' })).message, /^connect_timeout: invalid Duration/);
    assert.match(configError(() => normalizeMessage(CLUSTER, { name: 'c', lb_policy: 'FASTEST' })).message,
      /^lb_policy: unknown enum value "FASTEST" of envoy\.config\.cluster\.v3\.Cluster\.LbPolicy; accepted: ROUND_ROBIN, LEAST_REQUEST/);
    assert.match(configError(() => normalizeMessage(CLUSTER, { name: 'c', load_assignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'x', port_value: 'eighty' } } } }] }] } })).message,
      /^load_assignment\.endpoints\[0\]\.lb_endpoints\[0\]\.endpoint\.address\.socket_address\.port_value: expected an integer/);
    assert.match(configError(() => normalizeMessage(CLUSTER, { name: 'c', load_assignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'x', port_value: 5000000000 } } } }] }] } })).message,
      /port_value: 5000000000 is out of range for uint32/);
    assert.match(configError(() => normalizeMessage(CLUSTER, { name: 'c', type: 'STATIC', cluster_type: { name: 'x' } })).message,
      /^cluster_type: only one of type, cluster_type may be set; "type" is already set/);
    assert.match(configError(() => normalizeMessage(CLUSTER, { name: 7 })).message, /^name: expected a string, got number 7/);
    assert.match(configError(() => normalizeMessage(CLUSTER, { name: 'c', health_checks: { timeout: '1s' } })).message, /^health_checks: expected a list/);
    assert.match(configError(() => normalizeMessage(CLUSTER, { name: 'c', connectTimeout: '1s', connect_timeout: '2s' })).message, /field given twice/);
  });

  it('keeps an Any of a type Ricochet does not compile as written, for the walkers to judge', () => {
    const tls = { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', sni: 'example.com', common_tls_context: {} };
    const out = normalizeMessage(CLUSTER, { name: 'c', transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: tls } });
    assert.deepEqual(out.transportSocket, { name: 'envoy.transport_sockets.tls', typedConfig: tls });
  });

  it('knows the file access logger (declared beside the compiled protos)', () => {
    const out = normalizeMessage('envoy.config.accesslog.v3.AccessLog', {
      name: 'envoy.access_loggers.file',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: '/dev/stdout', log_format: { text_format_source: { inline_string: '%RESPONSE_CODE%\n' } } },
    });
    assert.deepEqual(out.typedConfig, {
      '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
      path: '/dev/stdout',
      logFormat: { textFormatSource: { inlineString: '%RESPONSE_CODE%\n' } },
    });
    const type = 'envoy.config.accesslog.v3.AccessLog';
    assert.deepEqual(decodeJson(type, encodeJson(type, out)), out);
  });

  it('prints canonical JSON back with proto field names (for admin output), leaving maps and Structs alone', () => {
    const canonical = normalizeMessage(BOOTSTRAP, readYaml('test', 'dataplane', 'config', 'fixtures', 'static.yaml'));
    const snake = toProtoFieldNames(BOOTSTRAP, canonical) as Record<string, any>;
    assert.equal(snake.static_resources.clusters[0].connect_timeout, '1s');
    assert.ok(snake.static_resources.clusters[0].typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config);
    assert.deepEqual(snake.node.metadata, { team_name: 'payments', LABELS: { 'app.kubernetes.io/name': 'demo' } });
    assert.equal(snake.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefix, 'ingress');
  });
});
