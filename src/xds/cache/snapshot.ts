import { contentHash, canonicalJson } from '../../lib/hash';
import { encodeAnyJson, type JsonObject } from '../../lib/protos/protoJson';
import { PUSH_ORDER, TypeUrl, resourceName, resourcesOfType, type XdsResources } from '../resources';

/** One resource, encoded once as a packed `google.protobuf.Any`, shared by every stream. */
export interface EncodedResource {
  readonly name: string;
  /** Content hash of the resource; the per-resource version. */
  readonly hash: string;
  /** Encoded `Any{type_url, value}` bytes, ready to be framed into a DiscoveryResponse. */
  readonly any: Uint8Array;
  readonly json: JsonObject;
}

export interface TypeSnapshot {
  readonly typeUrl: TypeUrl;
  /** Content hash of every resource of the type (and, for EDS, of the clusters: see below). */
  readonly version: string;
  readonly resources: ReadonlyMap<string, EncodedResource>;
}

/** Everything one proxy view is served, per type, immutable. */
export interface Snapshot {
  readonly viewKey: string;
  readonly types: ReadonlyMap<TypeUrl, TypeSnapshot>;
}

/**
 * Encodes resources into Any bytes, reusing the bytes of any resource whose content did not
 * change since the previous build (one encode per resource per change, whatever the number of
 * views or streams).
 */
export class ResourceEncoder {
  private previous = new Map<string, EncodedResource>();
  private current = new Map<string, EncodedResource>();
  encodes = 0;

  encode(typeUrl: TypeUrl, json: JsonObject): EncodedResource {
    const text = canonicalJson(json);
    const hash = contentHash(`${typeUrl}\n${text}`);
    const reused = this.current.get(hash) ?? this.previous.get(hash);
    if (reused) {
      this.current.set(hash, reused);
      return reused;
    }
    this.encodes++;
    const resource: EncodedResource = {
      name: resourceName(typeUrl, json),
      hash,
      any: encodeAnyJson({ '@type': typeUrl, ...json }),
      json,
    };
    this.current.set(hash, resource);
    return resource;
  }

  /** Call after a round of builds: forgets encodings no snapshot of the round used. */
  endRound(): void {
    this.previous = this.current;
    this.current = new Map();
  }
}

/**
 * Builds an immutable snapshot. EDS's version also covers the clusters, so any cluster change
 * re-sends the endpoints: Envoy needs a fresh ClusterLoadAssignment to finish warming an updated
 * cluster (xds-protocol.md §2.1 rule 15, §2.3 case 4).
 */
export function buildSnapshot(viewKey: string, resources: XdsResources, encoder: ResourceEncoder): Snapshot {
  const types = new Map<TypeUrl, TypeSnapshot>();
  for (const typeUrl of PUSH_ORDER) {
    const map = new Map<string, EncodedResource>();
    for (const json of resourcesOfType(resources, typeUrl)) {
      const encoded = encoder.encode(typeUrl, json);
      if (map.has(encoded.name)) throw new Error(`duplicate ${typeUrl} resource ${encoded.name}`);
      map.set(encoded.name, encoded);
    }
    const sorted = new Map([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let versionInput = [...sorted.values()].map((r) => `${r.name}=${r.hash}`).join('\n');
    if (typeUrl === TypeUrl.Endpoint) versionInput += `\nclusters=${types.get(TypeUrl.Cluster)?.version ?? ''}`;
    types.set(typeUrl, { typeUrl, version: contentHash(versionInput), resources: sorted });
  }
  return { viewKey, types };
}
