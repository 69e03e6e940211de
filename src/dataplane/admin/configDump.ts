import type { JsonObject } from '../../lib/protos/protoJson';
import { TypeUrl } from '../../xds/resources';
import type { DpSnapshot } from '../config/model';
import { toProtoFieldNames } from '../config/normalize';
import { obj, objs } from '../config/fields';
import type { DumpedResource, DynamicConfigState } from '../xds/adsClient';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

export interface ConfigDumpInput {
  /** The canonical bootstrap, if the proxy started from one. */
  bootstrap?: JsonObject;
  /** When the bootstrap (and so the static resources) was loaded. */
  loadedAt: Date;
  /** What is served now (for inline route configurations). */
  snapshot?: DpSnapshot;
  /** Resources received over ADS, or fed in-process. */
  dynamic?: DynamicConfigState;
}

export interface ConfigDumpOptions {
  /** `?include_eds`: add the EndpointsConfigDump. */
  includeEds?: boolean;
}

function typed(typeUrl: string, json: JsonObject): JsonObject {
  return { '@type': typeUrl, ...json };
}

function ts(d: Date): string {
  return d.toISOString();
}

/**
 * Envoy's /config_dump: an `envoy.admin.v3.ConfigDump` with, in Envoy's order, BootstrapConfigDump,
 * ClustersConfigDump, ListenersConfigDump, ScopedRoutesConfigDump (empty), RoutesConfigDump, (with
 * include_eds, EndpointsConfigDump) and SecretsConfigDump (empty), printed with proto field names
 * (snake_case) as Envoy prints it. Resources are the proto3 JSON received.
 */
export function buildConfigDump(input: ConfigDumpInput, opts: ConfigDumpOptions = {}): JsonObject {
  const loaded = ts(input.loadedAt);
  const statics = obj(input.bootstrap?.staticResources) ?? {};
  const dyn = input.dynamic;
  const configs: JsonObject[] = [];

  if (input.bootstrap) {
    configs.push(typed(`${ADMIN}BootstrapConfigDump`, { bootstrap: input.bootstrap, lastUpdated: loaded }));
  }

  const clusters: JsonObject = {};
  if (dyn?.clusters.versionInfo) clusters.versionInfo = dyn.clusters.versionInfo;
  const staticClusters = objs(statics.clusters);
  if (staticClusters.length > 0) clusters.staticClusters = staticClusters.map((c) => ({ cluster: typed(TypeUrl.Cluster, c), lastUpdated: loaded }));
  const dynCluster = (r: DumpedResource): JsonObject => ({ versionInfo: r.versionInfo, cluster: typed(TypeUrl.Cluster, r.json), lastUpdated: ts(r.lastUpdated) });
  if (dyn && dyn.clusters.active.length > 0) clusters.dynamicActiveClusters = dyn.clusters.active.map(dynCluster);
  if (dyn && dyn.clusters.warming.length > 0) clusters.dynamicWarmingClusters = dyn.clusters.warming.map(dynCluster);
  configs.push(typed(`${ADMIN}ClustersConfigDump`, clusters));

  const listeners: JsonObject = {};
  if (dyn?.listeners.versionInfo) listeners.versionInfo = dyn.listeners.versionInfo;
  const staticListeners = objs(statics.listeners);
  if (staticListeners.length > 0) listeners.staticListeners = staticListeners.map((l) => ({ listener: typed(TypeUrl.Listener, l), lastUpdated: loaded }));
  if (dyn) {
    const byName = new Map<string, JsonObject>();
    const state = (r: DumpedResource): JsonObject => ({ versionInfo: r.versionInfo, listener: typed(TypeUrl.Listener, r.json), lastUpdated: ts(r.lastUpdated) });
    for (const r of dyn.listeners.active) byName.set(r.name, { name: r.name, activeState: state(r) });
    for (const r of dyn.listeners.warming) byName.set(r.name, { ...(byName.get(r.name) ?? { name: r.name }), warmingState: state(r) });
    if (byName.size > 0) listeners.dynamicListeners = [...byName.values()];
  }
  configs.push(typed(`${ADMIN}ListenersConfigDump`, listeners));
  configs.push(typed(`${ADMIN}ScopedRoutesConfigDump`, {}));

  const routes: JsonObject = {};
  const inline = (input.snapshot?.listeners ?? []).flatMap((l) => (l.filter.kind === 'http' && l.filter.hcm.routeConfig ? [l.filter.hcm.routeConfig.raw] : []));
  if (inline.length > 0) routes.staticRouteConfigs = inline.map((r) => ({ routeConfig: typed(TypeUrl.Route, r), lastUpdated: loaded }));
  if (dyn && dyn.routes.active.length > 0) {
    routes.dynamicRouteConfigs = dyn.routes.active.map((r) => ({ versionInfo: r.versionInfo, routeConfig: typed(TypeUrl.Route, r.json), lastUpdated: ts(r.lastUpdated) }));
  }
  configs.push(typed(`${ADMIN}RoutesConfigDump`, routes));

  if (opts.includeEds) {
    const endpoints: JsonObject = {};
    const staticCla = staticClusters.flatMap((c) => (obj(c.loadAssignment) ? [obj(c.loadAssignment) as JsonObject] : []));
    if (staticCla.length > 0) endpoints.staticEndpointConfigs = staticCla.map((e) => ({ endpointConfig: typed(TypeUrl.Endpoint, e), lastUpdated: loaded }));
    if (dyn && dyn.endpoints.active.length > 0) {
      endpoints.dynamicEndpointConfigs = dyn.endpoints.active.map((e) => ({ versionInfo: e.versionInfo, endpointConfig: typed(TypeUrl.Endpoint, e.json), lastUpdated: ts(e.lastUpdated) }));
    }
    configs.push(typed(`${ADMIN}EndpointsConfigDump`, endpoints));
  }
  configs.push(typed(`${ADMIN}SecretsConfigDump`, {}));
  return toProtoFieldNames('envoy.admin.v3.ConfigDump', { configs });
}
