import type { EncodedResource } from '../cache/snapshot';
import type { NackRecord, TypeDelivery } from './syncStatus';

/**
 * Per resource of one type of one stream, what the client has, in Envoy's vocabulary
 * (envoy.admin.v3.ClientResourceStatus). Shared by CSDS (clientConfig.ts) and the per-proxy config
 * dump (admin/configDump.ts), so both say the same thing:
 * - ACKED: in the last ACKed response; `copy` is that version.
 * - REQUESTED: sent and the ACK is not back yet (`copy` is the in-flight version), or subscribed
 *   and not sent yet (no copy).
 * - NACKED: in the response the client rejected; `copy` is the version it still runs (if any),
 *   `failed` the rejected one with Envoy's message, as Envoy's own config dump shows it.
 * - DOES_NOT_EXIST: subscribed by name, and the view's snapshot has no such resource.
 */
export type ClientResourceStatus = 'ACKED' | 'REQUESTED' | 'NACKED' | 'DOES_NOT_EXIST';

export interface ResourceCopy {
  version: string;
  /** When the client got it: the ACK for an ACKed copy, the send for an in-flight one. */
  at: Date;
  resource: EncodedResource;
}

export interface ResourceStatus {
  name: string;
  clientStatus: ClientResourceStatus;
  copy?: ResourceCopy;
  failed?: { resource: EncodedResource; nack: NackRecord };
}

/** Every resource the type has sent, holds, had rejected or still waits for, sorted by name. */
export function resourceStatuses(t: TypeDelivery): ResourceStatus[] {
  const held = byName(t.held?.resources);
  const rejected = t.rejected && t.status.lastNack ? byName(t.rejected.resources) : new Map<string, EncodedResource>();
  const inFlight = t.lastSent && !t.lastSent.acked && !t.rejected ? byName(t.lastSent.resources) : new Map<string, EncodedResource>();
  const unsent = new Map(t.unsent.map((u) => [u.name, u.exists]));
  const names = [...new Set([...held.keys(), ...inFlight.keys(), ...rejected.keys(), ...unsent.keys()])].sort();
  return names.map((name): ResourceStatus => {
    const accepted = held.get(name);
    const heldCopy = accepted && t.held ? { version: t.held.version, at: t.held.ackedAt, resource: accepted } : undefined;
    const failed = rejected.get(name);
    if (failed && t.status.lastNack) {
      return { name, clientStatus: 'NACKED', ...(heldCopy ? { copy: heldCopy } : {}), failed: { resource: failed, nack: t.status.lastNack } };
    }
    const pending = inFlight.get(name);
    if (pending && t.lastSent) return { name, clientStatus: 'REQUESTED', copy: { version: t.lastSent.version, at: t.lastSent.sentAt, resource: pending } };
    if (heldCopy) return { name, clientStatus: 'ACKED', copy: heldCopy };
    return { name, clientStatus: unsent.get(name) === false ? 'DOES_NOT_EXIST' : 'REQUESTED' };
  });
}

function byName(resources: readonly EncodedResource[] | undefined): Map<string, EncodedResource> {
  return new Map((resources ?? []).map((r) => [r.name, r]));
}
