import type * as protobuf from 'protobufjs';
import { lookupType } from '../../lib/protos/envoyProtos';
import { encodeJson } from '../../lib/protos/protoJson';
import type { EncodedResource } from '../cache/snapshot';
import { resourceStatuses } from './resourceStatus';
import type { NackRecord, ProxyDelivery, SyncState, TypeDelivery } from './syncStatus';

/**
 * ProxyDelivery → envoy.service.status.v3.ClientConfig, as a protobufjs plain object (field names
 * as in the compiled root; Any keeps `type_url`/`value`), so resource bytes go out exactly as they
 * were sent, without a JSON round trip.
 *
 * One GenericXdsConfig per resource, as Envoy's own CSDS lists them, plus one with no name for a
 * type that has no resource to show (never requested, nothing sent, or an empty full-state type),
 * so every type a proxy-status tool looks for is present.
 * - config_status is the TYPE's state for every entry of that type (istiod's rule,
 *   ux-and-libraries.md §1.1: SYNCED / NOT_SENT / STALE / ERROR for NACKED), so a tool reading
 *   any one entry of a type gets the same answer.
 * - client_status is per resource (resourceStatus.ts); version_info / xds_config / last_updated
 *   describe the copy the entry is about (in flight, or ACKed), and a NACKED resource carries the
 *   rejected copy in error_state.failed_configuration with Envoy's message and version.
 */
export interface ClientConfigOptions {
  /** ClientStatusRequest.exclude_resource_contents: no xds_config / failed_configuration. */
  excludeResourceContents?: boolean;
}

type Plain = Record<string, unknown>;

const CONFIG_STATUS: Record<SyncState, string> = { SYNCED: 'SYNCED', STALE: 'STALE', 'NOT SENT': 'NOT_SENT', NACKED: 'ERROR' };

export function clientConfig(delivery: ProxyDelivery, opts: ClientConfigOptions = {}): Plain {
  return { node: nodeMessage(delivery), genericXdsConfigs: delivery.types.flatMap((t) => genericXdsConfigs(t, opts)) };
}

function genericXdsConfigs(t: TypeDelivery, opts: ClientConfigOptions): Plain[] {
  const configStatus = CONFIG_STATUS[t.status.state];
  const entries = resourceStatuses(t).map((r): Plain => {
    const entry: Plain = { typeUrl: t.typeUrl, name: r.name, configStatus, clientStatus: r.clientStatus };
    if (r.copy) {
      entry.versionInfo = r.copy.version;
      entry.lastUpdated = timestamp(r.copy.at);
      if (!opts.excludeResourceContents) entry.xdsConfig = anyMessage(r.copy.resource);
    }
    if (r.failed) entry.errorState = errorState(r.failed.nack, r.failed.resource, opts);
    return entry;
  });
  return entries.length > 0 ? entries : [typeEntry(t, configStatus, opts)];
}

/** A type with no resource to list: its state, the last version sent and when the state changed. */
function typeEntry(t: TypeDelivery, configStatus: string, opts: ClientConfigOptions): Plain {
  const entry: Plain = { typeUrl: t.typeUrl, configStatus };
  if (t.status.lastSentVersion !== undefined) entry.versionInfo = t.status.lastSentVersion;
  if (t.status.lastChangeAt) entry.lastUpdated = timestamp(t.status.lastChangeAt);
  if (t.status.state === 'SYNCED') entry.clientStatus = 'ACKED';
  else if (t.status.requested && t.status.state !== 'NACKED') entry.clientStatus = 'REQUESTED';
  if (t.status.state === 'NACKED' && t.status.lastNack) {
    entry.clientStatus = 'NACKED';
    entry.errorState = errorState(t.status.lastNack, undefined, opts);
  }
  return entry;
}

/** UpdateFailureState: Envoy's message, the rejected version, when, and (unless excluded) the rejected resource. */
function errorState(nack: NackRecord, failed: EncodedResource | undefined, opts: ClientConfigOptions): Plain {
  const state: Plain = { lastUpdateAttempt: timestamp(nack.at), details: nack.message, versionInfo: nack.version };
  if (failed && !opts.excludeResourceContents) state.failedConfiguration = anyMessage(failed);
  return state;
}

let anyType: protobuf.Type | undefined;
let nodeType: protobuf.Type | undefined;

/** The resource's cached Any bytes, decoded only down to {type_url, value} (the value stays as sent). */
function anyMessage(resource: EncodedResource): protobuf.Message {
  anyType ??= lookupType('google.protobuf.Any');
  return anyType.decode(resource.any);
}

/** The whole node the proxy sent; falls back to id/cluster if it does not re-encode. */
function nodeMessage(delivery: ProxyDelivery): protobuf.Message | Plain {
  nodeType ??= lookupType('envoy.config.core.v3.Node');
  try {
    return nodeType.decode(encodeJson('envoy.config.core.v3.Node', delivery.nodeJson));
  } catch {
    return { id: delivery.status.node.id, cluster: delivery.status.node.cluster };
  }
}

function timestamp(d: Date): Plain {
  const ms = d.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}
