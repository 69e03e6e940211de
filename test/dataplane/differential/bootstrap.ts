/**
 * Renders the envoy-retry.md §8.1 reference bootstrap for one config group: the `http` listener
 * (HTTP connection manager with the §8.1 access log and one virtual host per scenario, domain
 * `<scenario id>.test`), one `tcp_proxy` listener per TCP scenario, and the group's clusters
 * (`backend` first) pointing at this run's upstream ports or a dead port. Envoy and Ricochet's
 * data plane are started from the very same file.
 */
import * as YAML from 'yaml';
import { renderBootstrap } from '../../support/envoy';
import type { Json, JsonObject, Scenario } from './model';

/** An endpoint by upstream name, with `filter_metadata["envoy.lb"]` for metadata predicates. */
export type EndpointDef = string | { name: string; lbMetadata: JsonObject };

export interface ClusterDef {
  name: string;
  /** Upstream names of the group (see GroupDef.upstreams) or 'dead' (a port nobody listens on). */
  endpoints: EndpointDef[];
  /** Speak HTTP/2 (h2c, prior knowledge) to the endpoints. */
  http2?: boolean;
  /** More Cluster fields (circuit_breakers, lb_policy, ...). */
  extra?: JsonObject;
}

export interface GroupDef {
  name: string;
  title: string;
  /**
   * Endpoints to start for this group: scripted upstreams (sharing one ScriptBook), a
   * `blackhole` (a listener whose accept queue is full: connects hang until the cluster's
   * connect_timeout), or a `fixed` one answering that status to everything (fixedUpstream.ts).
   */
  upstreams: Array<{ name: string; http2?: boolean; blackhole?: boolean; fixed?: number }>;
  clusters: ClusterDef[];
  /** The `http` listener trusts 127.0.0.0/8 as internal (x-envoy-* request headers honoured). */
  internal?: boolean;
  /** More HttpConnectionManager fields. */
  hcmExtra?: JsonObject;
  /** More Router filter fields (e.g. strict_check_headers). */
  routerExtra?: JsonObject;
  /** More Listener fields. */
  listenerExtra?: JsonObject;
}

export interface GroupPorts {
  admin: number;
  http: number;
  /** Per TCP scenario id. */
  tcp: Map<string, number>;
  /** Upstream name (or 'dead') → port. */
  endpoints: Map<string, number>;
}

/** The §8.1 access log format, per HTTP request. */
export const ACCESS_LOG_FORMAT = '%REQ(X-SCENARIO-ID)% %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_REQUEST_ATTEMPT_COUNT% %DURATION%\n';

function accessLog(format: string): Json[] {
  return [
    {
      name: 'envoy.access_loggers.stdout',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
        log_format: { text_format_source: { inline_string: format } },
      },
    },
  ];
}

function socketAddress(port: number): JsonObject {
  return { socket_address: { address: '127.0.0.1', port_value: port } };
}

function clusterJson(def: ClusterDef, ports: GroupPorts): JsonObject {
  const lbEndpoints = def.endpoints.map((e) => {
    const name = typeof e === 'string' ? e : e.name;
    const port = ports.endpoints.get(name);
    if (port === undefined) throw new Error(`cluster ${def.name}: no port for endpoint ${name}`);
    const lb: JsonObject = { endpoint: { address: socketAddress(port) } };
    if (typeof e !== 'string') lb.metadata = { filter_metadata: { 'envoy.lb': e.lbMetadata } };
    return lb;
  });
  const cluster: JsonObject = {
    name: def.name,
    type: 'STATIC',
    connect_timeout: '1s',
    lb_policy: 'ROUND_ROBIN',
    load_assignment: { cluster_name: def.name, endpoints: lbEndpoints.length > 0 ? [{ lb_endpoints: lbEndpoints }] : [] },
  };
  if (def.http2) {
    cluster.typed_extension_protocol_options = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    };
  }
  return { ...cluster, ...(def.extra ?? {}) };
}

/** The virtual host of one HTTP scenario: its own `routes`, else one catch-all route to its cluster. */
export function virtualHost(s: Scenario): JsonObject {
  const action: JsonObject = { cluster: s.cluster ?? 'backend', ...(s.route ?? {}) };
  return {
    name: s.id,
    domains: [`${s.id}.test`],
    ...(s.vhost ?? {}),
    routes: s.routes ?? [{ match: { prefix: '/' }, route: action, ...(s.routeExtra ?? {}) }],
  };
}

export function buildBootstrap(group: GroupDef, scenarios: readonly Scenario[], ports: GroupPorts): JsonObject {
  const hcm: JsonObject = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: 'ingress',
    ...(group.internal
      ? { use_remote_address: true, internal_address_config: { cidr_ranges: [{ address_prefix: '127.0.0.0', prefix_len: 8 }] } }
      : {}),
    access_log: accessLog(ACCESS_LOG_FORMAT),
    route_config: {
      name: 'local',
      virtual_hosts: scenarios.filter((s) => !s.tcp).map(virtualHost),
    },
    http_filters: [
      { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', ...(group.routerExtra ?? {}) } },
    ],
    ...(group.hcmExtra ?? {}),
  };
  const listeners: Json[] = [
    {
      name: 'http',
      address: socketAddress(ports.http),
      ...(group.listenerExtra ?? {}),
      filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }],
    },
  ];
  for (const s of scenarios) {
    if (!s.tcp) continue;
    const port = ports.tcp.get(s.id);
    if (port === undefined) throw new Error(`no TCP listener port for ${s.id}`);
    const tcp: JsonObject = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
      stat_prefix: s.id,
      cluster: s.tcp.cluster,
      // One line per downstream connection, keyed by the scenario id (tcp has no request headers).
      access_log: accessLog(`${s.id} 0 %RESPONSE_FLAGS% %UPSTREAM_REQUEST_ATTEMPT_COUNT% %DURATION%\n`),
    };
    if (s.tcp.maxConnectAttempts !== undefined) tcp.max_connect_attempts = s.tcp.maxConnectAttempts;
    listeners.push({
      name: `tcp_${s.id}`,
      address: socketAddress(port),
      filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: tcp }] }],
    });
  }
  return {
    admin: { address: socketAddress(ports.admin) },
    static_resources: {
      listeners,
      clusters: group.clusters.map((c) => clusterJson(c, ports)),
    },
  };
}

/** Writes the group's bootstrap to a temp file (kept with RICOCHET_KEEP_TMP=1) and returns its path. */
export function writeBootstrap(group: GroupDef, scenarios: readonly Scenario[], ports: GroupPorts): string {
  // Strings double-quoted: Envoy's YAML parser is YAML 1.1, where a bare `yes` or `on` is a boolean.
  const yaml = YAML.stringify(buildBootstrap(group, scenarios, ports), { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
  const text = `# differential group ${group.name}: ${group.title}\n${yaml}`;
  return renderBootstrap({ yaml: text }, {}, `differential-${group.name}.yaml`);
}
