import * as grpc from '@grpc/grpc-js';
import { decodeJson, encodeJson, type JsonObject } from '../../src/lib/protos/protoJson';
import { csdsServiceDefinition } from '../../src/xds/server/csds';

/** A GenericXdsConfig as proto3 JSON (xdsConfig / failedConfiguration expanded with `@type`). */
export interface GenericXdsConfigJson {
  typeUrl: string;
  name?: string;
  versionInfo?: string;
  xdsConfig?: JsonObject;
  lastUpdated?: string;
  configStatus?: string;
  clientStatus?: string;
  errorState?: { failedConfiguration?: JsonObject; lastUpdateAttempt?: string; details?: string; versionInfo?: string };
}

export interface ClientConfigJson {
  node?: JsonObject & { id?: string };
  genericXdsConfigs?: GenericXdsConfigJson[];
}

const REQUEST = 'envoy.service.status.v3.ClientStatusRequest';
const RESPONSE = 'envoy.service.status.v3.ClientStatusResponse';

/**
 * CSDS client on the server's own hand-built definition (as Envoy-ecosystem tools call it): the
 * request is proto3 JSON encoded with the reflected schema, the response decoded back into JSON.
 */
export class CsdsClient {
  private readonly client: grpc.Client;

  constructor(port: number) {
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  /** FetchClientStatus (unary). Rejects with the grpc status error. */
  fetch(request: JsonObject = {}): Promise<ClientConfigJson[]> {
    const method = csdsServiceDefinition.FetchClientStatus;
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, encodeRequest(request), (err, bytes) => {
        if (err) return reject(err);
        resolve(decodeResponse(bytes as Buffer));
      });
    });
  }

  /** StreamClientStatus: one response per request, in order; then half-closes. */
  async stream(requests: JsonObject[], between: (index: number) => Promise<void> = async () => undefined): Promise<ClientConfigJson[][]> {
    const method = csdsServiceDefinition.StreamClientStatus;
    const call = this.client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize);
    const received: ClientConfigJson[][] = [];
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    call.on('data', (bytes: Buffer) => {
      received.push(decodeResponse(bytes));
      wake?.();
    });
    call.on('error', (err: Error) => {
      failure = err;
      wake?.();
    });
    for (let i = 0; i < requests.length; i++) {
      call.write(encodeRequest(requests[i] as JsonObject));
      const deadline = Date.now() + 2000;
      while (received.length <= i && !failure && Date.now() < deadline) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      if (failure) throw failure;
      if (received.length <= i) throw new Error(`no ClientStatusResponse to request ${i} within 2 s`);
      await between(i);
    }
    call.end();
    return received;
  }

  close(): void {
    this.client.close();
  }
}

function encodeRequest(request: JsonObject): Buffer {
  return Buffer.from(encodeJson(REQUEST, request));
}

function decodeResponse(bytes: Buffer): ClientConfigJson[] {
  const json = decodeJson(RESPONSE, bytes) as { config?: ClientConfigJson[] };
  return json.config ?? [];
}

/** The entries of one type in one ClientConfig. */
export function configsOfType(config: ClientConfigJson | undefined, typeUrl: string): GenericXdsConfigJson[] {
  return (config?.genericXdsConfigs ?? []).filter((g) => g.typeUrl === typeUrl);
}
