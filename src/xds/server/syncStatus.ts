import type { ProxyNode } from '../resources';

/**
 * Per-proxy, per-type delivery state, as `istioctl proxy-status` / CSDS show it (§2.2):
 * NOT SENT (nothing sent yet), STALE (a response is waiting for its ACK), SYNCED (the last
 * response was ACKed, or the client already holds the current content), NACKED (the last response
 * was rejected; the message is Envoy's).
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
  lastSentVersion?: string;
  lastSentNonce?: string;
  lastAckedVersion?: string;
  lastNack?: NackRecord;
  lastChangeAt?: Date;
}

export interface ProxySyncStatus {
  nodeId: string;
  node: ProxyNode;
  viewKey: string;
  connectedAt: Date;
  types: Record<string /* typeUrl */, TypeSyncStatus>;
}
