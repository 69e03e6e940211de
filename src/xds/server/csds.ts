import * as grpc from '@grpc/grpc-js';
import { lookupType } from '../../lib/protos/envoyProtos';
import { decodeJson, type Json } from '../../lib/protos/protoJson';
import { clientConfig } from './clientConfig';
import { NodeMatcherError, nodeMatchers } from './nodeMatcher';
import type { ProxyDelivery } from './syncStatus';

/**
 * Envoy's Client Status Discovery Service (envoy.service.status.v3, xds-protocol.md §2.2,
 * ux-and-libraries.md §1.1), served on the ADS server's gRPC port: one ClientConfig per connected
 * proxy, with per-resource status from the ADS bookkeeping (clientConfig.ts).
 *
 * Like the ADS definition (adsService.ts), the methods move raw Buffers: we decode the request
 * ourselves so a malformed one is INVALID_ARGUMENT with a reason, and the response is encoded
 * once with the reflected schema. A test client uses the same definition.
 */
export const CSDS_SERVICE = 'envoy.service.status.v3.ClientStatusDiscoveryService';
export const STREAM_CSDS_PATH = `/${CSDS_SERVICE}/StreamClientStatus`;
export const FETCH_CSDS_PATH = `/${CSDS_SERVICE}/FetchClientStatus`;

const identity = (bytes: Buffer): Buffer => bytes;

function bytesMethod(path: string, originalName: string, streaming: boolean): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream: streaming,
    responseStream: streaming,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName,
  };
}

export const csdsServiceDefinition = {
  StreamClientStatus: bytesMethod(STREAM_CSDS_PATH, 'streamClientStatus', true),
  FetchClientStatus: bytesMethod(FETCH_CSDS_PATH, 'fetchClientStatus', false),
} satisfies grpc.ServiceDefinition;

/** What CSDS reads: the ADS server (or anything that keeps the same books) and its gRPC server. */
export interface CsdsHost {
  deliveries(): ProxyDelivery[];
  addService<I extends grpc.UntypedServiceImplementation>(definition: grpc.ServiceDefinition<I>, implementation: I): void;
}

/** Registers CSDS next to ADS; call before the server listens. */
export function registerCsds(host: CsdsHost): void {
  host.addService(csdsServiceDefinition, {
    FetchClientStatus: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const answer = answerRequest(call.request, host);
      if ('error' in answer) callback(answer.error, null);
      else callback(null, answer.response);
    },
    // Each request gets one response with the state at that moment (Envoy's CSDS client polls).
    StreamClientStatus: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      let done = false;
      call.on('data', (bytes: Buffer) => {
        if (done) return;
        const answer = answerRequest(bytes, host);
        if ('response' in answer) return void call.write(answer.response);
        done = true;
        call.emit('error', answer.error);
      });
      call.on('end', () => {
        if (!done) call.end();
        done = true;
      });
      call.on('error', () => {
        done = true;
      });
    },
  });
}

type Answer = { response: Buffer } | { error: Partial<grpc.StatusObject> };

function answerRequest(bytes: Buffer, host: CsdsHost): Answer {
  let request;
  try {
    request = decodeJson('envoy.service.status.v3.ClientStatusRequest', bytes);
  } catch (err) {
    return invalid(`malformed ClientStatusRequest: ${(err as Error).message}`);
  }
  try {
    const matches = nodeMatchers(asList(request.nodeMatchers));
    const exclude = request.excludeResourceContents === true;
    const selected = host.deliveries().filter((d) => matches(d.status.node));
    return { response: encodeResponse(selected.map((d) => clientConfig(d, { excludeResourceContents: exclude }))) };
  } catch (err) {
    if (err instanceof NodeMatcherError) return invalid(`ClientStatusRequest.${err.message}`);
    // A bug here must not take the control plane (and every ADS stream) down.
    return { error: { code: grpc.status.INTERNAL, details: `CSDS: ${(err as Error).message}` } };
  }
}

function encodeResponse(configs: Record<string, unknown>[]): Buffer {
  const type = lookupType('envoy.service.status.v3.ClientStatusResponse');
  return Buffer.from(type.encode(type.fromObject({ config: configs })).finish());
}

function invalid(details: string): { error: Partial<grpc.StatusObject> } {
  return { error: { code: grpc.status.INVALID_ARGUMENT, details } };
}

function asList(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}
