import * as grpc from '@grpc/grpc-js';
import type { Subscription as RxSubscription } from 'rxjs';
import type { Snapshot } from '../cache/snapshot';
import type { SnapshotCache } from '../cache/snapshotCache';
import { PUSH_ORDER, type ProxyNode, type TypeUrl } from '../resources';
import type { AdsCall } from './adsService';
import { decodeDiscoveryRequest, type DiscoveryRequest } from './discoveryRequest';
import { withNonce, type FrameCache } from './responseFrame';
import { TypeStream, type Plan } from './streamState';
import type { JsonObject } from '../../lib/protos/protoJson';
import type { ProxyDelivery, ProxySyncStatus, TypeSyncStatus } from './syncStatus';

export interface AdsLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  debug(o: object, msg?: string): void;
}

/** What a stream needs from its server. */
export interface StreamContext {
  cache: SnapshotCache;
  frames: FrameCache;
  logger: AdsLogger;
  viewFor(node: ProxyNode): string;
  viewWatched(viewKey: string, node: ProxyNode): void;
  sent(): void;
  closed(stream: AdsStream): void;
}

/**
 * One SotW ADS stream: the node, the view it watches, and one TypeStream per requested type.
 * Everything is driven from two events — a request and a new snapshot — both ending in `pump()`.
 */
export class AdsStream {
  readonly connectedAt = new Date();
  private node?: ProxyNode;
  private nodeJson: JsonObject = {};
  private viewKey?: string;
  private snapshot?: Snapshot;
  private readonly types = new Map<string, TypeStream>();
  private watch?: RxSubscription;
  private nonces = 0;
  private done = false;

  constructor(readonly id: number, private readonly call: AdsCall, private readonly ctx: StreamContext) {
    call.on('data', (bytes: Buffer) => this.onData(bytes));
    // The client half-closed: nothing more will be asked, finish with OK.
    call.on('end', () => {
      this.cleanup();
      call.end();
    });
    call.on('cancelled', () => this.cleanup());
    call.on('error', () => this.cleanup());
    call.on('close', () => this.cleanup());
  }

  private onData(bytes: Buffer): void {
    if (this.done) return;
    let request: DiscoveryRequest;
    try {
      request = decodeDiscoveryRequest(bytes);
    } catch (err) {
      return this.fail(grpc.status.INVALID_ARGUMENT, `malformed DiscoveryRequest: ${(err as Error).message}`);
    }
    const problem = this.validate(request);
    if (problem) return this.fail(grpc.status.INVALID_ARGUMENT, problem);
    this.handle(request);
  }

  /** Rule 3: the first request must identify the node; rule 1: every ADS request names its type. */
  private validate(request: DiscoveryRequest): string | undefined {
    if (!this.node && !request.node?.id) {
      return 'the first DiscoveryRequest of a stream must carry node with a non-empty node.id';
    }
    if (request.typeUrl === '') return 'DiscoveryRequest.type_url is required on an ADS stream';
    if (this.node && request.node && request.node.id !== this.node.id) {
      this.ctx.logger.warn({ stream: this.id, first: this.node.id, now: request.node.id }, 'node changed mid-stream; keeping the first');
    }
    return undefined;
  }

  private handle(request: DiscoveryRequest): void {
    const typeStream = this.typeStream(request.typeUrl);
    const kind = typeStream.onRequest(request);
    this.log(request, kind);
    if (this.node) return this.pump();
    this.nodeJson = request.nodeJson ?? {};
    this.startWatching(request.node as ProxyNode);
  }

  private typeStream(typeUrl: string): TypeStream {
    let ts = this.types.get(typeUrl);
    if (!ts) {
      ts = new TypeStream(typeUrl);
      this.types.set(typeUrl, ts);
    }
    return ts;
  }

  /**
   * Watches the node's view. The cache replays the current snapshot synchronously, so the first
   * request (already applied) is answered at once when the view exists (rule 17); the hook then
   * lets the control plane build a view nobody watched before.
   */
  private startWatching(node: ProxyNode): void {
    this.node = node;
    let viewKey: string;
    try {
      viewKey = this.ctx.viewFor(node);
    } catch (err) {
      return this.fail(grpc.status.INVALID_ARGUMENT, `no view for node ${node.id}: ${(err as Error).message}`);
    }
    this.viewKey = viewKey;
    this.ctx.logger.info({ stream: this.id, node: node.id, view: viewKey }, 'ADS stream started');
    this.watch = this.ctx.cache.watch(viewKey).subscribe((snapshot) => {
      this.snapshot = snapshot;
      this.pump();
    });
    this.ctx.viewWatched(viewKey, node);
  }

  /**
   * Sends what each watched type needs, in PUSH_ORDER (CDS → EDS → LDS → RDS, rule 16). A type
   * whose newer version waits behind an un-ACKed response holds back the types after it, so EDS
   * never overtakes the CDS it belongs to (§2.3 case 4). Types the client never requested on this
   * stream are never sent (§2.3 case 2).
   */
  private pump(): void {
    const snapshot = this.snapshot;
    if (!snapshot || this.done) return;
    let earlierPending = false;
    for (const typeUrl of PUSH_ORDER) {
      const ts = this.types.get(typeUrl);
      if (!ts) continue;
      const typeSnapshot = snapshot.types.get(typeUrl);
      if (ts.awaitingNewer(typeSnapshot)) {
        earlierPending = true;
        continue;
      }
      if (earlierPending) continue;
      const plan = ts.plan(typeSnapshot);
      if (plan) this.send(ts, plan);
    }
  }

  /** The frame is shared by every stream; only the nonce is per send (rule 4: unique per stream). */
  private send(ts: TypeStream, plan: Plan): void {
    const frame = this.ctx.frames.get(plan.typeSnapshot, plan);
    const nonce = String(++this.nonces);
    ts.markSent(plan, nonce);
    this.ctx.logger.debug(
      { stream: this.id, type: ts.typeUrl, version: plan.typeSnapshot.version, nonce, resources: plan.names.length },
      'DiscoveryResponse',
    );
    this.call.write(withNonce(frame, nonce));
    this.ctx.sent();
  }

  private log(request: DiscoveryRequest, kind: string): void {
    const fields = { stream: this.id, node: this.node?.id ?? request.node?.id, type: request.typeUrl, kind, nonce: request.responseNonce };
    if (kind === 'nack') {
      this.ctx.logger.warn({ ...fields, version: request.versionInfo, error: request.errorDetail?.message }, 'NACK');
    } else {
      this.ctx.logger.debug({ ...fields, names: request.resourceNames.length }, 'DiscoveryRequest');
    }
  }

  /**
   * The four ADS types always appear (NOT SENT while never requested, since the stream connected),
   * then any other type the client asked for; in push order, as proxy-status lists them.
   */
  status(): ProxySyncStatus | undefined {
    if (!this.node || this.viewKey === undefined) return undefined;
    const types: ProxySyncStatus['types'] = {};
    for (const typeUrl of this.typeUrls()) types[typeUrl] = this.types.get(typeUrl)?.status() ?? this.unrequested();
    const status: ProxySyncStatus = { nodeId: this.node.id, node: this.node, viewKey: this.viewKey, connectedAt: this.connectedAt, types };
    const userAgent = userAgentOf(this.nodeJson);
    if (userAgent) status.userAgent = userAgent;
    return status;
  }

  /** Resource-level delivery of every type, for CSDS and the per-proxy config dump. */
  delivery(): ProxyDelivery | undefined {
    const status = this.status();
    if (!status) return undefined;
    const types = this.typeUrls().map((typeUrl) => {
      const ts = this.types.get(typeUrl);
      if (ts) return ts.delivery(this.snapshot?.types.get(typeUrl as TypeUrl));
      return { typeUrl, status: this.unrequested(), unsent: [] };
    });
    return { status, nodeJson: this.nodeJson, types };
  }

  private typeUrls(): string[] {
    return [...PUSH_ORDER, ...[...this.types.keys()].filter((t) => !PUSH_ORDER.includes(t as TypeUrl)).sort()];
  }

  private unrequested(): TypeSyncStatus {
    return { state: 'NOT SENT', requested: false, lastChangeAt: this.connectedAt };
  }

  /** Ends the stream with a status (the server's shutdown, or a protocol error). */
  end(code: grpc.status, details: string): void {
    if (this.done) return;
    this.cleanup();
    const error: Partial<grpc.StatusObject> = { code, details };
    this.call.emit('error', error);
  }

  private fail(code: grpc.status, details: string): void {
    this.ctx.logger.warn({ stream: this.id, node: this.node?.id, code, details }, 'ADS stream rejected');
    this.end(code, details);
  }

  /** Idempotent: unsubscribes from the cache and leaves the server's stream set (§2.3 case 10). */
  private cleanup(): void {
    if (this.done) return;
    this.done = true;
    this.watch?.unsubscribe();
    this.watch = undefined;
    this.snapshot = undefined;
    this.ctx.closed(this);
  }
}

/** `envoy/1.40.0` from Node.user_agent_name and user_agent_build_version (or user_agent_version). */
function userAgentOf(node: JsonObject): string | undefined {
  const name = typeof node.userAgentName === 'string' ? node.userAgentName : '';
  const build = node.userAgentBuildVersion;
  let version = typeof node.userAgentVersion === 'string' ? node.userAgentVersion : '';
  if (build && typeof build === 'object' && !Array.isArray(build)) {
    const v = build.version;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      version = [v.majorNumber ?? 0, v.minorNumber ?? 0, v.patch ?? 0].map(String).join('.');
    }
  }
  if (!name && !version) return undefined;
  return version ? `${name || 'unknown'}/${version}` : name;
}
