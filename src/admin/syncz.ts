import { proxyIdentityOf } from '../controlplane/views';
import type { ProxyNode } from '../xds/resources';
import { TypeUrl } from '../xds/resources';
import type { ProxySyncStatus, SyncState, TypeSyncStatus } from '../xds/server/ads';

/**
 * `GET /debug/syncz`: one row per connected proxy (ux-and-libraries.md §1.1 proxy-status, §3 admin
 * table), sorted by node id, with per xDS type (keyed by type URL) the state, versions, nonce, the
 * last NACK with Envoy's message, and when the state last changed — as an ISO timestamp and as
 * seconds before this response was rendered, so `proxy-status` can print `SYNCED (5m)` without
 * trusting its own clock.
 */
export interface SynczType {
  /** CDS, EDS, LDS, RDS (or the type URL's message name for another type). */
  type: string;
  state: SyncState;
  requested: boolean;
  lastSentVersion?: string;
  lastSentNonce?: string;
  lastSentAt?: string;
  lastAckedVersion?: string;
  lastAckedAt?: string;
  lastNack?: { version: string; message: string; at: string; secondsAgo: number };
  lastChangeAt?: string;
  lastChangeSecondsAgo?: number;
}

export interface SynczRow {
  nodeId: string;
  node: ProxyNode;
  /** The proxy identity its node metadata declares (DESIGN.md, Proxy identity). */
  identity: { role: string; namespace: string; serviceAccount: string; gateway?: string; labels: Record<string, string> };
  viewKey: string;
  connectedAt: string;
  connectedSecondsAgo: number;
  userAgent?: string;
  types: Record<string, SynczType>;
}

const SHORT: Record<string, string> = { [TypeUrl.Cluster]: 'CDS', [TypeUrl.Endpoint]: 'EDS', [TypeUrl.Listener]: 'LDS', [TypeUrl.Route]: 'RDS' };

export function synczRows(statuses: readonly ProxySyncStatus[], now = new Date()): SynczRow[] {
  const rows = statuses.map((s) => synczRow(s, now));
  // The ADS server sorts too; sorting here keeps the contract in the one place that serves it.
  return rows.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : a.connectedAt < b.connectedAt ? -1 : 1));
}

function synczRow(s: ProxySyncStatus, now: Date): SynczRow {
  const id = proxyIdentityOf(s.node);
  const identity: SynczRow['identity'] = { role: id.role, namespace: id.namespace, serviceAccount: id.serviceAccount, labels: id.labels };
  if (id.gateway) identity.gateway = `${id.gateway.namespace}/${id.gateway.name}`;
  const types: Record<string, SynczType> = {};
  for (const [typeUrl, t] of Object.entries(s.types)) types[typeUrl] = synczType(typeUrl, t, now);
  const row: SynczRow = {
    nodeId: s.nodeId,
    node: s.node,
    identity,
    viewKey: s.viewKey,
    connectedAt: s.connectedAt.toISOString(),
    connectedSecondsAgo: secondsBetween(s.connectedAt, now),
    types,
  };
  if (s.userAgent) row.userAgent = s.userAgent;
  return row;
}

function synczType(typeUrl: string, t: TypeSyncStatus, now: Date): SynczType {
  const out: SynczType = { type: SHORT[typeUrl] ?? typeUrl.slice(typeUrl.lastIndexOf('.') + 1), state: t.state, requested: t.requested };
  if (t.lastSentVersion !== undefined) out.lastSentVersion = t.lastSentVersion;
  if (t.lastSentNonce !== undefined) out.lastSentNonce = t.lastSentNonce;
  if (t.lastSentAt) out.lastSentAt = t.lastSentAt.toISOString();
  if (t.lastAckedVersion !== undefined) out.lastAckedVersion = t.lastAckedVersion;
  if (t.lastAckedAt) out.lastAckedAt = t.lastAckedAt.toISOString();
  if (t.lastNack) {
    out.lastNack = { version: t.lastNack.version, message: t.lastNack.message, at: t.lastNack.at.toISOString(), secondsAgo: secondsBetween(t.lastNack.at, now) };
  }
  if (t.lastChangeAt) {
    out.lastChangeAt = t.lastChangeAt.toISOString();
    out.lastChangeSecondsAgo = secondsBetween(t.lastChangeAt, now);
  }
  return out;
}

/** Seconds, to the millisecond, never negative (clock steps). */
function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round(to.getTime() - from.getTime())) / 1000;
}
