import type { JsonObject } from '../lib/protos/protoJson';
import type { Snapshot } from '../xds/cache/snapshot';
import { TypeUrl, resourcesOfType, type XdsResources } from '../xds/resources';

const DUMP = 'type.googleapis.com/envoy.admin.v3.';

function typed(typeUrl: string, json: JsonObject): JsonObject {
  return { '@type': typeUrl, ...json };
}

/**
 * What a view is served, shaped like Envoy's /config_dump (envoy.admin.v3.ConfigDump), so the
 * tools and habits users have for Envoy's dump work on ours.
 */
export function configDumpFromSnapshot(snapshot: Snapshot): JsonObject {
  const versionOf = (t: TypeUrl): string => snapshot.types.get(t)?.version ?? '';
  const jsonOf = (t: TypeUrl): JsonObject[] => [...(snapshot.types.get(t)?.resources.values() ?? [])].map((r) => r.json);
  return {
    configs: [
      typed(`${DUMP}ClustersConfigDump`, {
        versionInfo: versionOf(TypeUrl.Cluster),
        dynamicActiveClusters: jsonOf(TypeUrl.Cluster).map((c) => ({ versionInfo: versionOf(TypeUrl.Cluster), cluster: typed(TypeUrl.Cluster, c) })),
      }),
      typed(`${DUMP}ListenersConfigDump`, {
        versionInfo: versionOf(TypeUrl.Listener),
        dynamicListeners: jsonOf(TypeUrl.Listener).map((l) => ({ name: l.name, activeState: { versionInfo: versionOf(TypeUrl.Listener), listener: typed(TypeUrl.Listener, l) } })),
      }),
      typed(`${DUMP}RoutesConfigDump`, {
        dynamicRouteConfigs: jsonOf(TypeUrl.Route).map((r) => ({ versionInfo: versionOf(TypeUrl.Route), routeConfig: typed(TypeUrl.Route, r) })),
      }),
      typed(`${DUMP}EndpointsConfigDump`, {
        dynamicEndpointConfigs: jsonOf(TypeUrl.Endpoint).map((e) => ({ versionInfo: versionOf(TypeUrl.Endpoint), endpointConfig: typed(TypeUrl.Endpoint, e) })),
      }),
    ],
  };
}

/** The `translate` output: resources grouped by kind, each with its `@type`, as Envoy prints them. */
export function resourcesAsJson(resources: XdsResources): JsonObject {
  return {
    listeners: resourcesOfType(resources, TypeUrl.Listener).map((r) => typed(TypeUrl.Listener, r)),
    routes: resourcesOfType(resources, TypeUrl.Route).map((r) => typed(TypeUrl.Route, r)),
    clusters: resourcesOfType(resources, TypeUrl.Cluster).map((r) => typed(TypeUrl.Cluster, r)),
    endpoints: resourcesOfType(resources, TypeUrl.Endpoint).map((r) => typed(TypeUrl.Endpoint, r)),
  };
}
