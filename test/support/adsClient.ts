import * as grpc from '@grpc/grpc-js';
import { lookupType, typeNameFromUrl } from '../../src/lib/protos/envoyProtos';
import { decodeJson, type JsonObject } from '../../src/lib/protos/protoJson';
import type { ProxyNode } from '../../src/xds/resources';
import { adsServiceDefinition } from '../../src/xds/server/adsService';

/** A DiscoveryResponse as the test sees it: fields, resources as proto3 JSON, and the raw bytes. */
export interface AdsResponse {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  controlPlaneId?: string;
  resources: JsonObject[];
  /** Resource names in wire order (`clusterName` for a ClusterLoadAssignment). */
  names: string[];
  raw: Buffer;
}

export interface RequestOptions {
  versionInfo?: string;
  responseNonce?: string;
  errorDetail?: { code?: number; message: string };
  /** Send the node on this request (default: only on the stream's first request, like Envoy). */
  node?: ProxyNode | null;
}

export interface AdsClientOptions {
  /** `null` sends no node at all (to test the server's rejection). */
  node?: ProxyNode | null;
  /** The gRPC method path; defaults to StreamAggregatedResources. */
  path?: string;
}

interface RawResponse {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  controlPlane: { identifier?: string } | null;
  /** google.protobuf.Any keeps its snake_case field names in the compiled root. */
  resources: { type_url: string; value: Uint8Array }[];
}

export const defaultNode = (id = 'sidecar~10.0.0.1~app-1.default~default.svc.cluster.local'): ProxyNode => ({
  id,
  cluster: 'app',
  metadata: { NAMESPACE: 'default', LABELS: { app: 'app' } },
});

/**
 * In-process ADS client on the server's own hand-written gRPC definition: encodes requests with
 * protobufjs, decodes responses (and their Any resources) back into proto3 JSON. Behaves like
 * Envoy where it matters: node on the first request only, ACK echoes version + nonce + the
 * current names, NACK carries error_detail and the last good version.
 */
export class AdsClient {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<Buffer, Buffer>;
  private readonly queue: AdsResponse[] = [];
  private waiters: (() => void)[] = [];
  private readonly names = new Map<string, string[]>();
  private readonly acked = new Map<string, string>();
  private nodeSent = false;
  readonly node: ProxyNode | null;
  /** Resolves with the stream's final status. */
  readonly status: Promise<grpc.StatusObject>;

  constructor(port: number, opts: AdsClientOptions = {}) {
    this.node = opts.node === undefined ? defaultNode() : opts.node;
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const method = adsServiceDefinition.StreamAggregatedResources;
    this.call = this.client.makeBidiStreamRequest(opts.path ?? method.path, method.requestSerialize, method.responseDeserialize);
    this.call.on('data', (bytes: Buffer) => this.push(decodeResponse(bytes)));
    this.status = new Promise((resolve) => this.call.on('status', resolve));
    this.call.on('error', () => undefined); // surfaced through `status`
  }

  request(typeUrl: string, names: string[] = [], opts: RequestOptions = {}): void {
    this.names.set(typeUrl, names);
    const node = opts.node !== undefined ? opts.node : this.nodeSent ? null : this.node;
    this.nodeSent = true;
    const message: Record<string, unknown> = {
      versionInfo: opts.versionInfo ?? '',
      resourceNames: names,
      typeUrl,
      responseNonce: opts.responseNonce ?? '',
    };
    if (node) message.node = nodeMessage(node);
    if (opts.errorDetail) message.errorDetail = { code: opts.errorDetail.code ?? grpc.status.INTERNAL, message: opts.errorDetail.message };
    const type = lookupType('envoy.service.discovery.v3.DiscoveryRequest');
    this.call.write(Buffer.from(type.encode(type.fromObject(message)).finish()));
  }

  /** ACK: the response's version and nonce, with the type's current names (or new ones). */
  ack(response: AdsResponse, names?: string[]): void {
    this.acked.set(response.typeUrl, response.versionInfo);
    this.request(response.typeUrl, names ?? this.names.get(response.typeUrl) ?? [], {
      versionInfo: response.versionInfo,
      responseNonce: response.nonce,
    });
  }

  /** NACK: error_detail plus the last version this client accepted (rule 5). */
  nack(response: AdsResponse, message: string, names?: string[]): void {
    this.request(response.typeUrl, names ?? this.names.get(response.typeUrl) ?? [], {
      versionInfo: this.acked.get(response.typeUrl) ?? '',
      responseNonce: response.nonce,
      errorDetail: { message },
    });
  }

  /** The next response on the stream; fails if it is of another type or none comes in time. */
  async nextResponse(typeUrl?: string, timeoutMs = 2000): Promise<AdsResponse> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no DiscoveryResponse${typeUrl ? ` for ${short(typeUrl)}` : ''} within ${timeoutMs} ms`);
      await this.waitForPush(left);
    }
    const response = this.queue.shift() as AdsResponse;
    if (typeUrl && response.typeUrl !== typeUrl) {
      throw new Error(`expected a ${short(typeUrl)} response, got ${short(response.typeUrl)} (version ${response.versionInfo})`);
    }
    return response;
  }

  /** Fails if any response arrives within `ms`. */
  async expectNoResponse(ms = 200): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const unexpected = this.queue[0];
    if (unexpected) {
      throw new Error(`unexpected ${short(unexpected.typeUrl)} response: version ${unexpected.versionInfo} [${unexpected.names.join(', ')}]`);
    }
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }

  private push(response: AdsResponse): void {
    this.queue.push(response);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private waitForPush(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export function decodeResponse(bytes: Buffer): AdsResponse {
  const type = lookupType('envoy.service.discovery.v3.DiscoveryResponse');
  const raw = type.decode(bytes) as unknown as RawResponse;
  const resources = raw.resources.map((any): JsonObject => ({ '@type': any.type_url, ...decodeJson(typeNameFromUrl(any.type_url), any.value) }));
  const response: AdsResponse = {
    versionInfo: raw.versionInfo,
    typeUrl: raw.typeUrl,
    nonce: raw.nonce,
    resources,
    names: resources.map((r) => String(r.clusterName ?? r.name)),
    raw: bytes,
  };
  if (raw.controlPlane?.identifier) response.controlPlaneId = raw.controlPlane.identifier;
  return response;
}

/** ProxyNode (metadata as JSON) → the protobufjs object for envoy.config.core.v3.Node. */
function nodeMessage(node: ProxyNode): Record<string, unknown> {
  return { id: node.id, cluster: node.cluster, metadata: structMessage(node.metadata) };
}

function structMessage(json: JsonObject): { fields: Record<string, unknown> } {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) fields[k] = valueMessage(v);
  return { fields };
}

function valueMessage(v: unknown): Record<string, unknown> {
  if (v === null || v === undefined) return { nullValue: 0 };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(valueMessage) } };
  return { structValue: structMessage(v as JsonObject) };
}

function short(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}

/** Polls until `check` passes (returns without throwing) or the time is up. */
export async function eventually<T>(check: () => T, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
