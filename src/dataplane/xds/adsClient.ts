import * as grpc from '@grpc/grpc-js';
import { BehaviorSubject, Subject, filter, type Observable } from 'rxjs';
import { lookupType, typeNameFromUrl } from '../../lib/protos/envoyProtos';
import { decodeJson, encodeJson, type JsonObject } from '../../lib/protos/protoJson';
import { TypeUrl } from '../../xds/resources';
import { adsServiceDefinition } from '../../xds/server/adsService';
import { VERSION } from '../../version';
import type { DpCluster, DpListener, DpSnapshot, DpUnsupportedField } from '../config/model';
import type { ClusterExtras } from '../config/cluster';
import type { CandidateEndpoint } from '../config/endpoints';
import { ensureExtraTypes } from '../config/normalize';
import {
  checkListenerSet, composeSnapshot, convertCluster, convertListener, convertLoadAssignment, convertRouteConfig,
  type ConvertedCluster, type ConvertedListener, type ConvertedLoadAssignment, type ConvertedRouteConfig,
} from '../config/snapshot';
import { durationMs, obj, objs } from '../config/fields';

/** What the client logs through; a pino Logger fits. */
export interface DpLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  error(o: object, msg?: string): void;
  debug(o: object, msg?: string): void;
}

const silent: DpLogger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

export interface DpAdsClientOptions {
  address: string;
  port: number;
  /** The canonical `envoy.config.core.v3.Node` (the bootstrap's `node`); user agent fields are set here. */
  node: JsonObject;
  cdsViaAds: boolean;
  ldsViaAds: boolean;
  /** Static clusters: always served; static EDS clusters (eds via ADS) get their endpoints over EDS. */
  staticClusters?: ReadonlyArray<{ cluster: DpCluster; extras: ClusterExtras }>;
  /** Static listeners: always served; those using RDS get their routes over ADS. */
  staticListeners?: readonly DpListener[];
  /** Envoy's default is false: the node goes on every request. */
  setNodeOnFirstMessageOnly?: boolean;
  /** How long initialisation waits for the first CDS / LDS response; 0 = forever. Default 15 s. */
  cdsInitialFetchTimeoutMs?: number;
  ldsInitialFetchTimeoutMs?: number;
  /** Reconnect backoff (Envoy: 500 ms base, 30 s max, fully jittered). */
  reconnect?: { baseMs?: number; maxMs?: number };
  logger?: DpLogger;
}

/** A complete, consistent config the runtime can apply. */
export interface AdsSnapshotEvent {
  snapshot: DpSnapshot;
  /** Unsupported (ignored) fields of every dynamic resource in the snapshot. */
  unsupported: DpUnsupportedField[];
  /** What caused it, e.g. `initial`, `CDS 3f2a…`. */
  cause: string;
}

/** What the client sent for a response: an ACK, or a NACK with the reason. */
export interface AdsAckEvent {
  typeUrl: string;
  nonce: string;
  /** The version acknowledged (ACK) or the last good version (NACK). */
  versionInfo: string;
  /** The rejected version, for NACKs. */
  rejectedVersion?: string;
  error?: string;
}

export interface DumpedResource {
  name: string;
  versionInfo: string;
  lastUpdated: Date;
  /** Canonical proto3 JSON without `@type`. */
  json: JsonObject;
}

export interface DumpedError {
  versionInfo: string;
  details: string;
  at: Date;
}

/** The dynamic half of /config_dump. */
export interface DynamicConfigState {
  clusters: { versionInfo: string; active: DumpedResource[]; warming: DumpedResource[] };
  listeners: { versionInfo: string; active: DumpedResource[]; warming: DumpedResource[] };
  routes: { versionInfo: string; active: DumpedResource[] };
  endpoints: { versionInfo: string; active: DumpedResource[] };
  errors: Partial<Record<string, DumpedError>>;
}

export type InitState = 'PRE_INITIALIZING' | 'INITIALIZING' | 'LIVE';

interface Entry<T> {
  id: number;
  name: string;
  versionInfo: string;
  lastUpdated: Date;
  json: JsonObject;
  conv: T;
}

interface TypeState {
  /** Current subscription; for CDS/LDS empty = wildcard. */
  names: string[];
  /** Requested on the current stream. */
  requested: boolean;
  ackedVersion: string;
  nonce: string;
  /** The first response (accepted or rejected) arrived: counts for initialisation. */
  received: boolean;
  error?: DumpedError;
}

const ORDER: readonly TypeUrl[] = [TypeUrl.Cluster, TypeUrl.Endpoint, TypeUrl.Listener, TypeUrl.Route];
const INTERNAL = 13; // google.rpc.Code INTERNAL, what Envoy puts in a NACK's error_detail
const DEFAULT_INITIAL_FETCH_TIMEOUT_MS = 15_000;

interface RawAny {
  type_url: string;
  value: Uint8Array;
}
interface RawResponse {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: RawAny[];
}

/**
 * The data plane's SotW ADS client (xds-protocol.md §2): subscribes wildcard CDS and LDS, EDS for
 * EDS clusters, RDS for HTTP connection managers using RDS; ACKs what it accepts and NACKs what it
 * rejects (keeping the last good config); warms clusters until their endpoints arrive and listeners
 * until their routes arrive; emits an immutable DpSnapshot whenever what it serves changes; and
 * reconnects with backoff when the stream breaks, keeping the last config.
 *
 * Like Envoy, it initialises in two phases: clusters first (CDS, then EDS for them), then
 * listeners (LDS, then RDS). Each phase ends when everything in it is warm or when its
 * initial_fetch_timeout expires.
 */
export class DataplaneAdsClient {
  private readonly snapshots$ = new BehaviorSubject<AdsSnapshotEvent | undefined>(undefined);
  private readonly acks$ = new Subject<AdsAckEvent>();
  private readonly logger: DpLogger;
  private readonly types = new Map<TypeUrl, TypeState>();
  private readonly node: JsonObject;
  private client?: grpc.Client;
  private call?: grpc.ClientDuplexStream<Buffer, Buffer>;
  private nodeSentOnStream = false;
  private closed = false;
  private started = false;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectAttempt = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextId = 0;
  private lastEmittedKey = '';
  private phase: 'clusters' | 'listeners' | 'live' = 'clusters';
  private initState: InitState = 'PRE_INITIALIZING';
  private cdsFetchExpired = false;
  private ldsFetchExpired = false;
  private connected = false;

  // Accepted resources (latest good), and what is served (warm).
  private clusters = new Map<string, Entry<ConvertedCluster>>();
  private readonly activeClusters = new Map<string, Entry<ConvertedCluster>>();
  private readonly warmExpired = new Set<number>();
  private readonly warmTimers = new Set<number>();
  private readonly endpoints = new Map<string, Entry<ConvertedLoadAssignment>>();
  private listeners = new Map<string, Entry<ConvertedListener>>();
  private readonly activeListeners = new Map<string, Entry<ConvertedListener>>();
  private readonly routes = new Map<string, Entry<ConvertedRouteConfig>>();

  constructor(private readonly opts: DpAdsClientOptions) {
    ensureExtraTypes();
    this.logger = opts.logger ?? silent;
    const { userAgentBuildVersion: _b, ...node } = opts.node;
    this.node = { ...node, userAgentName: 'ricochet', userAgentVersion: VERSION };
    for (const t of ORDER) this.types.set(t, { names: [], requested: false, ackedVersion: '', nonce: '', received: false });
  }

  /** Every complete config, starting with the first one once initialised (replays the latest). */
  get snapshots(): Observable<AdsSnapshotEvent> {
    return this.snapshots$.pipe(filter((e): e is AdsSnapshotEvent => e !== undefined));
  }

  /** Every ACK and NACK the client sends. */
  get acks(): Observable<AdsAckEvent> {
    return this.acks$.asObservable();
  }

  current(): AdsSnapshotEvent | undefined {
    return this.snapshots$.value;
  }

  state(): InitState {
    return this.initState;
  }

  isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.initState = 'INITIALIZING';
    this.client = new grpc.Client(`${formatHost(this.opts.address)}:${this.opts.port}`, grpc.credentials.createInsecure());
    this.armInitialFetchTimers();
    this.connect();
    // Nothing static waits on ADS: the first phase may already be complete.
    this.recompute('initial');
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.call?.cancel();
    this.client?.close();
    this.snapshots$.complete();
    this.acks$.complete();
  }

  /** The dynamic resources for /config_dump. */
  dynamicState(): DynamicConfigState {
    const dump = <T>(e: Entry<T>): DumpedResource => ({ name: e.name, versionInfo: e.versionInfo, lastUpdated: e.lastUpdated, json: e.json });
    const warmingClusters = [...this.clusters.values()].filter((e) => this.activeClusters.get(e.name) !== e);
    const warmingListeners = [...this.listeners.values()].filter((e) => this.activeListeners.get(e.name) !== e);
    const errors: DynamicConfigState['errors'] = {};
    for (const [t, s] of this.types) if (s.error) errors[t] = { ...s.error };
    return {
      clusters: { versionInfo: this.version(TypeUrl.Cluster), active: [...this.activeClusters.values()].map(dump), warming: warmingClusters.map(dump) },
      listeners: { versionInfo: this.version(TypeUrl.Listener), active: [...this.activeListeners.values()].map(dump), warming: warmingListeners.map(dump) },
      routes: { versionInfo: this.version(TypeUrl.Route), active: [...this.routes.values()].map(dump) },
      endpoints: { versionInfo: this.version(TypeUrl.Endpoint), active: [...this.endpoints.values()].map(dump) },
      errors,
    };
  }

  private version(t: TypeUrl): string {
    return this.types.get(t)?.ackedVersion ?? '';
  }

  // ---- stream ------------------------------------------------------------------------------

  private connect(): void {
    if (this.closed || !this.client) return;
    const method = adsServiceDefinition.StreamAggregatedResources;
    const call = this.client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize);
    this.call = call;
    this.nodeSentOnStream = false;
    for (const s of this.types.values()) {
      s.requested = false;
      s.nonce = '';
    }
    call.on('data', (bytes: Buffer) => {
      if (call !== this.call) return;
      if (!this.connected) {
        this.connected = true;
        this.reconnectAttempt = 0;
      }
      this.onResponse(bytes);
    });
    call.on('error', () => undefined); // reported through 'status'
    call.on('status', (status: grpc.StatusObject) => {
      if (call !== this.call) return;
      this.connected = false;
      if (this.closed) return;
      this.logger.warn({ code: status.code, details: status.details }, 'ADS stream closed; reconnecting');
      this.scheduleReconnect();
    });
    this.logger.info({ target: `${this.opts.address}:${this.opts.port}` }, 'ADS stream opened');
    // Re-subscribe what this client wants now (Envoy sends its last accepted versions on a new stream).
    this.subscribeWanted();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const base = this.opts.reconnect?.baseMs ?? 500;
    const max = this.opts.reconnect?.maxMs ?? 30_000;
    const ceiling = Math.min(max, base * 2 ** this.reconnectAttempt);
    this.reconnectAttempt++;
    const delay = Math.floor(Math.random() * ceiling);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  /** Which types the client wants in the current phase, with which names. */
  private subscribeWanted(): void {
    const wantCds = this.opts.cdsViaAds;
    const edsNames = this.edsNames();
    const wantLds = this.opts.ldsViaAds && this.phase !== 'clusters';
    const rdsNames = this.phase !== 'clusters' ? this.rdsNames() : [];
    if (wantCds) this.subscribe(TypeUrl.Cluster, []);
    if (edsNames.length > 0 || this.state_(TypeUrl.Endpoint).requested) this.subscribe(TypeUrl.Endpoint, edsNames);
    if (wantLds) this.subscribe(TypeUrl.Listener, []);
    if (rdsNames.length > 0 || this.state_(TypeUrl.Route).requested) this.subscribe(TypeUrl.Route, rdsNames);
  }

  private state_(t: TypeUrl): TypeState {
    return this.types.get(t) as TypeState;
  }

  /** Sends a request when the type is not requested yet on this stream or its names changed. */
  private subscribe(t: TypeUrl, names: string[]): void {
    const s = this.state_(t);
    const sorted = [...names].sort();
    if (s.requested && sameList(s.names, sorted)) return;
    s.names = sorted;
    s.requested = true;
    this.send(t, s.ackedVersion, s.nonce);
  }

  private send(t: TypeUrl, versionInfo: string, nonce: string, error?: string): void {
    const call = this.call;
    if (!call) return;
    const s = this.state_(t);
    const request: JsonObject = { versionInfo, resourceNames: s.names, typeUrl: t, responseNonce: nonce };
    if (!this.opts.setNodeOnFirstMessageOnly || !this.nodeSentOnStream) request.node = this.node;
    this.nodeSentOnStream = true;
    if (error !== undefined) request.errorDetail = { code: INTERNAL, message: error };
    try {
      call.write(Buffer.from(encodeJson('envoy.service.discovery.v3.DiscoveryRequest', request)));
    } catch (err) {
      this.logger.error({ type: t, error: (err as Error).message }, 'cannot encode DiscoveryRequest');
    }
  }

  // ---- responses ---------------------------------------------------------------------------

  private onResponse(bytes: Buffer): void {
    let raw: RawResponse;
    try {
      raw = lookupType('envoy.service.discovery.v3.DiscoveryResponse').decode(bytes) as unknown as RawResponse;
    } catch (err) {
      this.logger.error({ error: (err as Error).message }, 'malformed DiscoveryResponse');
      return;
    }
    const t = raw.typeUrl as TypeUrl;
    const s = this.types.get(t);
    if (!s) {
      this.logger.warn({ type: raw.typeUrl }, 'DiscoveryResponse for a type never requested; ignored');
      return;
    }
    s.nonce = raw.nonce;
    let resources: JsonObject[];
    try {
      resources = raw.resources.map((any, i) => decodeResource(any, t, i));
    } catch (err) {
      return this.nack(t, raw, (err as Error).message);
    }
    try {
      switch (t) {
        case TypeUrl.Cluster: this.acceptClusters(raw, resources); break;
        case TypeUrl.Endpoint: this.acceptEndpoints(raw, resources); break;
        case TypeUrl.Listener: this.acceptListeners(raw, resources); break;
        case TypeUrl.Route: this.acceptRoutes(raw, resources); break;
      }
    } catch (err) {
      return this.nack(t, raw, (err as Error).message);
    }
  }

  private ack(t: TypeUrl, raw: RawResponse): void {
    const s = this.state_(t);
    s.ackedVersion = raw.versionInfo;
    s.received = true;
    s.error = undefined;
    this.send(t, raw.versionInfo, raw.nonce);
    this.acks$.next({ typeUrl: t, nonce: raw.nonce, versionInfo: raw.versionInfo });
    this.logger.debug({ type: t, version: raw.versionInfo, resources: raw.resources.length }, 'ACK');
  }

  /** Rejects the whole response, keeps the last good config (rule 5: error_detail + last good version). */
  private nack(t: TypeUrl, raw: RawResponse, message: string): void {
    const s = this.state_(t);
    s.received = true;
    s.error = { versionInfo: raw.versionInfo, details: message, at: new Date() };
    this.send(t, s.ackedVersion, raw.nonce, message);
    this.acks$.next({ typeUrl: t, nonce: raw.nonce, versionInfo: s.ackedVersion, rejectedVersion: raw.versionInfo, error: message });
    this.logger.warn({ type: t, version: raw.versionInfo, keptVersion: s.ackedVersion, error: message }, 'NACK: config rejected, keeping the last good one');
    this.recompute(`${shortType(t)} NACK`);
  }

  private entry<T>(name: string, versionInfo: string, json: JsonObject, conv: T, previous: Entry<T> | undefined): Entry<T> {
    // Same content as before: keep the entry (and its identity), so nothing is re-applied.
    if (previous && sameJson(previous.json, json)) return previous;
    return { id: ++this.nextId, name, versionInfo, lastUpdated: new Date(), json, conv };
  }

  private acceptClusters(raw: RawResponse, resources: JsonObject[]): void {
    const next = new Map<string, Entry<ConvertedCluster>>();
    const staticNames = new Set((this.opts.staticClusters ?? []).map((c) => c.cluster.name));
    for (const json of resources) {
      const conv = convertCluster(json, { fromAds: true });
      const name = conv.cluster.name;
      if (next.has(name)) throw new Error(`duplicate cluster ${name}`);
      if (staticNames.has(name)) throw new Error(`cluster ${name}: a static cluster of that name already exists`);
      next.set(name, this.entry(name, raw.versionInfo, json, conv, this.clusters.get(name)));
    }
    this.clusters = next;
    this.ack(TypeUrl.Cluster, raw);
    this.pruneEndpoints();
    this.subscribeWanted();
    this.recompute(`CDS ${raw.versionInfo}`);
  }

  private acceptEndpoints(raw: RawResponse, resources: JsonObject[]): void {
    const wanted = new Set(this.state_(TypeUrl.Endpoint).names);
    const updates: Array<Entry<ConvertedLoadAssignment>> = [];
    for (const json of resources) {
      const conv = convertLoadAssignment(json);
      // SotW EDS may carry names this client no longer wants: not an error, just not kept.
      if (!wanted.has(conv.clusterName)) continue;
      updates.push(this.entry(conv.clusterName, raw.versionInfo, json, conv, this.endpoints.get(conv.clusterName)));
    }
    for (const e of updates) this.endpoints.set(e.name, e);
    this.ack(TypeUrl.Endpoint, raw);
    this.recompute(`EDS ${raw.versionInfo}`);
  }

  private acceptListeners(raw: RawResponse, resources: JsonObject[]): void {
    const next = new Map<string, Entry<ConvertedListener>>();
    for (const json of resources) {
      const conv = convertListener(json, { fromAds: true });
      const name = conv.listener.name;
      if (next.has(name)) throw new Error(`duplicate listener ${name}`);
      next.set(name, this.entry(name, raw.versionInfo, json, conv, this.listeners.get(name)));
    }
    checkListenerSet([...(this.opts.staticListeners ?? []), ...[...next.values()].map((e) => e.conv.listener)]);
    this.listeners = next;
    this.ack(TypeUrl.Listener, raw);
    this.subscribeWanted();
    this.recompute(`LDS ${raw.versionInfo}`);
  }

  private acceptRoutes(raw: RawResponse, resources: JsonObject[]): void {
    const wanted = new Set(this.state_(TypeUrl.Route).names);
    const updates: Array<Entry<ConvertedRouteConfig>> = [];
    for (const json of resources) {
      const conv = convertRouteConfig(json, { fromAds: true });
      if (!wanted.has(conv.routeConfig.name)) continue;
      updates.push(this.entry(conv.routeConfig.name, raw.versionInfo, json, conv, this.routes.get(conv.routeConfig.name)));
    }
    for (const e of updates) this.routes.set(e.name, e);
    this.ack(TypeUrl.Route, raw);
    this.recompute(`RDS ${raw.versionInfo}`);
  }

  // ---- warming and snapshots --------------------------------------------------------------

  private edsNames(): string[] {
    const names = new Set<string>();
    const add = (c: { cluster: { type: string; name: string; edsServiceName?: string }; extras: ClusterExtras }): void => {
      if (c.cluster.type === 'EDS' && c.extras.edsViaAds) names.add(c.cluster.edsServiceName ?? c.cluster.name);
    };
    for (const c of this.opts.staticClusters ?? []) add(c);
    for (const e of this.clusters.values()) add(e.conv);
    // Clusters still served while their update warms keep their endpoints subscribed.
    for (const e of this.activeClusters.values()) add(e.conv);
    return [...names];
  }

  private rdsNames(): string[] {
    const names = new Set<string>();
    const add = (l: DpListener): void => {
      if (l.filter.kind === 'http' && l.filter.hcm.rdsName !== undefined) names.add(l.filter.hcm.rdsName);
    };
    for (const l of this.opts.staticListeners ?? []) add(l);
    for (const e of this.listeners.values()) add(e.conv.listener);
    for (const e of this.activeListeners.values()) add(e.conv.listener);
    return [...names];
  }

  private pruneEndpoints(): void {
    const wanted = new Set(this.edsNames());
    for (const name of [...this.endpoints.keys()]) if (!wanted.has(name)) this.endpoints.delete(name);
  }

  private clusterWarm(e: { id: number; conv: ConvertedCluster }): boolean {
    const { cluster, extras } = e.conv;
    if (cluster.type !== 'EDS' || !extras.edsViaAds) return true;
    return this.endpoints.has(cluster.edsServiceName ?? cluster.name) || this.warmExpired.has(e.id);
  }

  private listenerWarm(e: { id: number; conv: ConvertedListener }): boolean {
    const l = e.conv.listener;
    if (l.filter.kind !== 'http' || l.filter.hcm.rdsName === undefined) return true;
    return this.routes.has(l.filter.hcm.rdsName) || this.warmExpired.has(e.id);
  }

  /** Arms the initial_fetch_timeout of a warming resource (once per entry). */
  private armWarmTimer(id: number, ms: number | undefined, what: string): void {
    if (ms === undefined || ms <= 0 || this.warmExpired.has(id) || this.warmTimers.has(id)) return;
    this.warmTimers.add(id);
    this.timer(ms, () => {
      this.warmExpired.add(id);
      this.logger.warn({ resource: what, timeoutMs: ms }, 'initial fetch timeout: serving without the awaited resource');
      this.recompute(`${what} initial fetch timeout`);
    });
  }

  private timer(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    t.unref?.();
    this.timers.add(t);
  }

  private armInitialFetchTimers(): void {
    const cds = this.opts.cdsInitialFetchTimeoutMs ?? DEFAULT_INITIAL_FETCH_TIMEOUT_MS;
    if (this.opts.cdsViaAds && cds > 0) {
      this.timer(cds, () => {
        if (this.state_(TypeUrl.Cluster).received) return;
        this.cdsFetchExpired = true;
        this.logger.warn({ timeoutMs: cds }, 'no CDS response within initial_fetch_timeout; continuing initialisation');
        this.recompute('CDS initial fetch timeout');
      });
    }
  }

  private armLdsFetchTimer(): void {
    const lds = this.opts.ldsInitialFetchTimeoutMs ?? DEFAULT_INITIAL_FETCH_TIMEOUT_MS;
    if (this.opts.ldsViaAds && lds > 0) {
      this.timer(lds, () => {
        if (this.state_(TypeUrl.Listener).received) return;
        this.ldsFetchExpired = true;
        this.logger.warn({ timeoutMs: lds }, 'no LDS response within initial_fetch_timeout; continuing initialisation');
        this.recompute('LDS initial fetch timeout');
      });
    }
  }

  /** Updates what is served from what was accepted, advances initialisation, emits on change. */
  private recompute(cause: string): void {
    if (this.closed) return;
    // Clusters: a warm update replaces the served one; a warming one leaves the old one served.
    for (const name of [...this.activeClusters.keys()]) if (!this.clusters.has(name)) this.activeClusters.delete(name);
    for (const e of this.clusters.values()) {
      if (this.clusterWarm(e)) this.activeClusters.set(e.name, e);
      else this.armWarmTimer(e.id, e.conv.extras.edsInitialFetchTimeoutMs, `Cluster ${e.name}`);
    }
    for (const name of [...this.activeListeners.keys()]) if (!this.listeners.has(name)) this.activeListeners.delete(name);
    for (const e of this.listeners.values()) {
      if (this.listenerWarm(e)) this.activeListeners.set(e.name, e);
      else this.armWarmTimer(e.id, rdsInitialFetchTimeout(e.json), `Listener ${e.name}`);
    }

    if (this.phase === 'clusters' && this.clustersInitialised()) {
      this.phase = 'listeners';
      this.armLdsFetchTimer();
      this.subscribeWanted();
    }
    if (this.phase === 'listeners' && this.listenersInitialised()) {
      this.phase = 'live';
    }
    if (this.phase !== 'live') return;
    const key = this.servedKey();
    if (key === this.lastEmittedKey && this.snapshots$.value) return;
    this.lastEmittedKey = key;
    const first = this.initState !== 'LIVE';
    this.initState = 'LIVE';
    this.snapshots$.next({ snapshot: this.buildSnapshot(), unsupported: this.unsupported(), cause: first ? 'initial' : cause });
  }

  private clustersInitialised(): boolean {
    if (this.opts.cdsViaAds && !this.state_(TypeUrl.Cluster).received && !this.cdsFetchExpired) return false;
    // Warming clusters hold initialisation until warm or timed out.
    if ([...this.clusters.values()].some((e) => !this.clusterWarm(e))) return false;
    for (const c of this.opts.staticClusters ?? []) {
      if (c.cluster.type === 'EDS' && c.extras.edsViaAds && !this.endpoints.has(c.cluster.edsServiceName ?? c.cluster.name)) {
        const id = -1 - (this.opts.staticClusters ?? []).indexOf(c);
        this.armWarmTimer(id, c.extras.edsInitialFetchTimeoutMs, `Cluster ${c.cluster.name}`);
        if (!this.warmExpired.has(id)) return false;
      }
    }
    return true;
  }

  private listenersInitialised(): boolean {
    if (this.opts.ldsViaAds && !this.state_(TypeUrl.Listener).received && !this.ldsFetchExpired) return false;
    if ([...this.listeners.values()].some((e) => !this.listenerWarm(e))) return false;
    for (const [i, l] of (this.opts.staticListeners ?? []).entries()) {
      if (l.filter.kind === 'http' && l.filter.hcm.rdsName !== undefined && !this.routes.has(l.filter.hcm.rdsName)) {
        const id = -1_000_000 - i;
        this.armWarmTimer(id, rdsInitialFetchTimeout(l.raw), `Listener ${l.name}`);
        if (!this.warmExpired.has(id)) return false;
      }
    }
    return true;
  }

  /** Identity of everything served: a new key means a new snapshot. */
  private servedKey(): string {
    const ids = (m: Map<string, { id: number }>): string => [...m.values()].map((e) => e.id).sort((a, b) => a - b).join(',');
    return `c:${ids(this.activeClusters)}|e:${ids(this.endpoints)}|l:${ids(this.activeListeners)}|r:${ids(this.routes)}`;
  }

  private buildSnapshot(): DpSnapshot {
    const staticClusters = this.opts.staticClusters ?? [];
    const endpoints = new Map<string, readonly CandidateEndpoint[]>();
    for (const e of this.endpoints.values()) endpoints.set(e.name, e.conv.candidates);
    return composeSnapshot({
      listeners: [...(this.opts.staticListeners ?? []), ...[...this.activeListeners.values()].map((e) => e.conv.listener)],
      routeConfigs: [...this.routes.values()].map((e) => e.conv.routeConfig),
      clusters: [...staticClusters, ...[...this.activeClusters.values()].map((e) => e.conv)],
      endpoints,
    });
  }

  private unsupported(): DpUnsupportedField[] {
    return [
      ...[...this.activeClusters.values()].flatMap((e) => e.conv.unsupported),
      ...[...this.endpoints.values()].flatMap((e) => e.conv.unsupported),
      ...[...this.activeListeners.values()].flatMap((e) => e.conv.unsupported),
      ...[...this.routes.values()].flatMap((e) => e.conv.unsupported),
    ];
  }
}

function decodeResource(any: RawAny, t: TypeUrl, i: number): JsonObject {
  let typeUrl = any.type_url;
  let value = any.value;
  if (typeUrl === 'type.googleapis.com/envoy.service.discovery.v3.Resource') {
    const wrapped = lookupType('envoy.service.discovery.v3.Resource').decode(value) as unknown as { resource?: RawAny | null };
    if (!wrapped.resource) throw new Error(`resource ${i}: a Resource wrapper without a resource`);
    typeUrl = wrapped.resource.type_url;
    value = wrapped.resource.value;
  }
  if (typeUrl !== t) throw new Error(`resource ${i} is a ${typeUrl}, not a ${t}`);
  try {
    return decodeJson(typeNameFromUrl(typeUrl), value);
  } catch (err) {
    throw new Error(`resource ${i}: cannot decode ${typeNameFromUrl(typeUrl)}: ${(err as Error).message}`);
  }
}

/** The RDS config source's initial_fetch_timeout of a listener's HCM (default 15 s, 0 = forever). */
function rdsInitialFetchTimeout(listener: JsonObject): number {
  const chain = objs(listener.filterChains)[0] ?? obj(listener.defaultFilterChain);
  const filters = objs(chain?.filters);
  const hcm = obj(filters[filters.length - 1]?.typedConfig);
  const source = obj(obj(hcm?.rds)?.configSource);
  return durationMs(source?.initialFetchTimeout) ?? DEFAULT_INITIAL_FETCH_TIMEOUT_MS;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameJson(a: JsonObject, b: JsonObject): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function shortType(t: string): string {
  return t.slice(t.lastIndexOf('.') + 1);
}

function formatHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}
