import type { Observable, Subscription } from 'rxjs';
import type { Logger } from '../lib/log';
import type { JsonObject } from '../lib/protos/protoJson';
import { AdminServer, type AdminConfigSource, type ClusterStatus, type ServerState } from './admin/server';
import { buildConfigDump } from './admin/configDump';
import { loadBootstrap, type LoadedBootstrap } from './config/bootstrap';
import type { DpSnapshot, DpUnsupportedField } from './config/model';
import { DataplaneAdsClient, type DynamicConfigState } from './xds/adsClient';
import type { FedSnapshot } from './xds/inProcess';
import { DataplaneRuntime } from './runtime';
import { StatsStore } from './stats/store';
import { VERSION } from '../version';

export type { FedSnapshot } from './xds/inProcess';
export { snapshotsFromCache } from './xds/inProcess';
export { loadBootstrap, parseBootstrap, type LoadedBootstrap } from './config/bootstrap';

/** What the wiring needs from the proxy runtime (DataplaneRuntime implements it). */
export interface DataplaneRuntimeLike {
  apply(snapshot: DpSnapshot): Promise<void>;
  /** Hosts per cluster with health flags and counters (for /clusters). */
  clusterStatus(): ClusterStatus[];
  close(): Promise<void>;
}

export interface StartDataplaneOptions {
  /** An Envoy bootstrap file (YAML or JSON). */
  bootstrapFile?: string;
  /** An already loaded bootstrap (instead of a file). */
  bootstrap?: LoadedBootstrap;
  /** In-process config (`serve --dataplane`): complete snapshots, instead of static/ADS config. */
  snapshotSource?: Observable<FedSnapshot>;
  logger: Logger;
  /** The admin endpoint: default the bootstrap's `admin.address`; `null` = none. */
  admin?: { address: string; port: number } | null;
  stats?: StatsStore;
  /** For tests: another runtime than DataplaneRuntime. */
  runtimeFactory?: (opts: { stats: StatsStore; logger: Logger }) => DataplaneRuntimeLike;
  /** Options for the ADS client (reconnect backoff, for tests). */
  adsReconnect?: { baseMs?: number; maxMs?: number };
}

export interface RunningDataplane {
  bootstrap?: LoadedBootstrap;
  stats: StatsStore;
  runtime: DataplaneRuntimeLike;
  admin?: AdminServer;
  ads?: DataplaneAdsClient;
  /** What is served now. */
  current(): DpSnapshot | undefined;
  serverState(): ServerState;
  /** Resolves once the first config is applied (the server is LIVE). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts Ricochet's data plane: load the bootstrap → static config, or an ADS client, or an
 * in-process feed → every complete config goes to `runtime.apply` (one at a time, the latest
 * wins) → the admin endpoint serves stats, clusters, config dump and readiness. Unsupported
 * fields are logged by path once each, at start-up and on each update that brings new ones.
 */
export async function startDataplane(opts: StartDataplaneOptions): Promise<RunningDataplane> {
  const logger = opts.logger;
  const loadedAt = new Date();
  const bootstrap = opts.bootstrap ?? (opts.bootstrapFile ? loadBootstrap(opts.bootstrapFile) : undefined);
  if (!bootstrap && !opts.snapshotSource) throw new Error('startDataplane needs bootstrapFile, bootstrap or snapshotSource');

  // Each finding is logged once while it stays current (a new update lists only what is new).
  let reported = new Set<string>();
  const report = (fields: readonly DpUnsupportedField[], when: string): void => {
    const now = new Set<string>();
    for (const u of fields) {
      const key = `${u.effect}\t${u.path}\t${u.reason}`;
      now.add(key);
      if (reported.has(key)) continue;
      logger.warn({ path: u.path, effect: u.effect, reason: u.reason, when }, `unsupported field ${u.effect}: ${u.path}: ${u.reason}`);
    }
    reported = now;
  };
  const bootstrapFindings = bootstrap?.unsupported ?? [];
  report(bootstrapFindings, 'bootstrap');
  const reportUpdate = (fields: readonly DpUnsupportedField[], when: string): void => report([...bootstrapFindings, ...fields], when);

  const stats = opts.stats ?? new StatsStore();
  const runtime = opts.runtimeFactory ? opts.runtimeFactory({ stats, logger }) : new DataplaneRuntime({ stats, logger });
  const staticClusterNames = new Set(bootstrap?.staticClusters.map((c) => c.cluster.name) ?? []);

  let state: ServerState = 'PRE_INITIALIZING';
  let served: DpSnapshot | undefined;
  let fedDynamic: DynamicConfigState | undefined;
  let ads: DataplaneAdsClient | undefined;
  let markReady: () => void = () => undefined;
  let failReady: (err: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => undefined);

  // Applies snapshots one at a time; while one applies, only the newest waiting one is kept.
  let applying = false;
  let pending: { snapshot: DpSnapshot; cause: string } | undefined;
  let closed = false;
  const apply = async (): Promise<void> => {
    if (applying) return;
    applying = true;
    try {
      while (pending && !closed) {
        const next = pending;
        pending = undefined;
        try {
          await runtime.apply(next.snapshot);
          served = next.snapshot;
          logger.info({ cause: next.cause, listeners: next.snapshot.listeners.length, clusters: next.snapshot.clusters.size }, 'data plane config applied');
          if (state !== 'LIVE') {
            state = 'LIVE';
            markReady();
          }
        } catch (err) {
          served = next.snapshot;
          logger.error({ cause: next.cause, error: (err as Error).message }, 'data plane config applied with errors');
          if (state !== 'LIVE') failReady(err as Error);
        }
      }
    } finally {
      applying = false;
    }
  };
  const offer = (snapshot: DpSnapshot, cause: string): void => {
    pending = { snapshot, cause };
    void apply();
  };

  const configSource: AdminConfigSource = {
    serverState: () => state,
    snapshot: () => served,
    isStaticCluster: (name) => staticClusterNames.has(name),
    configDump: ({ includeEds }): JsonObject => buildConfigDump({
      ...(bootstrap ? { bootstrap: { ...bootstrap.raw, node: { ...bootstrap.node.raw, userAgentName: 'ricochet', userAgentVersion: VERSION } } } : {}),
      loadedAt,
      ...(served ? { snapshot: served } : {}),
      ...(ads ? { dynamic: ads.dynamicState() } : fedDynamic ? { dynamic: fedDynamic } : {}),
    }, { includeEds }),
    node: () => bootstrap?.node.raw,
  };

  let admin: AdminServer | undefined;
  const adminAddress = opts.admin === null ? undefined : opts.admin ?? bootstrap?.admin;
  if (adminAddress) {
    admin = await AdminServer.start({ address: adminAddress.address, port: adminAddress.port, stats, config: configSource, clusterStatus: runtime, logger });
    logger.info({ address: `${adminAddress.address}:${admin.port}` }, 'admin endpoint listening');
  }

  state = 'INITIALIZING';
  let subscription: Subscription | undefined;
  if (opts.snapshotSource) {
    subscription = opts.snapshotSource.subscribe((fed) => {
      fedDynamic = fed.dynamic;
      reportUpdate(fed.unsupported, fed.cause);
      offer(fed.snapshot, fed.cause);
    });
  } else if (bootstrap?.ads) {
    ads = new DataplaneAdsClient({
      address: bootstrap.ads.address,
      port: bootstrap.ads.port,
      node: bootstrap.node.raw,
      cdsViaAds: bootstrap.cdsViaAds,
      ldsViaAds: bootstrap.ldsViaAds,
      staticClusters: bootstrap.staticClusters,
      staticListeners: bootstrap.staticSnapshot.listeners,
      setNodeOnFirstMessageOnly: bootstrap.ads.setNodeOnFirstMessageOnly,
      cdsInitialFetchTimeoutMs: bootstrap.ads.cdsInitialFetchTimeoutMs,
      ldsInitialFetchTimeoutMs: bootstrap.ads.ldsInitialFetchTimeoutMs,
      ...(opts.adsReconnect ? { reconnect: opts.adsReconnect } : {}),
      logger,
    });
    subscription = ads.snapshots.subscribe((event) => {
      reportUpdate(event.unsupported, event.cause);
      offer(event.snapshot, event.cause);
    });
    ads.start();
  } else if (bootstrap) {
    offer(bootstrap.staticSnapshot, 'bootstrap');
  }

  return {
    ...(bootstrap ? { bootstrap } : {}),
    stats,
    runtime,
    ...(admin ? { admin } : {}),
    ...(ads ? { ads } : {}),
    current: () => served,
    serverState: () => state,
    ready,
    close: async () => {
      if (closed) return;
      closed = true;
      subscription?.unsubscribe();
      await ads?.close();
      await Promise.allSettled([runtime.close(), admin?.close()]);
    },
  };
}
