import type { JsonObject } from '../../lib/protos/protoJson';
import type { EncodedResource } from '../cache/snapshot';
import type { ProxyNode } from '../resources';

/**
 * Per-proxy, per-type delivery state, as `istioctl proxy-status` / CSDS show it (§2.2,
 * ux-and-libraries.md §1.1): NOT SENT (nothing sent yet, whether or not the type was requested),
 * STALE (a response is waiting for its ACK), SYNCED (the last response was ACKed, or the client
 * already holds the current content), NACKED (the last response was rejected; the message is
 * Envoy's).
 */
export type SyncState = 'SYNCED' | 'STALE' | 'NOT SENT' | 'NACKED';

export interface NackRecord {
  /** The version Envoy rejected (the one we sent, not the request's last-good version_info). */
  version: string;
  message: string;
  at: Date;
}

export interface TypeSyncStatus {
  state: SyncState;
  /** False for a known type (CDS, EDS, LDS, RDS) the proxy has not asked for on this stream. */
  requested: boolean;
  lastSentVersion?: string;
  lastSentNonce?: string;
  lastSentAt?: Date;
  lastAckedVersion?: string;
  lastAckedAt?: Date;
  lastNack?: NackRecord;
  /** When `state` last changed (for a type never requested: when the stream connected). */
  lastChangeAt?: Date;
}

export interface ProxySyncStatus {
  nodeId: string;
  node: ProxyNode;
  viewKey: string;
  connectedAt: Date;
  /** Envoy's `user_agent_name/user_agent_build_version`, when the node says (istioctl's VERSION column). */
  userAgent?: string;
  types: Record<string /* typeUrl */, TypeSyncStatus>;
}

/** One response as the client got it: the resources in wire order, each as shared encoded bytes + JSON. */
export interface DeliveredResponse {
  version: string;
  nonce: string;
  sentAt: Date;
  resources: EncodedResource[];
}

/**
 * What one type of one stream delivered, resource by resource: the input of CSDS and of the
 * per-proxy config dump. `lastSent` is pruned to what the client still subscribes to (rule 9).
 */
export interface TypeDelivery {
  typeUrl: string;
  status: TypeSyncStatus;
  /** The last response sent; `acked` says whether the client accepted it. */
  lastSent?: DeliveredResponse & { acked: boolean };
  /** The last response the client ACKed: the config it runs. */
  held?: DeliveredResponse & { ackedAt: Date };
  /** The response the client rejected, while the type is NACKED. */
  rejected?: DeliveredResponse;
  /** Names explicitly subscribed but never sent, and whether the current snapshot has them. */
  unsent: Array<{ name: string; exists: boolean }>;
}

export interface ProxyDelivery {
  status: ProxySyncStatus;
  /** The node as the proxy sent it, in proto3 JSON (all fields, for CSDS's ClientConfig.node). */
  nodeJson: JsonObject;
  types: TypeDelivery[];
}
