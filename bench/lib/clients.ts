/**
 * The client side of the push benchmark, run as a forked child process so the server's CPU and
 * memory are its own. It opens K ADS streams (each on its own HTTP/2 connection, as K Envoys
 * would), subscribes CDS and LDS (wildcard) and EDS and RDS (by name), ACKs every response the
 * way Envoy does (version + nonce + the same names), and reports when every stream holds the
 * expected version of every type. Responses are scanned, not decoded: the same harness is pointed
 * at Ricochet and at go-control-plane, so it must stay cheap and identical for both.
 *
 * Timestamps are process.hrtime (CLOCK_MONOTONIC), comparable with the server processes' clocks.
 */
import * as grpc from '@grpc/grpc-js';
import { lookupType } from '../../src/lib/protos/envoyProtos';
import { STREAM_ADS_PATH } from '../../src/xds/server/adsService';
import { TypeUrl } from '../../src/xds/resources';
import { ackRequest, lengthDelimited, namesAndType, scanResponse } from './wire';

export type Versions = Record<string, string>;

export type ClientCommand =
  | { cmd: 'connect'; port: number; streams: number; edsNames: string[]; rdsNames: string[]; expect: Versions; timeoutMs: number }
  | { cmd: 'expect'; expect: Versions; timeoutMs: number }
  | { cmd: 'close' };

export interface RoundReport {
  /** hrtime (ns, as a decimal string) when the last stream got the last expected type. */
  doneAt: string;
  /** Per-stream completion times (ns, relative to the round's start reference), sorted. */
  firstDoneAt: string;
  p50DoneAt: string;
  /** gRPC message bytes received by all streams during the round (no HTTP/2 framing). */
  bytes: number;
  responses: number;
  /** CPU time of the client process during the round (µs). */
  clientCpuUs: number;
  timedOut: boolean;
  pendingStreams: number;
}

export type ClientEvent =
  | { event: 'armed' }
  | ({ event: 'synced'; startedAt: string } & RoundReport)
  | ({ event: 'done'; startedAt: string } & RoundReport)
  | { event: 'error'; message: string }
  | { event: 'closed' };

const TYPES = [TypeUrl.Cluster, TypeUrl.Endpoint, TypeUrl.Listener, TypeUrl.Route];

class BenchStream {
  readonly versions = new Map<string, string>();
  doneAt?: bigint;
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<Buffer, Buffer>;

  constructor(readonly id: number, port: number, private readonly harness: Harness) {
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      // One connection per stream, like one Envoy per connection (grpc-js would share one otherwise).
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': -1,
    });
    const identity = (b: Buffer): Buffer => b;
    this.call = this.client.makeBidiStreamRequest(STREAM_ADS_PATH, identity, identity);
    this.call.on('data', (bytes: Buffer) => this.onResponse(bytes));
    this.call.on('error', (err: Error) => harness.streamError(this, err));
    this.call.on('status', () => undefined);
  }

  start(): void {
    const h = this.harness;
    const node = lengthDelimited(2, h.nodeBytes(this.id));
    // Node on the first request only (Envoy with set_node_on_first_message_only, as Istio sets it).
    this.call.write(Buffer.concat([node, h.subscribe.get(TypeUrl.Cluster) as Buffer]));
    for (const t of TYPES.slice(1)) this.call.write(h.subscribe.get(t) as Buffer);
  }

  private onResponse(bytes: Buffer): void {
    const head = scanResponse(bytes);
    this.harness.bytes += bytes.length;
    this.harness.responses++;
    this.versions.set(head.typeUrl, head.versionInfo);
    const names = this.harness.subscribe.get(head.typeUrl);
    if (!names) return this.harness.fail(`stream ${this.id}: response of unrequested type ${head.typeUrl}`);
    this.call.write(ackRequest(head.versionInfo, head.nonce, names));
    this.harness.check(this);
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

class Harness {
  streams: BenchStream[] = [];
  subscribe = new Map<string, Buffer>();
  expect: Versions = {};
  bytes = 0;
  responses = 0;
  private pending = 0;
  private startedAt = 0n;
  private cpuAtStart = process.cpuUsage();
  private roundEvent: 'synced' | 'done' = 'synced';
  private timer?: NodeJS.Timeout;
  private nodeType = lookupType('envoy.config.core.v3.Node');

  nodeBytes(id: number): Buffer {
    const node = {
      id: `sidecar~127.10.${(id >> 8) & 255}.${id & 255}~bench-${id}.bench~bench.svc.cluster.local`,
      cluster: 'bench',
      metadata: { fields: { NAMESPACE: { stringValue: 'bench' }, LABELS: { structValue: { fields: { app: { stringValue: 'bench' } } } } } },
    };
    return Buffer.from(this.nodeType.encode(this.nodeType.fromObject(node)).finish());
  }

  connect(c: Extract<ClientCommand, { cmd: 'connect' }>): void {
    this.subscribe.set(TypeUrl.Cluster, namesAndType(TypeUrl.Cluster, []));
    this.subscribe.set(TypeUrl.Endpoint, namesAndType(TypeUrl.Endpoint, c.edsNames));
    this.subscribe.set(TypeUrl.Listener, namesAndType(TypeUrl.Listener, []));
    this.subscribe.set(TypeUrl.Route, namesAndType(TypeUrl.Route, c.rdsNames));
    for (let i = 0; i < c.streams; i++) this.streams.push(new BenchStream(i, c.port, this));
    this.arm(c.expect, 'synced', c.timeoutMs);
    for (const s of this.streams) s.start();
  }

  arm(expect: Versions, event: 'synced' | 'done', timeoutMs: number): void {
    this.expect = expect;
    this.roundEvent = event;
    this.bytes = 0;
    this.responses = 0;
    this.startedAt = process.hrtime.bigint();
    this.cpuAtStart = process.cpuUsage();
    this.pending = 0;
    for (const s of this.streams) {
      s.doneAt = undefined;
      if (!this.isDone(s)) this.pending++;
      else s.doneAt = this.startedAt;
    }
    this.timer = setTimeout(() => this.finish(true), timeoutMs);
    if (this.pending === 0) this.finish(false);
  }

  private isDone(s: BenchStream): boolean {
    for (const [t, v] of Object.entries(this.expect)) if (s.versions.get(t) !== v) return false;
    return true;
  }

  check(s: BenchStream): void {
    if (s.doneAt !== undefined || this.timer === undefined) return;
    if (!this.isDone(s)) return;
    s.doneAt = process.hrtime.bigint();
    if (--this.pending === 0) this.finish(false);
  }

  private finish(timedOut: boolean): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const done = this.streams.map((s) => s.doneAt ?? 0n).filter((t) => t > 0n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const cpu = process.cpuUsage(this.cpuAtStart);
    const report: RoundReport = {
      doneAt: String(done[done.length - 1] ?? 0n),
      firstDoneAt: String(done[0] ?? 0n),
      p50DoneAt: String(done[Math.floor(done.length / 2)] ?? 0n),
      bytes: this.bytes,
      responses: this.responses,
      clientCpuUs: cpu.user + cpu.system,
      timedOut,
      pendingStreams: this.pending,
    };
    send({ event: this.roundEvent, startedAt: String(this.startedAt), ...report });
  }

  streamError(s: BenchStream, err: Error): void {
    if (this.closing) return;
    this.fail(`stream ${s.id}: ${err.message}`);
  }

  closing = false;

  fail(message: string): void {
    send({ event: 'error', message });
  }

  close(): void {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.streams) s.close();
    this.streams = [];
  }
}

function send(event: ClientEvent): void {
  process.send?.(event);
}

if (require.main === module) {
  const harness = new Harness();
  process.on('message', (c: ClientCommand) => {
    switch (c.cmd) {
      case 'connect':
        harness.connect(c);
        break;
      case 'expect':
        harness.arm(c.expect, 'done', c.timeoutMs);
        send({ event: 'armed' });
        break;
      case 'close':
        harness.close();
        send({ event: 'closed' });
        setTimeout(() => process.exit(0), 50);
        break;
    }
  });
}
