/**
 * Ricochet's data plane runtime: serves a DpSnapshot (listeners, routes, clusters) the way Envoy
 * serves the same config. `apply` moves from one snapshot to the next: clusters are updated in
 * place (hosts that stay keep their connections), route tables are recompiled, listeners are
 * started, updated or stopped by name. Requests in flight finish on the config they started with.
 *
 * Layout: http/ (listener, connection manager, routing, fault filter), router/ (retry loop,
 * attempts, timers), upstream/ (clusters, load balancing, pools, circuit breakers, stats),
 * tcp/ (tcp_proxy), accessLog/ (command operators and sinks). Retry decisions come from
 * src/dataplane/retry.
 */
import type { Logger } from 'pino';
import { AccessLogSinks } from './accessLog/sink';
import type { DpAccessLog, DpListener, DpSnapshot, DpTcpProxy } from './config/model';
import { compileHcm } from './http/hcm';
import { HttpListener } from './http/listener';
import type { StatsStore } from './stats/store';
import { TcpProxyListener } from './tcp/tcpProxy';
import type { ClusterStatus } from './admin/server';
import { ClusterManager, type Cluster } from './upstream/cluster';

export interface DataplaneRuntimeOptions {
  stats: StatsStore;
  logger?: Logger;
}

export interface ClusterHostStatus {
  address: string;
  port: number;
  cxActive: number;
  rqTotal: number;
  rqActive: number;
  /** FAILED_EDS_HEALTH. */
  healthy: boolean;
  /** FAILED_OUTLIER_CHECK. */
  failedOutlierCheck: boolean;
  /** Outlier detection success rates of the last interval (percent), -1 when not computed. */
  successRate: number;
  localOriginSuccessRate: number;
  weight: number;
  hostname?: string;
}

type ListenerEntry =
  | { kind: 'http'; config: DpListener; listener: HttpListener }
  | { kind: 'tcp'; config: DpListener; listener: TcpProxyListener };

export class DataplaneRuntime {
  private readonly stats: StatsStore;
  private readonly logger: Logger | undefined;
  private readonly clusters: ClusterManager;
  private readonly listeners = new Map<string, ListenerEntry>();
  private readonly sinks = new AccessLogSinks();
  private readonly draining = new Set<ListenerEntry>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(opts: DataplaneRuntimeOptions) {
    this.stats = opts.stats;
    this.logger = opts.logger;
    this.clusters = new ClusterManager(opts.stats, opts.logger);
  }

  /**
   * Serves `snapshot` from now on. Calls are serialised. Rejects (after applying everything it
   * could) when a listener cannot bind, naming each one.
   */
  apply(snapshot: DpSnapshot): Promise<void> {
    const run = this.chain.then(() => this.doApply(snapshot));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async doApply(snapshot: DpSnapshot): Promise<void> {
    if (this.closed) throw new Error('data plane runtime is closed');
    await this.clusters.apply(snapshot.clusters);
    const lookupCluster = (name: string) => this.clusters.get(name);
    const errors: string[] = [];
    const wanted = new Set(snapshot.listeners.map((l) => l.name));

    for (const [name, entry] of this.listeners) {
      if (wanted.has(name)) continue;
      this.listeners.delete(name);
      this.retire(entry);
    }

    for (const l of snapshot.listeners) {
      const existing = this.listeners.get(l.name);
      const kind = l.filter.kind;
      if (existing && (existing.kind !== kind || existing.config.address !== l.address || existing.config.port !== l.port)) {
        // server.close() releases the listening socket at once; requests in flight drain on.
        this.listeners.delete(l.name);
        this.retire(existing);
      }
      const current = this.listeners.get(l.name);
      try {
        if (l.filter.kind === 'http') {
          const hcm = compileHcm({ listener: l, hcm: l.filter.hcm, routeConfigs: snapshot.routeConfigs, lookupCluster, stats: this.stats, sinks: this.sinks, logger: this.logger });
          if (current && current.kind === 'http') {
            current.listener.update(hcm);
            current.config = l;
          } else {
            const listener = new HttpListener(l.name, l.address, l.port, hcm, this.stats);
            await listener.start();
            this.listeners.set(l.name, { kind: 'http', config: l, listener });
          }
        } else {
          // `accessLogs` on DpTcpProxy: honoured when the config layer provides it.
          const tcpLogs = (l.filter.tcp as DpTcpProxy & { accessLogs?: DpAccessLog[] }).accessLogs ?? [];
          const tcpConfig = { tcp: l.filter.tcp, lookupCluster, accessLoggers: tcpLogs.map((a) => this.sinks.create(a)), logger: this.logger };
          if (current && current.kind === 'tcp') {
            current.listener.update(tcpConfig);
            current.config = l;
          } else {
            const listener = new TcpProxyListener(l.name, l.address, l.port, tcpConfig, this.stats);
            await listener.start();
            this.listeners.set(l.name, { kind: 'tcp', config: l, listener });
          }
        }
      } catch (err) {
        errors.push((err as Error).message);
        this.logger?.error({ err, listener: l.name }, 'listener failed');
      }
    }
    if (errors.length > 0) throw new Error(errors.join('; '));
  }

  private retire(entry: ListenerEntry): void {
    this.draining.add(entry);
    void entry.listener.close(false).catch(() => undefined).then(() => this.draining.delete(entry));
  }

  /** Per cluster, its hosts with live connection and request counts (for /clusters). */
  clusterStatus(): Array<{ cluster: string; hosts: ClusterHostStatus[]; outlier?: ClusterStatus['outlier'] }> {
    return this.clusters.all().map((c) => ({
      cluster: c.name,
      ...outlierStatus(c.outlierSuccessRates),
      hosts: c.hosts.map((h) => ({
        address: h.address,
        port: h.port,
        cxActive: h.cxActive,
        rqTotal: h.rqTotal,
        rqActive: h.rqActive,
        healthy: !h.edsUnhealthy,
        failedOutlierCheck: h.outlierEjected,
        successRate: h.outlier?.external.successRate ?? -1,
        localOriginSuccessRate: h.outlier?.local.successRate ?? -1,
        weight: h.weight,
        ...(h.hostname !== h.address ? { hostname: h.hostname } : {}),
      })),
    }));
  }

  /** Where each listener is bound (the real port when configured with 0). */
  listenerAddresses(): Array<{ name: string; address: string; port: number }> {
    return [...this.listeners.values()].map((e) => ({ name: e.config.name, address: e.listener.address, port: e.listener.port }));
  }

  /** Stops everything now: listeners, connections, clusters, access-log files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    const closing = [...this.listeners.values(), ...this.draining].map((e) => e.listener.close(true).catch(() => undefined));
    this.listeners.clear();
    this.draining.clear();
    this.clusters.destroy();
    await Promise.all(closing);
    await this.sinks.close();
  }
}

/** The detector's success-rate numbers as /clusters reports them (absent without outlier_detection). */
function outlierStatus(nums: Cluster['outlierSuccessRates']): { outlier?: ClusterStatus['outlier'] } {
  if (!nums) return {};
  return {
    outlier: {
      successRateAverage: nums.external.average,
      successRateEjectionThreshold: nums.external.threshold,
      localOriginSuccessRateAverage: nums.local.average,
      localOriginSuccessRateEjectionThreshold: nums.local.threshold,
    },
  };
}
