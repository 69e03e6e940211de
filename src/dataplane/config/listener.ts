import type { JsonObject } from '../../lib/protos/protoJson';
import type { DpAccessLog, DpHttpConnectionManager, DpHttpFilter, DpListener, DpTcpProxy } from './model';
import { Findings, anyBody, anyType, at, checkFields, durationMs, ignoreAll, index, invalid, num, obj, objs, str, strs, type FieldRules } from './fields';
import { socketAddressFromJson } from './endpoints';
import { configSourceIsAds } from './cluster';
import { FAULT_TYPE, dataSource, faultFromJson, routeConfigFromJson, type RouteConfigOptions } from './route';

export const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const TCP_PROXY_TYPE = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const ROUTER_TYPE = 'envoy.extensions.filters.http.router.v3.Router';
const DFP_FILTER_TYPE = 'envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig';
const STDOUT_TYPE = 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';
const STDERR_TYPE = 'envoy.extensions.access_loggers.stream.v3.StderrAccessLog';
const FILE_TYPE = 'envoy.extensions.access_loggers.file.v3.FileAccessLog';
const RAW_BUFFER_TYPE = 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';

/** Envoy's listener/HCM/TCP proxy defaults (envoy-retry.md §5.1, §7.1). */
export const LISTENER_DEFAULTS = {
  perConnectionBufferLimitBytes: 1024 * 1024,
  maxConnectAttempts: 1,
  tcpIdleTimeoutMs: 3_600_000,
} as const;

/**
 * Envoy's implicit internal address set when `internal_address_config` is absent or lists no CIDRs
 * (Network::Utility::isInternalAddress: RFC 1918, IPv4 loopback, IPv6 ULA and loopback).
 */
export const DEFAULT_INTERNAL_CIDRS: ReadonlyArray<{ address: string; prefixLen: number }> = [
  { address: '10.0.0.0', prefixLen: 8 },
  { address: '172.16.0.0', prefixLen: 12 },
  { address: '192.168.0.0', prefixLen: 16 },
  { address: '127.0.0.1', prefixLen: 32 },
  { address: 'fd00::', prefixLen: 8 },
  { address: '::1', prefixLen: 128 },
];

const LISTENER: FieldRules = {
  handled: [
    'name', 'address', 'filter_chains', 'default_filter_chain', 'use_original_dst', 'per_connection_buffer_limit_bytes',
    'listener_filters', 'bind_to_port', 'transparent',
  ],
  silent: ['metadata'],
  ignored: {
    stat_prefix: 'listener stats are named after the address',
    drain_type: 'listeners are closed at once on removal (no drain)',
    listener_filters_timeout: 'no listener filter waits for data',
    continue_on_listener_filters_timeout: 'no listener filter waits for data',
    freebind: 'socket options are not applied',
    socket_options: 'socket options are not applied',
    tcp_fast_open_queue_length: 'TCP Fast Open is not configured',
    traffic_direction: 'only used by Envoy for tracing and stats tags',
    connection_balance_config: 'connections are accepted by one event loop',
    reuse_port: 'the listen socket is not shared',
    enable_reuse_port: 'the listen socket is not shared',
    access_log: 'listener-level (per connection) access logs are not written',
    tcp_backlog_size: 'the OS default listen backlog is used',
    max_connections_to_accept_per_socket_event: 'Node.js accepts connections at its own pace',
    enable_mptcp: 'MPTCP is not enabled',
    ignore_global_conn_limit: 'there is no global connection limit',
    bypass_overload_manager: 'there is no overload manager',
  },
  rejected: {
    additional_addresses: 'listening on more than one address per listener is not implemented',
    filter_chain_matcher: 'filter chain matchers are not implemented (one filter chain per listener)',
    deprecated_v1: 'v1 listener options are not implemented',
    udp_listener_config: 'UDP listeners are not implemented',
    api_listener: 'API listeners are not implemented',
    internal_listener: 'internal listeners are not implemented',
  },
};

const FILTER_CHAIN: FieldRules = {
  handled: ['filters', 'filter_chain_match', 'transport_socket'],
  silent: ['name', 'metadata'],
  ignored: { transport_socket_connect_timeout: 'no downstream TLS handshake to time out' },
  rejected: {
    use_proxy_proto: 'the PROXY protocol is not implemented',
    on_demand_configuration: 'on-demand filter chains are not implemented',
  },
};

const HCM: FieldRules = {
  handled: [
    'codec_type', 'stat_prefix', 'rds', 'route_config', 'http_filters', 'http_protocol_options', 'common_http_protocol_options',
    'use_remote_address', 'xff_num_trusted_hops', 'internal_address_config', 'access_log', 'normalize_path', 'merge_slashes',
    'path_with_escaped_slashes_action', 'strip_matching_host_port', 'strip_any_host_port', 'strip_trailing_host_dot', 'skip_xff_append',
  ],
  ignored: {
    add_user_agent: 'x-envoy-downstream-service-cluster/-node headers are not added',
    tracing: 'tracing is not implemented',
    http2_protocol_options: 'downstream HTTP/2 settings are not tuned',
    http3_protocol_options: 'HTTP/3 is not implemented',
    server_name: 'the server response header is not rewritten',
    server_header_transformation: 'the server response header is not rewritten',
    scheme_header_transformation: 'the :scheme header is passed through',
    max_request_headers_kb: 'the request header size limit is Node.js\'s',
    stream_idle_timeout: 'idle streams are not timed out (only the route timeouts apply)',
    request_headers_timeout: 'request header reception is not timed out',
    drain_timeout: 'connections are not drained with a GOAWAY schedule',
    delayed_close_timeout: 'connections are closed without a delayed-close timer',
    access_log_flush_interval: 'access log lines are written when each request completes',
    flush_access_log_on_new_request: 'access log lines are written when each request completes',
    access_log_options: 'access log lines are written when each request completes',
    generate_request_id: 'x-request-id is not generated',
    preserve_external_request_id: 'x-request-id is not managed',
    always_set_request_id_in_response: 'x-request-id is not managed',
    request_id_extension: 'x-request-id is not managed',
    forward_client_cert_details: 'no downstream TLS, so no client certificate to forward',
    set_current_client_cert_details: 'no downstream TLS, so no client certificate to forward',
    proxy_100_continue: '100-continue is handled by Node.js',
    represent_ipv4_remote_address_as_ipv4_mapped_ipv6: 'remote addresses are kept as received',
    stream_error_on_invalid_http_message: 'invalid HTTP messages close the connection',
    proxy_status_config: 'the Proxy-Status header is not added',
    typed_header_validation_config: 'header validation extensions are not applied',
    append_local_overload: 'there is no overload manager',
    add_proxy_protocol_connection_state: 'the PROXY protocol is not implemented',
  },
  rejected: {
    scoped_routes: 'scoped routes (SRDS) are not implemented',
    request_timeout: 'a downstream request timeout is not implemented',
    local_reply_config: 'rewriting local replies is not implemented',
    upgrade_configs: 'protocol upgrades (WebSocket, CONNECT) are not implemented',
    original_ip_detection_extensions: 'original IP detection extensions are not implemented (they decide which requests are internal)',
    early_header_mutation_extensions: 'early header mutations are not implemented',
    path_normalization_options: 'path normalisation is not implemented',
    append_x_forwarded_port: 'x-forwarded-port is not appended',
    via: 'the Via header is not added',
  },
};

const TCP_PROXY: FieldRules = {
  handled: ['stat_prefix', 'cluster', 'max_connect_attempts', 'idle_timeout', 'access_log', 'hash_policy'],
  ignored: {
    access_log_options: 'access log lines are written when each connection closes',
    access_log_flush_interval: 'access log lines are written when each connection closes',
    flush_access_log_on_connected: 'access log lines are written when each connection closes',
    downstream_idle_timeout: 'only idle_timeout is applied',
    upstream_idle_timeout: 'only idle_timeout is applied',
  },
  rejected: {
    weighted_clusters: 'weighted clusters for TCP proxies are not implemented (use cluster)',
    on_demand: 'on-demand cluster discovery is not implemented',
    metadata_match: 'subset load balancing (metadata_match) is not implemented',
    tunneling_config: 'tunneling TCP over HTTP is not implemented',
    max_downstream_connection_duration: 'a maximum connection duration is not implemented',
  },
};

export interface ListenerOptions extends RouteConfigOptions {
  /** The listener came over ADS (`self` config sources then mean ADS). */
  fromAds?: boolean;
}

/** `Listener` (canonical proto3 JSON) → DpListener, with an HTTP connection manager or a TCP proxy. */
export function listenerFromJson(json: JsonObject, path: string, f: Findings, opts: ListenerOptions = {}): DpListener {
  checkFields(json, 'envoy.config.listener.v3.Listener', path, LISTENER, f);
  const name = str(json.name) ?? '';
  if (name === '') invalid(at(path, 'name'), 'a listener needs a name');
  const { address, port } = socketAddressFromJson(obj(json.address), at(path, 'address'), f, true);
  if (json.useOriginalDst === true) f.reject(at(path, 'use_original_dst'), 'original destination redirection is not implemented');
  if (json.bindToPort === false) f.reject(at(path, 'bind_to_port'), 'listeners that do not bind a port are not implemented');
  if (json.transparent === true) f.reject(at(path, 'transparent'), 'transparent proxying is not implemented');
  objs(json.listenerFilters).forEach((lf, i) => listenerFilter(lf, index(at(path, 'listener_filters'), i), f));

  let chains = objs(json.filterChains);
  let chainsPath = at(path, 'filter_chains');
  if (chains.length === 0 && obj(json.defaultFilterChain)) {
    chains = [obj(json.defaultFilterChain) as JsonObject];
    chainsPath = at(path, 'default_filter_chain');
  } else if (obj(json.defaultFilterChain)) {
    f.reject(at(path, 'default_filter_chain'), 'a default filter chain beside filter_chains is not implemented (one filter chain per listener)');
  }
  if (chains.length === 0) invalid(at(path, 'filter_chains'), 'a listener needs a filter chain');
  if (chains.length > 1) f.reject(at(path, 'filter_chains'), `${chains.length} filter chains: only one filter chain per listener is implemented`);
  const chainPath = chainsPath.endsWith('filter_chains') ? index(chainsPath, 0) : chainsPath;
  const chain = chains[0];
  checkFields(chain, 'envoy.config.listener.v3.FilterChain', chainPath, FILTER_CHAIN, f);
  const match = obj(chain.filterChainMatch);
  if (match && Object.keys(match).length > 0) f.reject(at(chainPath, 'filter_chain_match'), 'filter chain matching is not implemented (one filter chain per listener)');
  const ts = obj(chain.transportSocket);
  if (ts && anyType(ts.typedConfig) !== RAW_BUFFER_TYPE && str(ts.name) !== 'envoy.transport_sockets.raw_buffer') {
    f.reject(at(chainPath, 'transport_socket'), `transport socket ${anyType(ts.typedConfig) ?? str(ts.name)} is not implemented (no downstream TLS)`);
  }

  const filters = objs(chain.filters);
  const fpath = at(chainPath, 'filters');
  if (filters.length === 0) invalid(fpath, 'a filter chain needs a terminal network filter (http_connection_manager or tcp_proxy)');
  filters.slice(0, -1).forEach((flt, i) => {
    f.reject(index(fpath, i), `network filter ${anyType(flt.typedConfig) ?? str(flt.name)} is not implemented (only one terminal http_connection_manager or tcp_proxy)`);
  });
  const last = filters[filters.length - 1];
  const lastPath = index(fpath, filters.length - 1);
  checkFields(last, 'envoy.config.listener.v3.Filter', lastPath, {
    handled: ['name', 'typed_config'],
    rejected: { config_discovery: 'extension config discovery (ECDS) is not implemented' },
  }, f);
  const type = anyType(last.typedConfig);
  const body = anyBody(last.typedConfig);
  const bufferLimit = num(json.perConnectionBufferLimitBytes) ?? LISTENER_DEFAULTS.perConnectionBufferLimitBytes;
  let filter: DpListener['filter'];
  if (type === HCM_TYPE) {
    filter = { kind: 'http', hcm: hcmFromJson(body, at(lastPath, 'typed_config'), f, bufferLimit, opts) };
  } else if (type === TCP_PROXY_TYPE) {
    filter = { kind: 'tcp', tcp: tcpProxyFromJson(body, at(lastPath, 'typed_config'), f) };
  } else {
    f.reject(lastPath, `network filter ${type ?? str(last.name) ?? '(none)'} is not implemented (http_connection_manager and tcp_proxy are)`);
    filter = { kind: 'tcp', tcp: { statPrefix: '', cluster: '', maxConnectAttempts: 1 } };
  }
  return { name, address, port, filter, raw: json };
}

function listenerFilter(json: JsonObject, path: string, f: Findings): void {
  const type = anyType(json.typedConfig) ?? '';
  const name = str(json.name) ?? '';
  if (type.includes('tls_inspector') || name === 'envoy.filters.listener.tls_inspector') {
    f.ignore(path, 'no filter chain matches on TLS, so inspecting it changes nothing');
  } else if (type.includes('http_inspector') || name === 'envoy.filters.listener.http_inspector') {
    f.ignore(path, 'no filter chain matches on the application protocol, so inspecting it changes nothing');
  } else {
    f.reject(path, `listener filter ${type || name} is not implemented`);
  }
}

function hcmFromJson(json: JsonObject, path: string, f: Findings, bufferLimitBytes: number, opts: ListenerOptions): DpHttpConnectionManager {
  checkFields(json, HCM_TYPE, path, HCM, f);
  const statPrefix = str(json.statPrefix) ?? '';
  if (statPrefix === '') invalid(at(path, 'stat_prefix'), 'stat_prefix is required');
  const codec = str(json.codecType) ?? 'AUTO';
  if (codec === 'HTTP2' || codec === 'HTTP3') f.reject(at(path, 'codec_type'), `downstream ${codec} only is not implemented (AUTO and HTTP1 are)`);
  if (json.normalizePath === true) f.reject(at(path, 'normalize_path'), 'path normalisation is not implemented');
  if (json.mergeSlashes === true) f.reject(at(path, 'merge_slashes'), 'merging slashes in paths is not implemented');
  const escaped = str(json.pathWithEscapedSlashesAction) ?? 'IMPLEMENTATION_SPECIFIC_DEFAULT';
  if (escaped !== 'IMPLEMENTATION_SPECIFIC_DEFAULT' && escaped !== 'KEEP_UNCHANGED') {
    f.reject(at(path, 'path_with_escaped_slashes_action'), `${escaped} is not implemented (paths are kept unchanged)`);
  }
  if (json.skipXffAppend === true) f.ignore(at(path, 'skip_xff_append'), 'x-forwarded-for is handled the same either way');
  const trusted = num(json.xffNumTrustedHops) ?? 0;
  if (trusted > 0) f.reject(at(path, 'xff_num_trusted_hops'), 'trusting x-forwarded-for hops is not implemented (it decides which requests are internal)');

  const hcm: DpHttpConnectionManager = {
    statPrefix,
    httpFilters: [],
    allowAbsoluteUrl: true,
    useRemoteAddress: json.useRemoteAddress === true,
    internalCidrs: [...DEFAULT_INTERNAL_CIDRS],
    accessLogs: [],
    bufferLimitBytes,
  };
  // Envoy refuses both port modes at once (strip_any_host_port is in a oneof beside the other's meaning).
  if (json.stripAnyHostPort === true && json.stripMatchingHostPort === true) {
    invalid(at(path, 'strip_matching_host_port'), 'strip_matching_host_port and strip_any_host_port are mutually exclusive');
  }
  if (json.stripAnyHostPort === true) hcm.stripHostPort = 'any';
  else if (json.stripMatchingHostPort === true) hcm.stripHostPort = 'matching';
  if (json.stripTrailingHostDot === true) hcm.stripTrailingHostDot = true;

  const rds = obj(json.rds);
  const inline = obj(json.routeConfig);
  if (rds) {
    const rpath = at(path, 'rds');
    checkFields(rds, 'envoy.extensions.filters.network.http_connection_manager.v3.Rds', rpath, { handled: ['config_source', 'route_config_name'] }, f);
    const name = str(rds.routeConfigName) ?? '';
    if (name === '') invalid(at(rpath, 'route_config_name'), 'route_config_name is required');
    const source = obj(rds.configSource);
    if (!source) invalid(at(rpath, 'config_source'), 'config_source is required');
    configSourceIsAds(source, at(rpath, 'config_source'), f, opts.fromAds === true);
    hcm.rdsName = name;
  } else if (inline) {
    hcm.routeConfig = routeConfigFromJson(inline, at(path, 'route_config'), f, opts);
  } else if (!json.scopedRoutes) {
    invalid(path, 'an HTTP connection manager needs rds or route_config');
  }

  hcm.httpFilters = httpFilters(json, path, f);

  const h1 = obj(json.httpProtocolOptions);
  if (h1) {
    const hpath = at(path, 'http_protocol_options');
    checkFields(h1, 'envoy.config.core.v3.Http1ProtocolOptions', hpath, {
      handled: ['allow_absolute_url', 'accept_http_10', 'default_host_for_http_10'],
      ignored: {
        header_key_format: 'header names are sent as Node.js writes them',
        enable_trailers: 'HTTP/1.1 trailers are passed as Node.js handles them',
        allow_chunked_length: 'requests with both Content-Length and chunked encoding are handled by Node.js',
        override_stream_error_on_invalid_http_message: 'invalid HTTP messages close the connection',
        send_fully_qualified_url: 'only acts on upstream requests',
        use_balsa_parser: 'Node.js\'s HTTP parser is used',
        allow_custom_methods: 'methods are accepted as Node.js accepts them',
      },
    }, f);
    if (typeof h1.allowAbsoluteUrl === 'boolean') hcm.allowAbsoluteUrl = h1.allowAbsoluteUrl;
    if (h1.acceptHttp10 === true) f.reject(at(hpath, 'accept_http_10'), 'serving HTTP/1.0 requests is not implemented');
    if (typeof h1.defaultHostForHttp10 === 'string') f.reject(at(hpath, 'default_host_for_http_10'), 'serving HTTP/1.0 requests is not implemented');
  }
  const common = obj(json.commonHttpProtocolOptions);
  if (common) {
    checkFields(common, 'envoy.config.core.v3.HttpProtocolOptions', at(path, 'common_http_protocol_options'), {
      handled: ['headers_with_underscores_action'],
      ignored: {
        idle_timeout: 'idle downstream connections are closed by Node.js\'s keep-alive timeout',
        max_connection_duration: 'downstream connections are not closed by age',
        max_headers_count: 'the header count limit is Node.js\'s',
        max_requests_per_connection: 'downstream connections are not capped by request count',
      },
      rejected: { max_stream_duration: 'a downstream max stream duration is not implemented (use the route\'s max_stream_duration)' },
    }, f);
    const underscores = str(common.headersWithUnderscoresAction) ?? 'ALLOW';
    if (underscores !== 'ALLOW') {
      f.reject(at(path, 'common_http_protocol_options.headers_with_underscores_action'), `${underscores} for headers with underscores is not implemented (they are allowed)`);
    }
  }

  const internal = obj(json.internalAddressConfig);
  if (internal) {
    const ipath = at(path, 'internal_address_config');
    checkFields(internal, 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.InternalAddressConfig', ipath, {
      handled: ['cidr_ranges'],
      ignored: { unix_sockets: 'Unix socket listeners are not implemented' },
    }, f);
    const cidrs = objs(internal.cidrRanges).map((c, i) => {
      const address = str(c.addressPrefix) ?? '';
      if (address === '') invalid(at(index(at(ipath, 'cidr_ranges'), i), 'address_prefix'), 'address_prefix is required');
      return { address, prefixLen: num(c.prefixLen) ?? 0 };
    });
    if (cidrs.length > 0) hcm.internalCidrs = cidrs;
  }

  hcm.accessLogs = objs(json.accessLog).flatMap((a, i) => {
    const log = accessLogFromJson(a, index(at(path, 'access_log'), i), f);
    return log ? [log] : [];
  });
  return hcm;
}

function httpFilters(json: JsonObject, path: string, f: Findings): DpHttpFilter[] {
  const list = objs(json.httpFilters);
  const fpath = at(path, 'http_filters');
  const out: DpHttpFilter[] = [];
  list.forEach((flt, i) => {
    const p = index(fpath, i);
    checkFields(flt, 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter', p, {
      handled: ['name', 'typed_config', 'is_optional', 'disabled'],
      rejected: { config_discovery: 'extension config discovery (ECDS) is not implemented' },
    }, f);
    const name = str(flt.name) ?? '';
    const type = anyType(flt.typedConfig);
    const body = anyBody(flt.typedConfig);
    const isRouter = type === ROUTER_TYPE || (!type && name === 'envoy.filters.http.router');
    if (flt.disabled === true && !isRouter) {
      f.reject(at(p, 'disabled'), 'filters disabled by default (enabled per route) are not implemented');
      return;
    }
    if (isRouter) {
      const strict = routerConfig(body, at(p, 'typed_config'), f);
      if (i !== list.length - 1) invalid(p, 'the router must be the last HTTP filter');
      out.push(strict.length > 0 ? { name, kind: 'router', strictCheckHeaders: strict } : { name, kind: 'router' });
    } else if (type === FAULT_TYPE || (!type && name === 'envoy.filters.http.fault')) {
      out.push({ name, kind: 'fault', config: faultFromJson(body, at(p, 'typed_config'), f) });
    } else if (type === DFP_FILTER_TYPE) {
      checkFields(body, DFP_FILTER_TYPE, at(p, 'typed_config'), {
        handled: ['dns_cache_config'],
        ignored: { save_upstream_address: 'the upstream address is not saved in filter state' },
        rejected: { sub_cluster_config: 'dynamic forward proxy sub-clusters are not implemented' },
      }, f);
      ignoreAll(obj(body.dnsCacheConfig), 'envoy.extensions.common.dynamic_forward_proxy.v3.DnsCacheConfig', at(p, 'typed_config.dns_cache_config'),
        'hosts are resolved with the operating system resolver and cached 60 s (no other DNS cache settings)', f, ['name', 'dnsLookupFamily']);
      out.push({ name, kind: 'dynamic_forward_proxy' });
    } else if (flt.isOptional === true) {
      f.ignore(p, `optional HTTP filter ${type ?? name} is not implemented and is skipped, as Envoy skips an optional filter it does not know`);
    } else {
      f.reject(p, `HTTP filter ${type ?? name} is not implemented (router, fault and dynamic_forward_proxy are)`);
    }
  });
  if (!out.some((x) => x.kind === 'router')) invalid(fpath, 'the last HTTP filter must be the router (envoy.filters.http.router)');
  return out;
}

/** The x-envoy-* request headers `strict_check_headers` may name (Envoy's proto `in` constraint). */
const STRICT_CHECKABLE_HEADERS: ReadonlySet<string> = new Set([
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-max-retries',
  'x-envoy-retry-grpc-on',
  'x-envoy-retry-on',
]);

/** Checks the router's typed_config; returns its `strict_check_headers` (lower-cased, validated). */
function routerConfig(json: JsonObject, path: string, f: Findings): string[] {
  checkFields(json, ROUTER_TYPE, path, {
    handled: ['strict_check_headers'],
    ignored: {
      dynamic_stats: 'dynamic per-request stats (upstream_rq_time by canary/zone) are not published',
      upstream_log: 'upstream access logs are not written',
      upstream_log_options: 'upstream access logs are not written',
      suppress_grpc_request_failure_code_stats: 'gRPC failure code stats are not published',
      start_child_span: 'tracing is not implemented',
    },
    rejected: {
      suppress_envoy_headers: 'suppressing x-envoy-* headers is not implemented',
      respect_expected_rq_timeout: 'honouring x-envoy-expected-rq-timeout-ms from downstream is not implemented',
      upstream_http_filters: 'upstream HTTP filters are not implemented',
    },
  }, f);
  const headers = strs(json.strictCheckHeaders);
  headers.forEach((h, k) => {
    if (!STRICT_CHECKABLE_HEADERS.has(h)) {
      invalid(index(at(path, 'strict_check_headers'), k), `"${h}" cannot be strictly checked; allowed: ${[...STRICT_CHECKABLE_HEADERS].join(', ')}`);
    }
  });
  return headers;
}

/** `AccessLog` → DpAccessLog for stdout/stderr/file loggers; other loggers are ignored (reported). */
export function accessLogFromJson(json: JsonObject, path: string, f: Findings): DpAccessLog | undefined {
  checkFields(json, 'envoy.config.accesslog.v3.AccessLog', path, {
    handled: ['name', 'typed_config'],
    ignored: { filter: 'access log filters are not applied: every request is logged' },
  }, f);
  const type = anyType(json.typedConfig);
  const body = anyBody(json.typedConfig);
  const cpath = at(path, 'typed_config');
  let log: DpAccessLog;
  if (type === STDOUT_TYPE || type === STDERR_TYPE) {
    checkFields(body, type, cpath, { handled: ['log_format'] }, f);
    log = { path: type === STDOUT_TYPE ? 'stdout' : 'stderr' };
  } else if (type === FILE_TYPE) {
    checkFields(body, FILE_TYPE, cpath, {
      handled: ['path', 'log_format', 'format'],
      ignored: {
        json_format: 'JSON access log formats are not implemented; Envoy\'s default text format is used',
        typed_json_format: 'JSON access log formats are not implemented; Envoy\'s default text format is used',
      },
    }, f);
    const file = str(body.path) ?? '';
    if (file === '') invalid(at(cpath, 'path'), 'a file access log needs a path');
    log = { path: file };
    if (typeof body.format === 'string' && body.format !== '') log.format = body.format;
  } else {
    f.ignore(path, `access logger ${type ?? str(json.name) ?? '(none)'} is not implemented (stdout, stderr and file loggers are)`);
    return undefined;
  }
  const lf = obj(body.logFormat);
  if (lf) {
    const lpath = at(cpath, 'log_format');
    checkFields(lf, 'envoy.config.core.v3.SubstitutionFormatString', lpath, {
      handled: ['text_format', 'text_format_source'],
      silent: ['content_type'],
      ignored: {
        json_format: 'JSON access log formats are not implemented; Envoy\'s default text format is used',
        omit_empty_values: 'empty values are printed as "-"',
        formatters: 'formatter extensions are not implemented',
        json_format_options: 'JSON access log formats are not implemented',
      },
    }, f);
    if (typeof lf.textFormat === 'string' && lf.textFormat !== '') log.format = lf.textFormat;
    const src = obj(lf.textFormatSource);
    if (src) log.format = dataSource(src, at(lpath, 'text_format_source'), f);
  }
  return log;
}

/** `TcpProxy` → DpTcpProxy. */
function tcpProxyFromJson(json: JsonObject, path: string, f: Findings): DpTcpProxy {
  checkFields(json, TCP_PROXY_TYPE, path, TCP_PROXY, f);
  const statPrefix = str(json.statPrefix) ?? '';
  if (statPrefix === '') invalid(at(path, 'stat_prefix'), 'stat_prefix is required');
  const cluster = str(json.cluster) ?? '';
  if (cluster === '' && !json.weightedClusters) invalid(at(path, 'cluster'), 'a TCP proxy needs a cluster');
  const attempts = num(json.maxConnectAttempts) ?? LISTENER_DEFAULTS.maxConnectAttempts;
  if (attempts < 1) invalid(at(path, 'max_connect_attempts'), 'max_connect_attempts must be at least 1');
  const idle = durationMs(json.idleTimeout);
  const out: DpTcpProxy = { statPrefix, cluster, maxConnectAttempts: attempts, idleTimeoutMs: idle ?? LISTENER_DEFAULTS.tcpIdleTimeoutMs };
  const logs = objs(json.accessLog).flatMap((a, i) => {
    const log = accessLogFromJson(a, index(at(path, 'access_log'), i), f);
    return log ? [log] : [];
  });
  if (logs.length > 0) out.accessLogs = logs;
  objs(json.hashPolicy).forEach((h, i) => {
    checkFields(h, 'envoy.type.v3.HashPolicy', index(at(path, 'hash_policy'), i), {
      handled: ['source_ip'],
      rejected: { filter_state: 'hashing on filter state is not implemented' },
    }, f);
    if (obj(h.sourceIp)) out.hashSourceIp = true;
  });
  return out;
}
