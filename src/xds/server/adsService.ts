import type * as grpc from '@grpc/grpc-js';

/**
 * Hand-written gRPC definition of envoy.service.discovery.v3.AggregatedDiscoveryService
 * (xds-protocol.md §2.1 rule 2). Messages cross the gRPC layer as raw Buffers: requests are
 * decoded by us with protobufjs (so a malformed request becomes INVALID_ARGUMENT, not an opaque
 * INTERNAL), and responses are pre-framed bytes shared between streams (§6.1), so grpc-js never
 * re-encodes a resource. The test client uses the same definition.
 */
export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const STREAM_ADS_PATH = `/${ADS_SERVICE}/StreamAggregatedResources`;
export const DELTA_ADS_PATH = `/${ADS_SERVICE}/DeltaAggregatedResources`;

const identity = (bytes: Buffer): Buffer => bytes;

function bytesMethod(path: string, originalName: string): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName,
  };
}

export const adsServiceDefinition = {
  StreamAggregatedResources: bytesMethod(STREAM_ADS_PATH, 'streamAggregatedResources'),
  DeltaAggregatedResources: bytesMethod(DELTA_ADS_PATH, 'deltaAggregatedResources'),
} satisfies grpc.ServiceDefinition;

export type AdsCall = grpc.ServerDuplexStream<Buffer, Buffer>;
