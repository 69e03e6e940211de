import type { TypeSnapshot } from '../cache/snapshot';
import type { DiscoveryRequest } from './discoveryRequest';
import type { FrameRequest } from './responseFrame';
import { Subscription, WILDCARD } from './subscription';
import type { DeliveredResponse, NackRecord, SyncState, TypeDelivery, TypeSyncStatus } from './syncStatus';

/** Resources of one version the client holds (or will, once it ACKs). */
interface Delivery {
  version: string;
  names: Set<string>;
}

/**
 * A response as sent. Keeping the (immutable, shared) TypeSnapshot costs one reference and lets
 * CSDS and the per-proxy config dump show exactly the bytes that went out.
 */
interface SentResponse extends Delivery {
  nonce: string;
  typeSnapshot: TypeSnapshot;
  sentAt: Date;
}

interface HeldResponse extends SentResponse {
  ackedAt: Date;
}

/** A response to send now. */
export interface Plan extends FrameRequest {
  typeSnapshot: TypeSnapshot;
}

/**
 * How a request was read: `ack`/`nack` answer the latest response; `subscribe` and `stale` only
 * change the subscription (the first request of a type, a change after an ACK, a stale nonce).
 */
export type RequestKind = 'ack' | 'nack' | 'subscribe' | 'stale';

/**
 * One type's sub-stream of one ADS stream (rule 1: each type is independent, with its own version
 * and nonce). Requests never trigger a send directly: they update this state, and the stream's
 * pump asks `plan()` what, if anything, must go out. That keeps one place deciding when to send.
 */
export class TypeStream {
  readonly subscription: Subscription;
  /** The un-ACKed response; at most one per type per stream (§2.3 case 12, Istio #28261). */
  private outstanding?: SentResponse;
  /** What the client holds: the last ACKed response, pruned to the current subscription. */
  private held?: HeldResponse;
  private lastSent?: SentResponse;
  private lastAckedVersion?: string;
  private lastNack?: NackRecord;
  /** The response behind lastNack, for CSDS's error_state.failed_configuration. */
  private rejected?: SentResponse;
  /** A NACKed version is never sent again in a row (§2.3 case 1); cleared once another version goes out. */
  private blockedVersion?: string;
  private state: SyncState = 'NOT SENT';
  /** NOT SENT starts when the type is first requested. */
  private lastChangeAt = new Date();

  constructor(readonly typeUrl: string) {
    this.subscription = new Subscription(typeUrl);
  }

  onRequest(request: DiscoveryRequest): RequestKind {
    const kind = this.classify(request);
    if (kind === 'ack') this.acked();
    if (kind === 'nack') this.nacked(request.errorDetail?.message ?? '');
    // Every request carries the full desired set (rule 9), stale ones included: the change is
    // remembered and served once the outstanding response is answered (rule 7, envoy#10363).
    this.subscription.update(request.resourceNames);
    this.pruneToSubscription();
    return kind;
  }

  /**
   * Only a request echoing the latest nonce answers a response (rule 4, 7); of those, the presence
   * of error_detail makes a NACK, whatever the versions say (rule 5, envoy PR #14841).
   */
  private classify(request: DiscoveryRequest): RequestKind {
    if (request.responseNonce === '') return 'subscribe';
    if (request.responseNonce !== this.lastSent?.nonce) return 'stale';
    if (!this.outstanding) return 'subscribe';
    return request.errorDetail ? 'nack' : 'ack';
  }

  private acked(): void {
    const sent = this.outstanding as SentResponse;
    this.held = { ...sent, names: new Set(sent.names), ackedAt: new Date() };
    this.lastAckedVersion = sent.version;
    this.outstanding = undefined;
    this.setState('SYNCED');
  }

  /** The client keeps its last good config (held is unchanged); record what it rejected and why. */
  private nacked(message: string): void {
    const sent = this.outstanding as SentResponse;
    this.lastNack = { version: sent.version, message, at: new Date() };
    this.rejected = { ...sent, names: new Set(sent.names) };
    this.blockedVersion = sent.version;
    this.outstanding = undefined;
    this.setState('NACKED');
  }

  /**
   * A name the client unsubscribed is dropped on its side; forget we sent it, so subscribing it
   * again re-sends it (rule 9). Wildcard keeps everything.
   */
  private pruneToSubscription(): void {
    for (const delivery of [this.held, this.outstanding, this.rejected]) {
      if (!delivery) continue;
      for (const name of delivery.names) if (!this.subscription.covers(name)) delivery.names.delete(name);
    }
  }

  /** True when a response is in flight and the snapshot already has a newer version of this type. */
  awaitingNewer(typeSnapshot: TypeSnapshot | undefined): boolean {
    return this.outstanding !== undefined && typeSnapshot !== undefined && this.outstanding.version !== typeSnapshot.version;
  }

  /** What to send now for this snapshot, if anything. */
  plan(typeSnapshot: TypeSnapshot | undefined): Plan | undefined {
    if (!typeSnapshot || this.outstanding || this.subscription.empty) return undefined;
    if (typeSnapshot.version === this.blockedVersion) {
      // The current content is what the client rejected (again, after a rollback in between).
      if (this.state !== 'NACKED') this.setState('NACKED');
      return undefined;
    }
    const names = this.subscription.select(typeSnapshot.resources);
    if (!this.needsSend(typeSnapshot.version, names)) {
      // The NACKed version is gone and the client already holds the current content.
      if (this.state === 'NACKED') this.setState('SYNCED');
      return undefined;
    }
    return { typeSnapshot, wildcard: this.subscription.wildcard, names };
  }

  private needsSend(version: string, names: readonly string[]): boolean {
    const held = this.held;
    if (this.subscription.fullState) {
      // LDS/CDS are full state (rule 11): any change of version or of the set is sent, an empty set
      // included (it deletes). The first wildcard request is answered even when empty (rule 17).
      if (!held) return this.subscription.wildcard || names.length > 0;
      return held.version !== version || !sameSet(held.names, names);
    }
    // EDS/RDS: SotW cannot say "absent" (rule 12); names that don't exist yet stay subscribed and
    // go out when they appear.
    if (names.length === 0) return false;
    if (!held || held.version !== version) return true;
    // Newly subscribed at an unchanged version must still be sent (rule 9, §2.3 case 3).
    return names.some((name) => !held.names.has(name));
  }

  markSent(plan: Plan, nonce: string): void {
    const sent: SentResponse = { version: plan.typeSnapshot.version, names: new Set(plan.names), nonce, typeSnapshot: plan.typeSnapshot, sentAt: new Date() };
    this.outstanding = sent;
    this.lastSent = sent;
    this.blockedVersion = undefined;
    // Once another version is out, the rejected one can no longer come back as the state.
    this.rejected = undefined;
    this.setState('STALE');
  }

  status(): TypeSyncStatus {
    const status: TypeSyncStatus = { state: this.state, requested: true };
    if (this.lastSent) {
      status.lastSentVersion = this.lastSent.version;
      status.lastSentNonce = this.lastSent.nonce;
      status.lastSentAt = this.lastSent.sentAt;
    }
    if (this.lastAckedVersion !== undefined) status.lastAckedVersion = this.lastAckedVersion;
    if (this.held) status.lastAckedAt = this.held.ackedAt;
    if (this.lastNack) status.lastNack = { ...this.lastNack };
    status.lastChangeAt = this.lastChangeAt;
    return status;
  }

  /**
   * Resource by resource, what went out and what the client did with it (for CSDS and the
   * per-proxy config dump). `current` is the view's snapshot of this type, to tell a subscribed
   * name that was never sent because it does not exist from one still waiting its turn.
   */
  delivery(current: TypeSnapshot | undefined): TypeDelivery {
    const delivery: TypeDelivery = { typeUrl: this.typeUrl, status: this.status(), unsent: [] };
    const sent = this.lastSent;
    if (sent) delivery.lastSent = { ...delivered(sent), acked: this.held?.nonce === sent.nonce };
    if (this.held) delivery.held = { ...delivered(this.held), ackedAt: this.held.ackedAt };
    if (this.rejected && this.state === 'NACKED') delivery.rejected = delivered(this.rejected);
    const known = new Set([...(sent?.names ?? []), ...(this.held?.names ?? [])]);
    const wanted = this.subscription.wildcard ? [...(current?.resources.keys() ?? [])] : [...this.subscription.requested].sort();
    for (const name of wanted) {
      if (name !== WILDCARD && !known.has(name)) delivery.unsent.push({ name, exists: current?.resources.has(name) ?? false });
    }
    return delivery;
  }

  private setState(state: SyncState): void {
    this.state = state;
    this.lastChangeAt = new Date();
  }
}

/** The response's resources still subscribed, in wire order (the snapshot's maps are sorted). */
function delivered(sent: SentResponse): DeliveredResponse {
  const resources = [...sent.typeSnapshot.resources.values()].filter((r) => sent.names.has(r.name));
  return { version: sent.version, nonce: sent.nonce, sentAt: sent.sentAt, resources };
}

function sameSet(a: ReadonlySet<string>, b: readonly string[]): boolean {
  return a.size === b.length && b.every((name) => a.has(name));
}
