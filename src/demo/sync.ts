/**
 * Waiting until a proxy runs the configuration just applied, without a fixed sleep:
 *
 * 1. the control plane has compiled a revision newer than the one before the change
 *    (`/debug/diagnostics` `revision`; the control plane publishes every view's snapshot, and
 *    the ADS streams push it, in the same tick it sets the revision, so from then on a proxy
 *    that has not ACKed the new version reads STALE);
 * 2. `/debug/syncz` shows the proxy SYNCED on every xDS type it asked for: it ACKed the latest
 *    version of each (Envoy ACKs after applying; a NACK fails here with Envoy's message).
 *
 * The demo's control plane has an empty --sources folder and only the demo writes to its store,
 * one change at a time, so every new revision is the demo's own last change.
 */
import type { AdminClient } from '../cli/client';
import type { Child } from './children';
import { pollUntil } from './http';

interface SynczTypeRow {
  type: string;
  state: 'SYNCED' | 'STALE' | 'NOT SENT' | 'NACKED';
  requested: boolean;
  lastAckedVersion?: string;
  lastNack?: { message: string };
}

interface SynczRow {
  nodeId: string;
  types: Record<string, SynczTypeRow>;
}

export async function compiledRevision(client: AdminClient): Promise<number> {
  return (await client.getJson<{ revision: number }>('/debug/diagnostics')).revision;
}

/** Resolves once the control plane has compiled a revision after `revision`. */
export function waitForRevisionAfter(client: AdminClient, revision: number, serve: Child, timeoutMs = 10_000): Promise<number> {
  return pollUntil(`the control plane to compile the change (revision > ${revision})`, timeoutMs, async () => {
    const now = await compiledRevision(client);
    return now > revision ? { value: now, why: '' } : { why: `revision ${now}` };
  }, serve);
}

/** Resolves once `nodeId` is connected and SYNCED on every type it requested; a NACK throws. */
export function waitUntilSynced(client: AdminClient, nodeId: string, serve: Child, timeoutMs = 15_000): Promise<true> {
  return pollUntil(`proxy ${nodeId} to be SYNCED on every xDS type`, timeoutMs, async () => {
    const rows = (await client.getJson<SynczRow[]>('/debug/syncz')).filter((r) => r.nodeId === nodeId);
    const row = rows[rows.length - 1];
    if (!row) return { why: 'not connected to the control plane yet' };
    const types = Object.values(row.types);
    const nacked = types.find((t) => t.state === 'NACKED');
    if (nacked) return { fatal: true, why: `the proxy rejected the ${nacked.type} update (NACK): ${nacked.lastNack?.message ?? 'no message'}` };
    const waiting = types.filter((t) => t.requested && t.state !== 'SYNCED');
    const core = types.filter((t) => (t.type === 'CDS' || t.type === 'LDS') && t.state !== 'SYNCED');
    if (waiting.length === 0 && core.length === 0) return { value: true as const, why: '' };
    return { why: [...new Set([...waiting, ...core])].map((t) => `${t.type} ${t.state}`).join(', ') };
  }, serve);
}
