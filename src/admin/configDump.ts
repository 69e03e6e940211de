import type { JsonObject } from '../lib/protos/protoJson';
import type { Snapshot } from '../xds/cache/snapshot';
import { TypeUrl, resourcesOfType, type XdsResources } from '../xds/resources';
import type { ProxyDelivery, TypeDelivery } from '../xds/server/ads';
import { resourceStatuses, type ResourceStatus } from '../xds/server/resourceStatus';

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

/**
 * What was SENT to one proxy (`/debug/config_dump?proxy=`), which is not the view's current
 * snapshot while a push is in flight, held back, or rejected. Same envoy.admin.v3.ConfigDump
 * shape as Envoy's own dump, resource by resource as resourceStatus.ts classifies them (the same
 * words CSDS uses): `clientStatus` ACKED, REQUESTED (sent, ACK not back yet) or NACKED; a NACKED
 * resource shows the copy the proxy still runs (if any) and, in `errorState`, the rejected copy
 * (`failedConfiguration`), Envoy's message (`details`) and the rejected version. `versionInfo` and
 * `lastUpdated` are those of the copy shown. Subscribed resources never sent are left out.
 */
export function configDumpFromDelivery(delivery: ProxyDelivery): JsonObject {
  const typeOf = (t: TypeUrl): TypeDelivery | undefined => delivery.types.find((d) => d.typeUrl === t);
  const entries = (t: TypeUrl): DumpEntry[] => {
    const d = typeOf(t);
    return d ? resourceStatuses(d).flatMap((r) => dumpEntry(t, r)) : [];
  };
  const typeVersion = (t: TypeUrl): string => {
    const d = typeOf(t);
    if (d?.status.state === 'STALE') return d.status.lastSentVersion ?? '';
    return d?.status.lastAckedVersion ?? '';
  };
  return {
    configs: [
      typed(`${DUMP}ClustersConfigDump`, {
        versionInfo: typeVersion(TypeUrl.Cluster),
        dynamicActiveClusters: entries(TypeUrl.Cluster).map((e) => ({ ...e.common, ...(e.resource ? { cluster: e.resource } : {}) })),
      }),
      typed(`${DUMP}ListenersConfigDump`, {
        versionInfo: typeVersion(TypeUrl.Listener),
        dynamicListeners: entries(TypeUrl.Listener).map((e) => {
          const { versionInfo, lastUpdated, ...rest } = e.common;
          const listener: JsonObject = { name: e.name, ...rest };
          if (e.resource) listener.activeState = { versionInfo: versionInfo ?? '', listener: e.resource, lastUpdated: lastUpdated ?? '' };
          return listener;
        }),
      }),
      typed(`${DUMP}RoutesConfigDump`, {
        dynamicRouteConfigs: entries(TypeUrl.Route).map((e) => ({ ...e.common, ...(e.resource ? { routeConfig: e.resource } : {}) })),
      }),
      typed(`${DUMP}EndpointsConfigDump`, {
        dynamicEndpointConfigs: entries(TypeUrl.Endpoint).map((e) => ({ ...e.common, ...(e.resource ? { endpointConfig: e.resource } : {}) })),
      }),
    ],
  };
}

interface DumpEntry {
  name: string;
  /** The resource with its `@type`, when the proxy has (or was just sent) a copy. */
  resource?: JsonObject;
  /** versionInfo, lastUpdated, errorState, clientStatus: the fields every Dynamic* message shares. */
  common: JsonObject & { versionInfo?: string; lastUpdated?: string };
}

function dumpEntry(typeUrl: TypeUrl, r: ResourceStatus): DumpEntry[] {
  if (!r.copy && !r.failed) return [];
  const common: DumpEntry['common'] = {};
  if (r.copy) {
    common.versionInfo = r.copy.version;
    common.lastUpdated = r.copy.at.toISOString();
  }
  if (r.failed) {
    common.errorState = {
      failedConfiguration: typed(typeUrl, r.failed.resource.json),
      lastUpdateAttempt: r.failed.nack.at.toISOString(),
      details: r.failed.nack.message,
      versionInfo: r.failed.nack.version,
    };
  }
  common.clientStatus = r.clientStatus;
  const entry: DumpEntry = { name: r.name, common };
  if (r.copy) entry.resource = typed(typeUrl, r.copy.resource.json);
  return [entry];
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
