import type * as protobuf from 'protobufjs';
import { lookupType } from '../../lib/protos/envoyProtos';
import { decodeJson, type JsonObject } from '../../lib/protos/protoJson';
import type { ProxyNode } from '../resources';

/** The fields of a SotW DiscoveryRequest the server acts on. */
export interface DiscoveryRequest {
  versionInfo: string;
  /** Present on the first request of a stream; later ones may omit it (rule 3). */
  node?: ProxyNode;
  /** The whole node in proto3 JSON (user agent, locality…), kept for CSDS and proxy status. */
  nodeJson?: JsonObject;
  resourceNames: string[];
  typeUrl: string;
  responseNonce: string;
  /** Presence alone makes a request a NACK (rule 5). */
  errorDetail?: { code: number; message: string };
}

/** protobufjs's view of the decoded message (defaults live on the prototype, absent messages are null). */
interface RawRequest {
  versionInfo: string;
  node: protobuf.Message | null;
  resourceNames: string[];
  typeUrl: string;
  responseNonce: string;
  errorDetail: { code?: number; message?: string } | null;
}

let requestType: protobuf.Type | undefined;
let nodeType: protobuf.Type | undefined;

/** Decodes a DiscoveryRequest; throws on malformed bytes. */
export function decodeDiscoveryRequest(bytes: Uint8Array): DiscoveryRequest {
  requestType ??= lookupType('envoy.service.discovery.v3.DiscoveryRequest');
  const raw = requestType.decode(bytes) as unknown as RawRequest;
  const request: DiscoveryRequest = {
    versionInfo: raw.versionInfo,
    resourceNames: [...raw.resourceNames],
    typeUrl: raw.typeUrl,
    responseNonce: raw.responseNonce,
  };
  if (raw.node) {
    request.nodeJson = nodeJsonOf(raw.node);
    request.node = toProxyNode(request.nodeJson);
  }
  if (raw.errorDetail) request.errorDetail = { code: raw.errorDetail.code ?? 0, message: raw.errorDetail.message ?? '' };
  return request;
}

/**
 * Node metadata is a google.protobuf.Struct; the rest of Ricochet reads it as proto3 JSON (the
 * keys Istio's sidecars send, DESIGN.md "Proxy identity"). Re-encoding the node once per stream
 * lets the shared codec do the Struct → JSON walk.
 */
function nodeJsonOf(node: protobuf.Message): JsonObject {
  nodeType ??= lookupType('envoy.config.core.v3.Node');
  return decodeJson('envoy.config.core.v3.Node', nodeType.encode(node).finish());
}

function toProxyNode(json: JsonObject): ProxyNode {
  const metadata = json.metadata;
  return {
    id: typeof json.id === 'string' ? json.id : '',
    cluster: typeof json.cluster === 'string' ? json.cluster : '',
    metadata: metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as JsonObject) : {},
  };
}
