import * as protobuf from 'protobufjs';
import type { TypeSnapshot } from '../cache/snapshot';

/**
 * DiscoveryResponse field numbers (envoy/service/discovery/v3/discovery.proto). Written by hand so
 * a response is assembled from already-encoded Any bytes without a protobufjs message; the test
 * `ads.protocol.test.ts` checks them against the reflected schema.
 */
export const ResponseField = {
  versionInfo: 1,
  resources: 2,
  typeUrl: 4,
  nonce: 5,
  controlPlane: 6,
  /** envoy.config.core.v3.ControlPlane.identifier */
  controlPlaneIdentifier: 1,
} as const;

const LENGTH_DELIMITED = 2;
const tag = (field: number): number => (field << 3) | LENGTH_DELIMITED;

/** What a stream wants framed: every resource of the type (wildcard) or the named ones that exist, sorted. */
export interface FrameRequest {
  wildcard: boolean;
  names: readonly string[];
}

/**
 * Encodes the nonce-less body of a DiscoveryResponse: version_info, the resources' cached Any bytes
 * copied verbatim as repeated field 2, type_url, control_plane.
 */
export function encodeFrame(typeSnapshot: TypeSnapshot, names: readonly string[], controlPlaneId: string | undefined): Buffer {
  const w = protobuf.Writer.create();
  w.uint32(tag(ResponseField.versionInfo)).string(typeSnapshot.version);
  for (const name of names) {
    const resource = typeSnapshot.resources.get(name);
    if (!resource) throw new Error(`frame: ${typeSnapshot.typeUrl} ${name} is not in the snapshot`);
    w.uint32(tag(ResponseField.resources)).bytes(resource.any);
  }
  w.uint32(tag(ResponseField.typeUrl)).string(typeSnapshot.typeUrl);
  if (controlPlaneId) {
    w.uint32(tag(ResponseField.controlPlane)).fork().uint32(tag(ResponseField.controlPlaneIdentifier)).string(controlPlaneId).ldelim();
  }
  return toBuffer(w.finish());
}

/**
 * Appends field 5 (nonce), the only per-send part. Protobuf parsers accept fields in any order
 * and the body never contains field 5, so appending is a valid encoding.
 */
export function withNonce(frame: Buffer, nonce: string): Buffer {
  const suffix = protobuf.Writer.create().uint32(tag(ResponseField.nonce)).string(nonce).finish();
  return Buffer.concat([frame, suffix], frame.length + suffix.length);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Frames shared by every stream: one encode per (view snapshot, type, subscribed-name set).
 * Keyed weakly by the immutable TypeSnapshot, so frames go when the snapshot goes (§2.3 case 10).
 */
export class FrameCache {
  private readonly frames = new WeakMap<TypeSnapshot, Map<string, Buffer>>();
  encodes = 0;
  hits = 0;

  constructor(private readonly controlPlaneId: string | undefined) {}

  get(typeSnapshot: TypeSnapshot, request: FrameRequest): Buffer {
    let byKey = this.frames.get(typeSnapshot);
    if (!byKey) {
      byKey = new Map();
      this.frames.set(typeSnapshot, byKey);
    }
    // '*' cannot collide with a named key, which always starts with 'n:'.
    const key = request.wildcard ? '*' : `n:${request.names.join('\n')}`;
    const cached = byKey.get(key);
    if (cached) {
      this.hits++;
      return cached;
    }
    const frame = encodeFrame(typeSnapshot, request.names, this.controlPlaneId);
    this.encodes++;
    byKey.set(key, frame);
    return frame;
  }
}
