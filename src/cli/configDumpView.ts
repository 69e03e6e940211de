/**
 * The resources inside an Envoy `ConfigDump` (envoy.admin.v3), whether Ricochet's
 * `/debug/config_dump?proxy=` (proto3 JSON names) or a file saved from Envoy's own admin
 * `/config_dump` (proto field names, static resources too), as plain JSON with camelCase keys.
 */

export type Json = Record<string, unknown>;

export interface DumpResources {
  listeners: Json[];
  routeConfigs: Json[];
  clusters: Json[];
  /** ClusterLoadAssignments: EDS ones and those inline in STATIC/STRICT_DNS clusters. */
  endpoints: Json[];
}

const DUMP = 'type.googleapis.com/envoy.admin.v3.';

export function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isJson) : [];
}

/** Keys below these hold user data (metadata namespaces, labels): never renamed. */
const OPAQUE = new Set(['filterMetadata', 'typedFilterMetadata', 'labels']);

/** snake_case keys → camelCase, as proto3 JSON prints them, leaving `@type` and opaque maps alone. */
export function camelize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelize);
  if (!isJson(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    const key = k.startsWith('@') ? k : k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    out[key] = OPAQUE.has(key) ? x : camelize(x);
  }
  return out;
}

export function resourcesOfDump(dumpIn: unknown): DumpResources {
  const dump = camelize(dumpIn);
  const configs = isJson(dump) ? list(dump.configs) : [];
  const section = (name: string): Json => configs.find((c) => c['@type'] === `${DUMP}${name}`) ?? {};
  const clustersDump = section('ClustersConfigDump');
  const listenersDump = section('ListenersConfigDump');
  const routesDump = section('RoutesConfigDump');
  const endpointsDump = section('EndpointsConfigDump');

  const clusters = [
    ...list(clustersDump.staticClusters).map((c) => c.cluster),
    ...list(clustersDump.dynamicActiveClusters).map((c) => c.cluster),
  ].filter(isJson);
  const listeners = [
    ...list(listenersDump.staticListeners).map((l) => l.listener),
    ...list(listenersDump.dynamicListeners).map((l) => (isJson(l.activeState) ? l.activeState.listener : undefined)),
  ].filter(isJson);
  const routeConfigs = [
    ...list(routesDump.staticRouteConfigs).map((r) => r.routeConfig),
    ...list(routesDump.dynamicRouteConfigs).map((r) => r.routeConfig),
  ].filter(isJson);
  const endpoints = [
    ...list(endpointsDump.staticEndpointConfigs).map((e) => e.endpointConfig),
    ...list(endpointsDump.dynamicEndpointConfigs).map((e) => e.endpointConfig),
  ].filter(isJson);
  // Clusters with their endpoints inline (STATIC, STRICT_DNS, LOGICAL_DNS) have no EDS entry.
  const withEds = new Set(endpoints.map((e) => e.clusterName));
  for (const c of clusters) {
    if (isJson(c.loadAssignment) && !withEds.has(c.name)) endpoints.push({ clusterName: c.name, ...c.loadAssignment });
  }
  return { listeners, routeConfigs, clusters, endpoints };
}
