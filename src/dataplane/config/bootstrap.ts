import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Codes, RicochetError } from '../../lib/errors';
import type { JsonObject } from '../../lib/protos/protoJson';
import type { DpCluster, DpListener, DpSnapshot, DpUnsupportedField } from './model';
import { Findings, at, checkFields, durationMs, index, invalid, obj, objs, str, throwIfRejected, type FieldRules } from './fields';
import { ConfigError, normalizeMessage } from './normalize';
import { CLUSTER_DEFAULTS, clusterFromJson, type ClusterExtras } from './cluster';
import { listenerFromJson } from './listener';
import { socketAddressFromJson } from './endpoints';
import { checkListenerSet, composeSnapshot } from './snapshot';

export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

/** The proxy's identity, as sent to the control plane. */
export interface DpNode {
  id: string;
  cluster: string;
  /** `node.metadata` (a Struct) as JSON. */
  metadata: JsonObject;
  /** The whole canonical `node` message. */
  raw: JsonObject;
}

/** Where and how to reach the ADS server (`dynamic_resources.ads_config`). */
export interface DpAdsConfig {
  /** The static cluster named by `grpc_services[0].envoy_grpc.cluster_name` (absent for google_grpc). */
  clusterName?: string;
  address: string;
  port: number;
  /** `set_node_on_first_message_only` (Envoy's default: false, the node goes on every request). */
  setNodeOnFirstMessageOnly: boolean;
  /** `initial_fetch_timeout` of cds_config / lds_config in ms; 0 = wait forever. Default 15 s. */
  cdsInitialFetchTimeoutMs: number;
  ldsInitialFetchTimeoutMs: number;
}

export interface LoadedBootstrap {
  file?: string;
  node: DpNode;
  admin?: { address: string; port: number };
  /** Static listeners and clusters (EDS ones without endpoints until EDS delivers them). */
  staticSnapshot: DpSnapshot;
  /** Converted static clusters with what the ADS client needs to fill EDS ones. */
  staticClusters: Array<{ cluster: DpCluster; extras: ClusterExtras }>;
  ads?: DpAdsConfig;
  cdsViaAds: boolean;
  ldsViaAds: boolean;
  /** Every field present but not implemented (none `rejected`: those throw). */
  unsupported: DpUnsupportedField[];
  /** The bootstrap as canonical proto3 JSON (for /config_dump). */
  raw: JsonObject;
}

const BOOTSTRAP: FieldRules = {
  handled: ['node', 'static_resources', 'dynamic_resources', 'admin'],
  ignored: {
    node_context_params: 'xDS-TP context parameters are not used',
    cluster_manager: 'cluster manager settings (local cluster, outlier event log, load stats) are not used',
    hds_config: 'health discovery (HDS) is not implemented',
    flags_path: 'flag files are not read',
    stats_sinks: 'stats are only served on the admin endpoint (no sinks)',
    deferred_stat_options: 'stats are created eagerly',
    stats_config: 'stats tags and matchers are not applied: every stat is kept under its full name',
    stats_flush_interval: 'stats are only served on the admin endpoint (no sinks)',
    stats_flush_on_admin: 'stats are only served on the admin endpoint (no sinks)',
    watchdog: 'there is no watchdog',
    watchdogs: 'there is no watchdog',
    tracing: 'tracing is not implemented',
    layered_runtime: 'runtime layers are not applied: every runtime key has its default value',
    overload_manager: 'there is no overload manager',
    enable_dispatcher_stats: 'dispatcher stats are not published',
    stats_server_version_override: 'server version stats are not published',
    use_tcp_for_dns_lookups: 'names are resolved with the operating system resolver',
    dns_resolution_config: 'names are resolved with the operating system resolver',
    typed_dns_resolver_config: 'names are resolved with the operating system resolver',
    bootstrap_extensions: 'bootstrap extensions are not loaded',
    fatal_actions: 'there are no fatal actions',
    config_sources: 'xDS-TP config sources are not used',
    default_config_source: 'xDS-TP config sources are not used',
    default_socket_interface: 'the Node.js socket layer is used',
    certificate_provider_instances: 'TLS is not implemented',
    inline_headers: 'header maps are not customised',
    perf_tracing_file_path: 'performance tracing is not implemented',
    default_regex_engine: 'regexes use JavaScript RegExp (RE2 syntax mostly matches)',
    xds_delegate_extension: 'xDS delegates are not implemented',
    xds_config_tracker_extension: 'xDS config trackers are not implemented',
    listener_manager: 'the built-in listener manager is used',
    application_log_config: 'logs are written as structured JSON to stderr',
    grpc_async_client_manager_config: 'the gRPC client is grpc-js',
    memory_allocator_manager: 'memory is managed by Node.js',
  },
  rejected: {
    header_prefix: 'a custom x-envoy- header prefix is not implemented',
  },
};

const NODE: FieldRules = {
  handled: ['id', 'cluster', 'metadata'],
  silent: ['locality', 'user_agent_name', 'user_agent_version', 'user_agent_build_version', 'extensions', 'client_features'],
  ignored: {
    dynamic_parameters: 'xDS-TP dynamic parameters are not sent',
    listening_addresses: 'deprecated, not sent',
  },
};

/** Reads an Envoy bootstrap (YAML or JSON, by content) and checks it. Throws coded errors. */
export function loadBootstrap(file: string): LoadedBootstrap {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RicochetError(Codes.FileRead, `cannot read bootstrap ${file}: ${(err as Error).message}`, { file });
  }
  return parseBootstrap(parseConfigText(text, file), { file, baseDir: path.dirname(path.resolve(file)) });
}

/** YAML or JSON text → one document. Envoy takes a single document per bootstrap. */
export function parseConfigText(text: string, file?: string): unknown {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) {
    throw new RicochetError(Codes.YamlSyntax, 'empty bootstrap', file ? { file } : undefined);
  }
  const contentful = docs.filter((d) => d.contents !== null);
  if (contentful.length > 1) throw new RicochetError(Codes.YamlSyntax, `a bootstrap is one YAML document; found ${contentful.length}`, file ? { file } : undefined);
  const doc = contentful[0] ?? docs[0];
  if (!doc) throw new RicochetError(Codes.YamlSyntax, 'empty bootstrap', file ? { file } : undefined);
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    throw new RicochetError(Codes.YamlSyntax, `invalid YAML: ${error.message.split('\n')[0]}`, { ...(file ? { file } : {}), ...(pos ? { line: pos.line, column: pos.col } : {}) });
  }
  return doc.toJS({ maxAliasCount: 100 });
}

export interface ParseBootstrapOptions {
  file?: string;
  /** Relative `filename`s (direct response bodies) resolve here. */
  baseDir?: string;
}

/**
 * An Envoy bootstrap (snake_case or camelCase keys) → LoadedBootstrap. Invalid config throws
 * ConfigError naming the path; fields that would change behaviour if ignored throw
 * UnsupportedConfigError listing every one of them; the rest are in `unsupported`.
 */
export function parseBootstrap(doc: unknown, opts: ParseBootstrapOptions = {}): LoadedBootstrap {
  let raw: JsonObject;
  try {
    raw = normalizeMessage(BOOTSTRAP_TYPE, doc ?? {}, { file: opts.file });
  } catch (err) {
    if (err instanceof ConfigError && opts.file) throw withFile(err, opts.file);
    throw err;
  }
  try {
    return interpret(raw, opts);
  } catch (err) {
    if (err instanceof ConfigError && opts.file) throw withFile(err, opts.file);
    throw err;
  }
}

/** Names the file in the error (keeping its class, so UnsupportedConfigError keeps its findings). */
function withFile(err: ConfigError, file: string): ConfigError {
  err.message = `${file}: ${err.message}`;
  Object.assign(err, { location: { ...err.location, file } });
  return err;
}

function interpret(raw: JsonObject, opts: ParseBootstrapOptions): LoadedBootstrap {
  const f = new Findings();
  checkFields(raw, BOOTSTRAP_TYPE, '', BOOTSTRAP, f);
  const readFile = (file: string): string => fs.readFileSync(path.resolve(opts.baseDir ?? process.cwd(), file), 'utf8');

  const nodeJson = obj(raw.node) ?? {};
  checkFields(nodeJson, 'envoy.config.core.v3.Node', 'node', NODE, f);
  const node: DpNode = { id: str(nodeJson.id) ?? '', cluster: str(nodeJson.cluster) ?? '', metadata: obj(nodeJson.metadata) ?? {}, raw: nodeJson };

  let admin: LoadedBootstrap['admin'];
  const adminJson = obj(raw.admin);
  if (adminJson) {
    checkFields(adminJson, 'envoy.config.bootstrap.v3.Admin', 'admin', {
      handled: ['address'],
      ignored: {
        access_log: 'admin access logs are not written',
        access_log_path: 'admin access logs are not written',
        profile_path: 'CPU profiling is not implemented',
        socket_options: 'socket options are not applied',
        ignore_global_conn_limit: 'there is no global connection limit',
      },
    }, f);
    if (obj(adminJson.address)) admin = socketAddressFromJson(obj(adminJson.address), 'admin.address', f, true);
  }

  const statics = obj(raw.staticResources) ?? {};
  checkFields(statics, 'envoy.config.bootstrap.v3.Bootstrap.StaticResources', 'static_resources', {
    handled: ['listeners', 'clusters'],
    ignored: { secrets: 'TLS is not implemented, so static secrets are never used' },
  }, f);
  const staticClusters = objs(statics.clusters).map((c, i) => clusterFromJson(c, index('static_resources.clusters', i), f, { fromAds: false }));
  const clusterNames = new Set<string>();
  staticClusters.forEach(({ cluster }, i) => {
    if (clusterNames.has(cluster.name)) invalid(at(index('static_resources.clusters', i), 'name'), `duplicate cluster name "${cluster.name}"`);
    clusterNames.add(cluster.name);
  });
  const staticListeners: DpListener[] = objs(statics.listeners).map((l, i) => listenerFromJson(l, index('static_resources.listeners', i), f, { fromAds: false, readFile }));
  checkListenerSet(staticListeners, 'static_resources.listeners');

  const dyn = obj(raw.dynamicResources);
  let ads: DpAdsConfig | undefined;
  let cdsViaAds = false;
  let ldsViaAds = false;
  if (dyn) {
    checkFields(dyn, 'envoy.config.bootstrap.v3.Bootstrap.DynamicResources', 'dynamic_resources', {
      handled: ['lds_config', 'cds_config', 'ads_config'],
      rejected: {
        lds_resources_locator: 'xDS-TP resource locators are not implemented; use lds_config: {ads: {}}',
        cds_resources_locator: 'xDS-TP resource locators are not implemented; use cds_config: {ads: {}}',
      },
    }, f);
    const adsJson = obj(dyn.adsConfig);
    if (adsJson) ads = adsConfigFromJson(adsJson, 'dynamic_resources.ads_config', f, staticClusters.map((c) => c.cluster));
    const viaAds = (key: 'cdsConfig' | 'ldsConfig', p: string): boolean => {
      const source = obj(dyn[key]);
      if (!source) return false;
      checkFields(source, 'envoy.config.core.v3.ConfigSource', p, {
        handled: ['ads', 'initial_fetch_timeout', 'resource_api_version', 'path', 'path_config_source', 'api_config_source', 'self'],
        ignored: { authorities: 'xDS-TP authorities are not used' },
      }, f);
      if (!obj(source.ads)) {
        f.reject(p, 'only ADS config sources (ads: {}) are implemented; filesystem and per-type gRPC subscriptions are not');
        return false;
      }
      if (!ads) invalid(p, 'ads: {} needs dynamic_resources.ads_config');
      return true;
    };
    cdsViaAds = viaAds('cdsConfig', 'dynamic_resources.cds_config');
    ldsViaAds = viaAds('ldsConfig', 'dynamic_resources.lds_config');
    if (ads) {
      ads.cdsInitialFetchTimeoutMs = durationMs(obj(dyn.cdsConfig)?.initialFetchTimeout) ?? CLUSTER_DEFAULTS.initialFetchTimeoutMs;
      ads.ldsInitialFetchTimeoutMs = durationMs(obj(dyn.ldsConfig)?.initialFetchTimeout) ?? CLUSTER_DEFAULTS.initialFetchTimeoutMs;
    }
  }

  // Static resources that wait for ADS need ADS.
  staticClusters.forEach(({ cluster, extras }, i) => {
    if (cluster.type === 'EDS' && extras.edsViaAds && !ads) {
      invalid(at(index('static_resources.clusters', i), 'eds_cluster_config.eds_config'), 'an EDS cluster with ads: {} needs dynamic_resources.ads_config');
    }
  });
  staticListeners.forEach((l, i) => {
    if (l.filter.kind === 'http' && l.filter.hcm.rdsName !== undefined && !ads) {
      invalid(index('static_resources.listeners', i), `RDS (route_config_name ${l.filter.hcm.rdsName}) needs dynamic_resources.ads_config`);
    }
  });

  throwIfRejected('bootstrap', f);
  return {
    ...(opts.file ? { file: opts.file } : {}),
    node,
    ...(admin ? { admin } : {}),
    staticSnapshot: composeSnapshot({ listeners: staticListeners, routeConfigs: [], clusters: staticClusters }),
    staticClusters,
    ...(ads ? { ads } : {}),
    cdsViaAds,
    ldsViaAds,
    unsupported: f.fields,
    raw,
  };
}

function adsConfigFromJson(json: JsonObject, p: string, f: Findings, clusters: DpCluster[]): DpAdsConfig {
  checkFields(json, 'envoy.config.core.v3.ApiConfigSource', p, {
    handled: ['api_type', 'transport_api_version', 'grpc_services', 'set_node_on_first_message_only'],
    ignored: {
      refresh_delay: 'only used by REST subscriptions',
      request_timeout: 'only used by REST subscriptions',
      rate_limit_settings: 'discovery requests are not rate limited',
      config_validators: 'config validator extensions are not loaded',
    },
    rejected: { cluster_names: 'REST config sources are not implemented; use grpc_services' },
  }, f);
  const apiType = str(json.apiType) ?? '';
  if (apiType === 'DELTA_GRPC' || apiType === 'AGGREGATED_DELTA_GRPC') {
    f.ignore(at(p, 'api_type'), 'incremental (delta) xDS is not implemented; state-of-the-world ADS is used, which yields the same config');
  } else if (apiType !== 'GRPC' && apiType !== 'AGGREGATED_GRPC') {
    invalid(at(p, 'api_type'), `api_type ${apiType || '(unset)'} is not usable for ADS; use GRPC`);
  }
  if ((str(json.transportApiVersion) ?? 'AUTO') === 'V2') invalid(at(p, 'transport_api_version'), 'the v2 xDS API is not supported; use V3');
  const services = objs(json.grpcServices);
  if (services.length !== 1) invalid(at(p, 'grpc_services'), `ADS needs exactly one grpc_service, got ${services.length}`);
  const gpath = index(at(p, 'grpc_services'), 0);
  const svc = services[0];
  checkFields(svc, 'envoy.config.core.v3.GrpcService', gpath, {
    handled: ['envoy_grpc', 'google_grpc'],
    ignored: {
      timeout: 'the ADS stream has no deadline',
      initial_metadata: 'initial gRPC metadata is not sent',
      retry_policy: 'the stream reconnects with its own backoff (500 ms doubling to 30 s)',
    },
  }, f);
  const base = {
    setNodeOnFirstMessageOnly: json.setNodeOnFirstMessageOnly === true,
    cdsInitialFetchTimeoutMs: CLUSTER_DEFAULTS.initialFetchTimeoutMs,
    ldsInitialFetchTimeoutMs: CLUSTER_DEFAULTS.initialFetchTimeoutMs,
  };
  const envoyGrpc = obj(svc.envoyGrpc);
  if (envoyGrpc) {
    const epath = at(gpath, 'envoy_grpc');
    checkFields(envoyGrpc, 'envoy.config.core.v3.GrpcService.EnvoyGrpc', epath, {
      handled: ['cluster_name'],
      ignored: {
        authority: 'the :authority of the ADS stream is the target address',
        retry_policy: 'the stream reconnects with its own backoff',
        max_receive_message_length: 'grpc-js limits apply',
        skip_envoy_headers: 'no x-envoy-* headers are sent on the ADS stream',
      },
    }, f);
    const name = str(envoyGrpc.clusterName) ?? '';
    const cluster = clusters.find((c) => c.name === name);
    if (!cluster) invalid(at(epath, 'cluster_name'), `unknown static cluster "${name}": the ADS cluster must be one of static_resources.clusters`);
    const ep = cluster.endpoints[0];
    if (!ep) invalid(at(epath, 'cluster_name'), `static cluster "${name}" has no endpoint to reach the ADS server at`);
    return { clusterName: name, address: ep.address, port: ep.port, ...base };
  }
  const google = obj(svc.googleGrpc) ?? {};
  const gg = at(gpath, 'google_grpc');
  checkFields(google, 'envoy.config.core.v3.GrpcService.GoogleGrpc', gg, {
    handled: ['target_uri', 'stat_prefix'],
    ignored: {
      config: 'gRPC client config is not applied',
      per_stream_buffer_limit_bytes: 'grpc-js limits apply',
      channel_args: 'gRPC channel arguments are not applied',
    },
    rejected: {
      channel_credentials: 'TLS channel credentials are not implemented (insecure channels only)',
      call_credentials: 'call credentials are not implemented',
      credentials_factory_name: 'credential factories are not implemented',
    },
  }, f);
  const target = str(google.targetUri) ?? '';
  const m = /^(?:dns:\/*)?\[?([^\]]*?)\]?:(\d+)$/.exec(target);
  if (!m) invalid(at(gg, 'target_uri'), `target_uri "${target}" is not host:port`);
  return { address: m[1], port: Number(m[2]), ...base };
}
