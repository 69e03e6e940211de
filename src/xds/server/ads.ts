import * as grpc from '@grpc/grpc-js';
import type { SnapshotCache } from '../cache/snapshotCache';
import type { ProxyNode } from '../resources';
import { adsServiceDefinition, type AdsCall } from './adsService';
import { AdsStream, type AdsLogger, type StreamContext } from './adsStream';
import { FrameCache } from './responseFrame';
import type { ProxyDelivery, ProxySyncStatus } from './syncStatus';

export type { AdsLogger } from './adsStream';
export type { ProxySyncStatus, TypeSyncStatus, SyncState, NackRecord, ProxyDelivery, TypeDelivery, DeliveredResponse } from './syncStatus';

export interface AdsServerOptions {
  cache: SnapshotCache;
  /** Which view (snapshot) serves a node; proxies matching the same policies share one. */
  viewFor(node: ProxyNode): string;
  /** Sent as DiscoveryResponse.control_plane.identifier (§2.2), to tell replicas apart. */
  controlPlaneId?: string;
  logger?: AdsLogger;
}

/** Counters for tests, benchmarks and the admin API. */
export interface AdsServerMetrics {
  streams: number;
  /** DiscoveryResponse bodies encoded: one per (snapshot, type, subscribed set), whatever the stream count. */
  framesEncoded: number;
  framesReused: number;
  responsesSent: number;
}

const silent: AdsLogger = { info: () => undefined, warn: () => undefined, debug: () => undefined };
const SHUTDOWN_GRACE_MS = 2000;

/**
 * ADS (SotW) server for Envoy, over grpc-js, following xds-protocol.md §2. The protocol state of
 * each stream lives in AdsStream/TypeStream; this class owns the gRPC server, the shared frame
 * cache and the set of live streams.
 */
export class AdsServer {
  /** Settable hook: a stream started watching a view, so the control plane can build it. */
  onViewWatched: (viewKey: string, node: ProxyNode) => void = () => undefined;

  private readonly server = new grpc.Server();
  private readonly streams = new Set<AdsStream>();
  private readonly frames: FrameCache;
  private readonly logger: AdsLogger;
  private readonly context: StreamContext;
  private nextStreamId = 0;
  private responsesSent = 0;

  constructor(private readonly opts: AdsServerOptions) {
    this.logger = opts.logger ?? silent;
    this.frames = new FrameCache(opts.controlPlaneId);
    this.context = this.streamContext();
    this.server.addService(adsServiceDefinition, {
      StreamAggregatedResources: (call: AdsCall) => this.handleStream(call),
      DeltaAggregatedResources: (call: AdsCall) => this.handleDelta(call),
    });
  }

  listen(address: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => {
        if (err) return reject(err);
        this.logger.info({ address, port }, 'ADS server listening');
        resolve(port);
      });
    });
  }

  /** Ends every stream with UNAVAILABLE (Envoy reconnects elsewhere), then stops the server. */
  async close(): Promise<void> {
    for (const stream of [...this.streams]) stream.end(grpc.status.UNAVAILABLE, 'control plane shutting down');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, SHUTDOWN_GRACE_MS);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Another service on the same gRPC server and port (CSDS, csds.ts). Call before listen():
   * grpc-js only routes to services added before the server starts.
   */
  addService<I extends grpc.UntypedServiceImplementation>(definition: grpc.ServiceDefinition<I>, implementation: I): void {
    this.server.addService(definition, implementation);
  }

  /** Per connected stream that has identified its node, sorted by node id then connection time. */
  syncStatus(): ProxySyncStatus[] {
    const all: ProxySyncStatus[] = [];
    for (const stream of this.streams) {
      const status = stream.status();
      if (status) all.push(status);
    }
    return all.sort(byNode);
  }

  /** What each stream was sent, resource by resource (CSDS, /debug/config_dump?proxy=), same order. */
  deliveries(): ProxyDelivery[] {
    const all: ProxyDelivery[] = [];
    for (const stream of this.streams) {
      const delivery = stream.delivery();
      if (delivery) all.push(delivery);
    }
    return all.sort((a, b) => byNode(a.status, b.status));
  }

  metrics(): AdsServerMetrics {
    return {
      streams: this.streams.size,
      framesEncoded: this.frames.encodes,
      framesReused: this.frames.hits,
      responsesSent: this.responsesSent,
    };
  }

  private handleStream(call: AdsCall): void {
    this.streams.add(new AdsStream(++this.nextStreamId, call, this.context));
  }

  /** Seam for incremental ADS (rule 2); until it exists, clients fall back to SotW. */
  protected handleDelta(call: AdsCall): void {
    const error: Partial<grpc.StatusObject> = {
      code: grpc.status.UNIMPLEMENTED,
      details: 'DeltaAggregatedResources is not implemented yet; use StreamAggregatedResources (SotW)',
    };
    call.emit('error', error);
  }

  private streamContext(): StreamContext {
    return {
      cache: this.opts.cache,
      frames: this.frames,
      logger: this.logger,
      viewFor: (node) => this.opts.viewFor(node),
      viewWatched: (viewKey, node) => this.notifyViewWatched(viewKey, node),
      sent: () => {
        this.responsesSent++;
      },
      closed: (stream) => {
        this.streams.delete(stream);
      },
    };
  }

  /** A failing hook must not take the stream down: the view may still be built later. */
  private notifyViewWatched(viewKey: string, node: ProxyNode): void {
    try {
      this.onViewWatched(viewKey, node);
    } catch (err) {
      this.logger.warn({ view: viewKey, node: node.id, error: (err as Error).message }, 'onViewWatched hook failed');
    }
  }
}

function byNode(a: ProxySyncStatus, b: ProxySyncStatus): number {
  if (a.nodeId !== b.nodeId) return a.nodeId < b.nodeId ? -1 : 1;
  return a.connectedAt.getTime() - b.connectedAt.getTime();
}
