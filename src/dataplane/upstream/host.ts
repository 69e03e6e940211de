/**
 * One upstream endpoint of a cluster, with its connection pool (created on first use) and the
 * per-host numbers `/clusters` shows.
 */
import type { JsonObject } from '../../lib/protos/protoJson';
import { Http1Pool } from './http1Pool';
import { Http2Pool } from './http2Pool';
import type { HostMonitor, OutlierHost } from './outlier';
import type { ClusterContext, ConnPool } from './types';

export class Host implements OutlierHost {
  cxActive = 0;
  rqTotal = 0;
  rqActive = 0;
  /** FAILED_EDS_HEALTH: the endpoint's EDS health_status is UNHEALTHY, DRAINING or TIMEOUT. */
  edsUnhealthy = false;
  /** FAILED_OUTLIER_CHECK: ejected by the cluster's outlier detector. */
  outlierEjected = false;
  /** The outlier detector's monitor of this host; undefined when the cluster has no outlier_detection. */
  outlier: HostMonitor | undefined;
  /** `filter_metadata["envoy.lb"]` of the endpoint. */
  lbMetadata: JsonObject | undefined;
  private pool: ConnPool | undefined;

  constructor(
    readonly cluster: ClusterContext,
    /** IP address connected to; for LOGICAL_DNS it follows the latest resolution. */
    public address: string,
    readonly port: number,
    public weight: number,
    /** The configured name for DNS clusters (used by auto_host_rewrite), else the address. */
    readonly hostname: string,
  ) {}

  /** No health flag set: the load balancer may pick it outside panic mode. */
  get healthy(): boolean {
    return !this.edsUnhealthy && !this.outlierEjected;
  }

  /** `address:port`, as Envoy prints a host (IPv6 in brackets). */
  get addressString(): string {
    return this.address.includes(':') ? `[${this.address}]:${this.port}` : `${this.address}:${this.port}`;
  }

  connPool(): ConnPool {
    let p = this.pool;
    if (!p) p = this.pool = this.cluster.http2 ? new Http2Pool(this) : new Http1Pool(this);
    return p;
  }

  /** Host removed or cluster replaced: stop reusing idle connections, let active streams finish. */
  drain(): void {
    this.pool?.drain();
  }

  destroy(): void {
    this.pool?.destroy();
    this.pool = undefined;
  }

  get busy(): boolean {
    return (this.pool?.activeCount ?? 0) > 0;
  }
}
