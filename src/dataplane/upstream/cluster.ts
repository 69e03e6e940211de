/**
 * Upstream clusters from DpCluster: hosts (STATIC and EDS from the snapshot's endpoints,
 * STRICT_DNS / LOGICAL_DNS resolved with node:dns and refreshed), the load balancer, circuit
 * breakers, connection pools per host and the cluster stats.
 *
 * DYNAMIC_FORWARD_PROXY clusters have no configured hosts: the upstream is the request's
 * Host/:authority (`host[:port]`, port 80 by default). Names are resolved with node:dns into a
 * per-cluster cache (first address of the lookup family, kept DFP_DNS_TTL_MS, refreshed in the
 * background while the stale answer keeps serving); hosts (and their pools) are kept per resolved
 * address:port and dropped after DFP_HOST_TTL_MS without use.
 *
 * A cluster object lives across snapshots as long as its name exists: updates change thresholds,
 * timeouts and hosts in place (hosts that stay keep their pools). A change of protocol
 * (HTTP/1.1 ↔ HTTP/2) replaces every host. Removed hosts and clusters drain: idle connections
 * close at once, busy ones when their stream ends.
 *
 * Host health: EDS health (FAILED_EDS_HEALTH) and outlier ejection (FAILED_OUTLIER_CHECK) take a
 * host out of the load balancer unless fewer than `healthy_panic_threshold` percent of the hosts
 * are healthy (panic: every host is used, `lb_healthy_panic` counts each pick). The outlier
 * detector lives as long as the cluster's own config (Envoy builds a new cluster, hosts and
 * detector on every CDS change; EDS updates add and remove hosts).
 *
 * Like Envoy's cluster manager (scheduleUpdate), updates that only change health, weight or
 * metadata reach the load balancer at once when the last update is older than
 * `common_lb_config.update_merge_window` (default 1 s), else together when that window ends;
 * adding or removing hosts applies at once. The membership gauges move at once either way.
 */
import * as dns from 'node:dns';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { JsonObject } from '../../lib/protos/protoJson';
import type { DpCluster, DpEndpoint, DpUpstreamConnectionOptions } from '../config/model';
import type { StatsStore } from '../stats/store';
import { Host } from './host';
import { chooseHost, createLoadBalancer, lbSource, type LoadBalancer } from './loadBalancer';
import { OutlierDetector, OutlierStats } from './outlier';
import { Ring, randomHash } from './ringHash';
import { ResourceManager } from './resources';
import { ClusterStats } from './stats';
import type { ClusterContext } from './types';

const DEFAULT_DNS_REFRESH_MS = 5000;
/** How long a dynamic forward proxy DNS answer is used before it is refreshed (Envoy: dns_refresh_rate 60 s). */
export const DFP_DNS_TTL_MS = 60_000;
/** Dynamic forward proxy hosts unused this long are removed (Envoy's host_ttl, 5 min). */
export const DFP_HOST_TTL_MS = 300_000;

/** Envoy's default healthy_panic_threshold (percent). */
const DEFAULT_PANIC_THRESHOLD = 50;
/** Envoy's default common_lb_config.update_merge_window. */
const DEFAULT_UPDATE_MERGE_WINDOW_MS = 1000;

/** What a host is built from. */
interface HostSpec {
  address: string;
  port: number;
  weight: number;
  hostname: string;
  edsUnhealthy?: boolean;
  lbMetadata?: JsonObject;
}

interface DfpEntry {
  /** Resolved address; undefined while the first lookup runs or when it failed. */
  address: string | undefined;
  expiresAt: number;
  pending: Promise<void> | undefined;
}

/** `host[:port]` of an authority (IPv6 literals in brackets), port 80 when absent. */
export function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const a = authority.trim().toLowerCase();
  if (a === '') return undefined;
  let host: string;
  let portText: string | undefined;
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    if (end < 0) return undefined;
    host = a.slice(1, end);
    const rest = a.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = a.lastIndexOf(':');
    if (colon >= 0 && a.indexOf(':') !== colon) return undefined;
    host = colon >= 0 ? a.slice(0, colon) : a;
    portText = colon >= 0 ? a.slice(colon + 1) : undefined;
  }
  if (host === '') return undefined;
  let port = 80;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
    if (port < 1 || port > 65535) return undefined;
  }
  return { host, port };
}

export class Cluster implements ClusterContext {
  readonly stats: ClusterStats;
  readonly resources: ResourceManager;
  connectTimeoutMs: number;
  http2: boolean;
  config: DpCluster;
  connectionOptions: DpUpstreamConnectionOptions = {};
  hosts: Host[] = [];
  private lb: LoadBalancer = { pick: () => undefined };
  /** RING_HASH clusters: the ring over the hosts served from. */
  private ring: Ring | undefined;
  /** Fewer healthy hosts than the panic threshold: the balancer picks from every host. */
  private panic = false;
  private outlierDetector: OutlierDetector | undefined;
  /** The config the detector was built for (a change rebuilds it, as a CDS update does in Envoy). */
  private detectorKey = '';
  /** When the balancer last took an update after the first host set (-Infinity: never). */
  private lastLbUpdate = -Infinity;
  private mergeTimer: NodeJS.Timeout | undefined;
  private draining: Host[] = [];
  private dnsTimer: NodeJS.Timeout | undefined;
  private dnsGeneration = 0;
  private closed = false;
  /** DYNAMIC_FORWARD_PROXY: DNS answers by host name, hosts by address:port with last use. */
  private readonly dfpDns = new Map<string, DfpEntry>();
  private readonly dfpLastUse = new Map<Host, number>();
  /** Settles once the first DNS resolution finished (immediately for other types). */
  ready: Promise<void> = Promise.resolve();

  constructor(readonly name: string, config: DpCluster, private readonly store: StatsStore, readonly logger: Logger | undefined) {
    this.config = config;
    this.stats = new ClusterStats(store, name);
    const s = this.stats;
    this.resources = new ResourceManager(config.circuitBreakers, { cx: s.cb_cx_open, pending: s.cb_rq_pending_open, rq: s.cb_rq_open, retry: s.cb_rq_retry_open });
    this.connectTimeoutMs = config.connectTimeoutMs;
    this.http2 = config.http2;
    this.applyConfig(config, true);
  }

  /** The retry circuit breaker / budget the retry engine reserves slots from. */
  get retryCircuit() {
    return this.resources.retries;
  }

  update(config: DpCluster): void {
    if (config === this.config) return;
    const key = configKey(config);
    if (key === this.configKey) {
      this.config = config;
      return;
    }
    this.applyConfig(config, false);
  }

  private configKey = '';

  private applyConfig(config: DpCluster, initial: boolean): void {
    this.configKey = configKey(config);
    const protocolChanged = !initial && config.http2 !== this.http2;
    this.config = config;
    this.connectTimeoutMs = config.connectTimeoutMs;
    this.connectionOptions = config.upstreamConnection ?? {};
    this.applyOutlierDetection(config);
    this.resources.update(config.circuitBreakers);
    if (protocolChanged) {
      this.http2 = config.http2;
      this.setHosts([]);
    }
    this.http2 = config.http2;
    this.stopDns();
    if (config.type === 'STRICT_DNS' || config.type === 'LOGICAL_DNS') {
      this.ready = this.resolveDns(true);
    } else if (config.type === 'DYNAMIC_FORWARD_PROXY') {
      // Hosts come from requests; keep the ones already there (and the DNS cache).
      this.lb = { pick: () => undefined };
      this.ready = Promise.resolve();
    } else {
      this.dfpDns.clear();
      this.dfpLastUse.clear();
      this.setHosts(config.endpoints.map((e) => ({
        address: e.address, port: e.port, weight: e.weight, hostname: e.hostname ?? e.address, edsUnhealthy: e.edsUnhealthy === true, lbMetadata: e.lbMetadata,
      })));
      this.ready = Promise.resolve();
    }
  }

  /** A new detector when the cluster's own config changed (hosts then start with no ejection). */
  private applyOutlierDetection(config: DpCluster): void {
    const key = config.outlierDetection ? JSON.stringify([config.raw, config.outlierDetection]) : '';
    if (key === this.detectorKey) return;
    this.detectorKey = key;
    const old = this.outlierDetector;
    this.outlierDetector = undefined;
    if (old) {
      old.destroy();
      for (const h of this.hosts) {
        h.outlierEjected = false;
        h.outlier = undefined;
      }
    }
    if (config.outlierDetection) {
      const detector = new OutlierDetector(config.outlierDetection, new OutlierStats(this.store, this.name), () => this.healthChanged());
      this.outlierDetector = detector;
      for (const h of this.hosts) detector.addHost(h);
    }
    if (old) this.rebuildLb();
  }


  /** The balancer over the healthy hosts, or every host in panic (see lbSource). */
  private rebuildLb(): void {
    const threshold = this.config.healthyPanicThresholdPercent ?? DEFAULT_PANIC_THRESHOLD;
    const { source, panic } = lbSource(this.hosts, threshold, failTrafficOnPanic(this.config));
    this.panic = panic;
    const policy = this.config.lbPolicy;
    if (policy === 'RING_HASH') {
      this.ring = new Ring(source, this.config.ringHash ?? { minimumRingSize: 1024, maximumRingSize: 8_388_608, useHostnameForHashing: false });
      this.lb = { pick: () => undefined };
    } else {
      this.ring = undefined;
      this.lb = createLoadBalancer(policy, source);
    }
    this.updateMembership();
  }

  private updateMembership(): void {
    this.stats.membership_total.set(this.hosts.length);
    this.stats.membership_healthy.set(this.hosts.filter((h) => h.healthy).length);
  }

  /** A host's health flags changed (outlier ejection): a mergeable update. */
  private healthChanged(): void {
    this.updateMembership();
    this.deliverUpdate(true);
  }

  /**
   * ClusterManagerImpl::scheduleUpdate: a non-mergeable update, or one more than a merge window
   * after the last, rebuilds the balancer now (cancelling a pending merged one); otherwise the
   * rebuild waits for the window's timer.
   */
  private deliverUpdate(mergeable: boolean): void {
    const window = this.config.updateMergeWindowMs ?? DEFAULT_UPDATE_MERGE_WINDOW_MS;
    const now = performance.now();
    if (window <= 0 || !mergeable || now - this.lastLbUpdate > window) {
      if (this.mergeTimer) clearTimeout(this.mergeTimer);
      this.mergeTimer = undefined;
      this.lastLbUpdate = now;
      this.rebuildLb();
      return;
    }
    if (this.mergeTimer) return;
    this.mergeTimer = setTimeout(() => {
      this.mergeTimer = undefined;
      this.lastLbUpdate = performance.now();
      this.rebuildLb();
    }, window);
    this.mergeTimer.unref();
  }

  /** The detector's last success-rate numbers (for /clusters); undefined without outlier_detection. */
  get outlierSuccessRates(): OutlierDetector['successRateNums'] | undefined {
    return this.outlierDetector?.successRateNums;
  }

  get dynamicForwardProxy(): boolean {
    return this.config.type === 'DYNAMIC_FORWARD_PROXY';
  }

  /**
   * Picks a host; `reject` is the retry host predicate, consulted up to `maxAttempts` picks. For a
   * dynamic forward proxy cluster the host is the one `authority` resolved to (see
   * resolveAuthority), undefined when its name is not resolved (yet) or did not resolve.
   */
  chooseHost(reject?: (h: Host) => boolean, maxAttempts = 1, authority?: string, hash?: bigint): Host | undefined {
    if (this.dynamicForwardProxy) return this.dynamicHost(authority ?? '');
    if (this.ring) return this.chooseFromRing(this.ring, reject, maxAttempts, hash);
    if (!this.panic) return chooseHost(this.lb, reject, maxAttempts);
    // Every pick in panic mode counts (ZoneAwareLoadBalancerBase::hostSourceToUse).
    const lb = this.lb;
    const panicStat = this.stats.lb_healthy_panic;
    return chooseHost({ pick: () => (panicStat.inc(), lb.pick()) }, reject, maxAttempts);
  }

  /**
   * ThreadAwareLoadBalancerBase::LoadBalancerImpl::chooseHost: one hash (the request's, else a
   * random one) for every attempt; attempt i moves i entries along the ring. Panic counts once.
   */
  private chooseFromRing(ring: Ring, reject: ((h: Host) => boolean) | undefined, maxAttempts: number, hash: bigint | undefined): Host | undefined {
    if (this.panic) this.stats.lb_healthy_panic.inc();
    const h = hash ?? randomHash();
    let host: Host | undefined;
    for (let i = 0; i < maxAttempts; i++) {
      host = ring.choose(h, i);
      if (!host || !reject || !reject(host)) return host;
    }
    return host;
  }

  /** The cluster picks hosts by a request hash (the router computes one from the route's hash_policy). */
  get hashBased(): boolean {
    return this.config.lbPolicy === 'RING_HASH';
  }

  /**
   * Dynamic forward proxy: makes sure `authority`'s name is in the DNS cache. Returns undefined
   * when chooseHost can answer now (cached, even if stale: it is refreshed in the background;
   * or the authority is unusable), else a promise that settles once the lookup finished.
   */
  resolveAuthority(authority: string): Promise<void> | undefined {
    if (!this.dynamicForwardProxy || this.closed) return undefined;
    const target = parseAuthority(authority);
    if (!target) return undefined;
    const now = Date.now();
    let e = this.dfpDns.get(target.host);
    if (!e) {
      e = { address: undefined, expiresAt: 0, pending: undefined };
      this.dfpDns.set(target.host, e);
    }
    if (e.expiresAt <= now && !e.pending) e.pending = this.lookupDfp(target.host, e);
    return e.address === undefined ? e.pending : undefined;
  }

  private async lookupDfp(name: string, e: DfpEntry): Promise<void> {
    const addrs = await resolveEndpoint({ address: name, port: 0, weight: 1 } as DpEndpoint, dfpFamily(this.config));
    e.pending = undefined;
    if (addrs && addrs.length > 0) {
      e.address = addrs[0];
      e.expiresAt = Date.now() + DFP_DNS_TTL_MS;
    } else {
      // Failed: keep a previous answer a while longer; a name that never resolved is retried next time.
      if (e.address !== undefined) e.expiresAt = Date.now() + DEFAULT_DNS_REFRESH_MS;
      else this.dfpDns.delete(name);
      this.logger?.warn({ cluster: this.name, host: name }, 'dynamic forward proxy DNS resolution failed');
    }
  }

  private dynamicHost(authority: string): Host | undefined {
    const target = parseAuthority(authority);
    if (!target) return undefined;
    const e = this.dfpDns.get(target.host);
    if (!e || e.address === undefined) return undefined;
    if (e.expiresAt <= Date.now() && !e.pending) e.pending = this.lookupDfp(target.host, e);
    const now = Date.now();
    this.expireDynamicHosts(now);
    let host = this.hosts.find((h) => h.address === e.address && h.port === target.port);
    if (!host) {
      host = new Host(this, e.address, target.port, 1, target.host);
      this.outlierDetector?.addHost(host);
      this.hosts = [...this.hosts, host];
      this.stats.membership_total.set(this.hosts.length);
      this.stats.membership_healthy.set(this.hosts.filter((h) => h.healthy).length);
    }
    this.dfpLastUse.set(host, now);
    return host;
  }

  private expireDynamicHosts(now: number): void {
    const keep: Host[] = [];
    for (const h of this.hosts) {
      if (!h.busy && now - (this.dfpLastUse.get(h) ?? now) > DFP_HOST_TTL_MS) {
        this.dfpLastUse.delete(h);
        this.outlierDetector?.removeHost(h);
        this.retire(h);
      } else keep.push(h);
    }
    if (keep.length === this.hosts.length) return;
    this.hosts = keep;
    this.stats.membership_total.set(keep.length);
    this.stats.membership_healthy.set(keep.filter((h) => h.healthy).length);
  }

  /**
   * Replaces the host set, keeping Host objects (pools, outlier state) for unchanged address:port.
   * The first host set, and any that adds or removes hosts, reaches the balancer at once; a change
   * of health, weight or metadata only is a mergeable update.
   */
  setHosts(next: HostSpec[]): void {
    const initial = !this.populated;
    this.populated = true;
    const old = new Map(this.hosts.map((h) => [`${h.address}|${h.port}`, h]));
    let changedMembers = old.size !== next.length;
    const hosts: Host[] = [];
    for (const n of next) {
      const key = `${n.address}|${n.port}`;
      let h = old.get(key);
      if (h) {
        old.delete(key);
        h.weight = n.weight;
      } else {
        h = new Host(this, n.address, n.port, n.weight, n.hostname);
        this.outlierDetector?.addHost(h);
        changedMembers = true;
      }
      h.edsUnhealthy = n.edsUnhealthy === true;
      h.lbMetadata = n.lbMetadata;
      hosts.push(h);
    }
    for (const gone of old.values()) {
      this.outlierDetector?.removeHost(gone);
      this.retire(gone);
    }
    this.hosts = hosts;
    if (initial) this.rebuildLb();
    else this.deliverUpdate(!changedMembers);
  }

  /** setHosts ran once: later host sets are updates (Envoy's priority-set update callbacks). */
  private populated = false;

  private retire(h: Host): void {
    h.drain();
    if (h.busy) this.draining.push(h);
    this.draining = this.draining.filter((d) => d.busy);
  }

  private async resolveDns(initial: boolean): Promise<void> {
    const generation = ++this.dnsGeneration;
    const config = this.config;
    const family = dnsFamily(config);
    const results = await Promise.all(config.endpoints.map((e) => resolveEndpoint(e, family)));
    if (generation !== this.dnsGeneration || this.closed) return;
    const next: HostSpec[] = [];
    let failed = false;
    results.forEach((addrs, i) => {
      const e = config.endpoints[i];
      if (addrs === undefined) {
        failed = true;
        return;
      }
      if (config.type === 'LOGICAL_DNS') {
        if (addrs.length > 0 && next.length === 0) next.push({ address: addrs[0], port: e.port, weight: e.weight, hostname: e.address });
      } else {
        for (const a of addrs) next.push({ address: a, port: e.port, weight: e.weight, hostname: e.address });
      }
    });
    if (config.type === 'LOGICAL_DNS') {
      // One logical host; a new resolution only changes where new connections go.
      const current = this.hosts[0];
      if (current && next[0] && current.port === next[0].port) current.address = next[0].address;
      else if (next[0] || !failed) this.setHosts(next);
    } else if (!failed || initial) {
      // A failed refresh keeps the last good hosts, as Envoy does.
      this.setHosts(next);
    }
    if (failed) this.logger?.warn({ cluster: this.name }, 'DNS resolution failed for some endpoints');
    this.dnsTimer = setTimeout(() => void this.resolveDns(false), dnsRefreshMs(config));
    this.dnsTimer.unref();
  }

  private stopDns(): void {
    this.dnsGeneration++;
    if (this.dnsTimer) clearTimeout(this.dnsTimer);
    this.dnsTimer = undefined;
  }

  /** Active + pending streams over all hosts (draining ones included). */
  get busy(): boolean {
    return this.hosts.some((h) => h.busy) || this.draining.some((h) => h.busy);
  }

  /** Cluster removed from the config: in-flight requests finish, idle connections close. */
  drain(): void {
    this.stopDns();
    this.closed = true;
    this.outlierDetector?.destroy();
    if (this.mergeTimer) clearTimeout(this.mergeTimer);
    for (const h of this.hosts) h.drain();
  }

  destroy(): void {
    this.stopDns();
    this.closed = true;
    this.outlierDetector?.destroy();
    if (this.mergeTimer) clearTimeout(this.mergeTimer);
    for (const h of [...this.hosts, ...this.draining]) h.destroy();
    this.draining = [];
  }
}

/** `common_lb_config.zone_aware_lb_config.fail_traffic_on_panic`: panic answers "no healthy upstream". */
function failTrafficOnPanic(config: DpCluster): boolean {
  const raw = config.raw as Record<string, any>;
  const common = raw.commonLbConfig ?? raw.common_lb_config;
  const zone = common?.zoneAwareLbConfig ?? common?.zone_aware_lb_config;
  return (zone?.failTrafficOnPanic ?? zone?.fail_traffic_on_panic) === true;
}

/** Equality of cluster configs across snapshots (they are rebuilt from JSON each time). */
function configKey(config: DpCluster): string {
  return JSON.stringify(config);
}

function dnsFamily(config: DpCluster): 'v4' | 'v6' | 'auto' | 'v4pref' | 'all' {
  const raw = config.raw as Record<string, unknown>;
  const f = String(raw.dnsLookupFamily ?? raw.dns_lookup_family ?? 'AUTO');
  if (f === 'V4_ONLY') return 'v4';
  if (f === 'V6_ONLY') return 'v6';
  if (f === 'V4_PREFERRED') return 'v4pref';
  if (f === 'ALL') return 'all';
  return 'auto';
}

/** The lookup family of a dynamic forward proxy cluster's DNS cache config (AUTO when absent). */
function dfpFamily(config: DpCluster): ReturnType<typeof dnsFamily> {
  const raw = config.raw as Record<string, any>;
  const ct = raw.clusterType ?? raw.cluster_type;
  const tc = ct?.typedConfig ?? ct?.typed_config;
  const dc = tc?.dnsCacheConfig ?? tc?.dns_cache_config;
  const f = dc ? dc.dnsLookupFamily ?? dc.dns_lookup_family : undefined;
  return dnsFamily({ ...config, raw: { dnsLookupFamily: typeof f === 'string' ? f : 'AUTO' } });
}

function dnsRefreshMs(config: DpCluster): number {
  const raw = config.raw as Record<string, unknown>;
  const v = raw.dnsRefreshRate ?? raw.dns_refresh_rate;
  if (typeof v === 'string') {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(v);
    if (m) return Math.max(1, Math.round(Number(m[1]) * 1000));
  }
  return DEFAULT_DNS_REFRESH_MS;
}

/** Addresses for one endpoint, in the order of the lookup family; undefined when resolution failed. */
async function resolveEndpoint(e: DpEndpoint, family: ReturnType<typeof dnsFamily>): Promise<string[] | undefined> {
  if (isIP(e.address)) return [e.address];
  try {
    const all = await dns.promises.lookup(e.address, { all: true, verbatim: true });
    const v4 = all.filter((a) => a.family === 4).map((a) => a.address);
    const v6 = all.filter((a) => a.family === 6).map((a) => a.address);
    switch (family) {
      case 'v4':
        return v4;
      case 'v6':
        return v6;
      case 'v4pref':
        return v4.length > 0 ? v4 : v6;
      case 'all':
        return [...v4, ...v6];
      default:
        return v6.length > 0 ? v6 : v4;
    }
  } catch {
    return undefined;
  }
}

/** All clusters by name, updated from each snapshot. */
export class ClusterManager {
  private readonly clusters = new Map<string, Cluster>();
  private readonly retired = new Set<Cluster>();

  constructor(private readonly store: StatsStore, private readonly logger: Logger | undefined) {}

  get(name: string): Cluster | undefined {
    return this.clusters.get(name);
  }

  all(): Cluster[] {
    return [...this.clusters.values()];
  }

  /** Applies the snapshot's clusters; resolves once DNS clusters have their first answer (or gave up). */
  async apply(configs: ReadonlyMap<string, DpCluster>): Promise<void> {
    const waits: Array<Promise<void>> = [];
    for (const [name, config] of configs) {
      const existing = this.clusters.get(name);
      if (existing) existing.update(config);
      else this.clusters.set(name, new Cluster(name, config, this.store, this.logger));
      waits.push(this.clusters.get(name)!.ready);
    }
    for (const [name, cluster] of this.clusters) {
      if (configs.has(name)) continue;
      this.clusters.delete(name);
      cluster.drain();
      this.retired.add(cluster);
    }
    for (const c of this.retired) if (!c.busy) {
      c.destroy();
      this.retired.delete(c);
    }
    await Promise.all(waits);
  }

  destroy(): void {
    for (const c of this.clusters.values()) c.destroy();
    for (const c of this.retired) c.destroy();
    this.clusters.clear();
    this.retired.clear();
  }
}
