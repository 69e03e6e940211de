/**
 * One upstream endpoint of a cluster, with its connection pool (created on first use) and the
 * per-host numbers `/clusters` shows.
 */
import { Http1Pool } from './http1Pool';
import { Http2Pool } from './http2Pool';
import type { ClusterContext, ConnPool } from './types';

export class Host {
  cxActive = 0;
  rqTotal = 0;
  rqActive = 0;
  healthy = true;
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
