import type { JsonObject } from '../../lib/protos/protoJson';
import type { DpCluster, DpListener, DpRouteConfig, DpSnapshot, DpUnsupportedField } from './model';
import { Findings, invalid, str, throwIfRejected } from './fields';
import { clusterFromJson, withEndpoints, type ClusterExtras } from './cluster';
import { endpointsFromLoadAssignment, type CandidateEndpoint } from './endpoints';
import { listenerFromJson, type ListenerOptions } from './listener';
import { routeConfigFromJson, type RouteConfigOptions } from './route';

/**
 * One resource at a time (what an xDS response carries), each checked on its own: a resource with
 * a rejected field throws UnsupportedConfigError, an invalid one ConfigError — the caller NACKs or
 * refuses the config. Then `composeSnapshot` puts the pieces together.
 */

export interface ConvertedCluster {
  cluster: DpCluster;
  extras: ClusterExtras;
  unsupported: DpUnsupportedField[];
}

export interface ConvertedListener {
  listener: DpListener;
  unsupported: DpUnsupportedField[];
}

export interface ConvertedRouteConfig {
  routeConfig: DpRouteConfig;
  unsupported: DpUnsupportedField[];
}

export interface ConvertedLoadAssignment {
  clusterName: string;
  candidates: CandidateEndpoint[];
  unsupported: DpUnsupportedField[];
  raw: JsonObject;
}

export interface ConvertOptions extends ListenerOptions, RouteConfigOptions {
  /** Path of the resource for messages; default `<Kind>[<name>]`. */
  path?: string;
}

function withoutType(json: JsonObject): JsonObject {
  if (!('@type' in json)) return json;
  const { ['@type']: _t, ...rest } = json;
  return rest;
}

function nameOf(json: JsonObject, key: 'name' | 'clusterName', kind: string, path?: string): string {
  const name = str(json[key]) ?? '';
  if (name === '') invalid(path ?? kind, `a ${kind} needs a ${key === 'name' ? 'name' : 'cluster_name'}`);
  return name;
}

export function convertCluster(json: JsonObject, opts: ConvertOptions = {}): ConvertedCluster {
  const raw = withoutType(json);
  const name = nameOf(raw, 'name', 'Cluster', opts.path);
  const f = new Findings();
  const { cluster, extras } = clusterFromJson(raw, opts.path ?? `Cluster[${name}]`, f, opts);
  throwIfRejected(`cluster ${name}`, f);
  return { cluster, extras, unsupported: f.fields };
}

export function convertListener(json: JsonObject, opts: ConvertOptions = {}): ConvertedListener {
  const raw = withoutType(json);
  const name = nameOf(raw, 'name', 'Listener', opts.path);
  const f = new Findings();
  const listener = listenerFromJson(raw, opts.path ?? `Listener[${name}]`, f, opts);
  throwIfRejected(`listener ${name}`, f);
  return { listener, unsupported: f.fields };
}

export function convertRouteConfig(json: JsonObject, opts: ConvertOptions = {}): ConvertedRouteConfig {
  const raw = withoutType(json);
  const name = nameOf(raw, 'name', 'RouteConfiguration', opts.path);
  const f = new Findings();
  const routeConfig = routeConfigFromJson(raw, opts.path ?? `RouteConfiguration[${name}]`, f, opts);
  throwIfRejected(`route configuration ${name}`, f);
  return { routeConfig, unsupported: f.fields };
}

export function convertLoadAssignment(json: JsonObject, opts: ConvertOptions = {}): ConvertedLoadAssignment {
  const raw = withoutType(json);
  const clusterName = nameOf(raw, 'clusterName', 'ClusterLoadAssignment', opts.path);
  const f = new Findings();
  const candidates = endpointsFromLoadAssignment(raw, opts.path ?? `ClusterLoadAssignment[${clusterName}]`, f, true);
  throwIfRejected(`endpoints of ${clusterName}`, f);
  return { clusterName, candidates, unsupported: f.fields, raw };
}

/** Checks what Envoy checks across listeners: unique names and unique address:port. */
export function checkListenerSet(listeners: readonly DpListener[], where = 'listeners'): void {
  const names = new Set<string>();
  const addresses = new Map<string, string>();
  for (const l of listeners) {
    if (names.has(l.name)) invalid(`${where}[${l.name}]`, `duplicate listener name "${l.name}"`);
    names.add(l.name);
    const key = `${l.address}:${l.port}`;
    const other = addresses.get(key);
    // Port 0 asks the OS for a free port: never a conflict.
    if (other !== undefined && l.port !== 0) invalid(`${where}[${l.name}]`, `listener "${l.name}" and listener "${other}" both use ${key}`);
    addresses.set(key, l.name);
  }
}

export interface SnapshotParts {
  listeners: readonly DpListener[];
  routeConfigs: Iterable<DpRouteConfig>;
  clusters: Iterable<{ cluster: DpCluster; extras: ClusterExtras }>;
  /** EDS endpoints by ClusterLoadAssignment name (the cluster's eds service name). */
  endpoints?: ReadonlyMap<string, readonly CandidateEndpoint[]>;
}

/** An immutable DpSnapshot; EDS clusters get their endpoints from `endpoints` (none if missing). */
export function composeSnapshot(parts: SnapshotParts): DpSnapshot {
  const clusters = new Map<string, DpCluster>();
  for (const { cluster } of parts.clusters) {
    let c = cluster;
    if (c.type === 'EDS') c = withEndpoints(c, parts.endpoints?.get(c.edsServiceName ?? c.name) ?? []);
    clusters.set(c.name, Object.freeze(c));
  }
  const routeConfigs = new Map<string, DpRouteConfig>();
  for (const rc of parts.routeConfigs) routeConfigs.set(rc.name, Object.freeze(rc));
  return Object.freeze({
    listeners: Object.freeze(parts.listeners.map((l) => Object.freeze(l))) as DpListener[],
    routeConfigs,
    clusters,
  });
}

export interface XdsResourcesJson {
  listeners: readonly JsonObject[];
  routes: readonly JsonObject[];
  clusters: readonly JsonObject[];
  endpoints: readonly JsonObject[];
}

export interface ResourcesSnapshot {
  snapshot: DpSnapshot;
  unsupported: DpUnsupportedField[];
  /** Listeners left out because their RDS route configuration is missing. */
  warmingListeners: string[];
}

/**
 * A complete set of xDS resources (canonical proto3 JSON, e.g. what a sidecar's view holds) →
 * DpSnapshot, as if received over ADS (`self` config sources count as ADS). Throws on the first
 * resource with a rejected field or an invalid value.
 */
export function snapshotFromResources(res: XdsResourcesJson, opts: RouteConfigOptions = {}): ResourcesSnapshot {
  const unsupported: DpUnsupportedField[] = [];
  const clusters: ConvertedCluster[] = [];
  const seenClusters = new Set<string>();
  for (const json of res.clusters) {
    const c = convertCluster(json, { ...opts, fromAds: true });
    if (seenClusters.has(c.cluster.name)) invalid(`Cluster[${c.cluster.name}]`, `duplicate cluster name "${c.cluster.name}"`);
    seenClusters.add(c.cluster.name);
    clusters.push(c);
    unsupported.push(...c.unsupported);
  }
  const endpoints = new Map<string, CandidateEndpoint[]>();
  for (const json of res.endpoints) {
    const e = convertLoadAssignment(json, opts);
    endpoints.set(e.clusterName, e.candidates);
    unsupported.push(...e.unsupported);
  }
  const routeConfigs = new Map<string, DpRouteConfig>();
  for (const json of res.routes) {
    const r = convertRouteConfig(json, { ...opts, fromAds: true });
    if (routeConfigs.has(r.routeConfig.name)) invalid(`RouteConfiguration[${r.routeConfig.name}]`, `duplicate route configuration name "${r.routeConfig.name}"`);
    routeConfigs.set(r.routeConfig.name, r.routeConfig);
    unsupported.push(...r.unsupported);
  }
  const listeners: DpListener[] = [];
  const warmingListeners: string[] = [];
  for (const json of res.listeners) {
    const l = convertListener(json, { ...opts, fromAds: true });
    unsupported.push(...l.unsupported);
    const rds = l.listener.filter.kind === 'http' ? l.listener.filter.hcm.rdsName : undefined;
    if (rds !== undefined && !routeConfigs.has(rds)) warmingListeners.push(l.listener.name);
    else listeners.push(l.listener);
  }
  checkListenerSet(listeners);
  return { snapshot: composeSnapshot({ listeners, routeConfigs: routeConfigs.values(), clusters, endpoints }), unsupported, warmingListeners };
}
