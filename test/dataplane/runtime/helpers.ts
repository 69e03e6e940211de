/**
 * Hand-built DpSnapshots and a runtime on 127.0.0.1 port 0 for the runtime tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type {
  DpCluster,
  DpFaultConfig,
  DpHttpConnectionManager,
  DpListener,
  DpRetryPolicy,
  DpRoute,
  DpRouteAction,
  DpSnapshot,
  DpTcpProxy,
  DpVirtualHost,
} from '../../../src/dataplane/config/model';
import { DataplaneRuntime } from '../../../src/dataplane/runtime';
import { StatsStore } from '../../../src/dataplane/stats/store';

export function retryPolicy(p: Partial<DpRetryPolicy> = {}): DpRetryPolicy {
  return {
    retryOn: '5xx',
    numRetries: 1,
    retriableStatusCodes: [],
    retriableHeaders: [],
    retriableRequestHeaders: [],
    backOff: { baseIntervalMs: 1, maxIntervalMs: 2 },
    hostPredicates: [],
    hostSelectionRetryMaxAttempts: 1,
    ...p,
  };
}

export function routeAction(cluster: string, a: Partial<DpRouteAction> = {}): DpRouteAction {
  return { kind: 'route', cluster, timeoutMs: 15_000, ...a };
}

export function prefixRoute(prefix: string, action: DpRoute['action'], extra: Partial<DpRoute> = {}): DpRoute {
  return { match: { prefix, caseSensitive: true, headers: [], queryParameters: [] }, action, ...extra };
}

export function vhost(name: string, domains: string[], routes: DpRoute[], v: Partial<DpVirtualHost> = {}): DpVirtualHost {
  return { name, domains, routes, includeRequestAttemptCount: true, includeAttemptCountInResponse: true, includeIsTimeoutRetryHeader: false, ...v };
}

export function cluster(name: string, endpoints: Array<{ address?: string; port: number; weight?: number }>, c: Partial<DpCluster> = {}): DpCluster {
  return {
    name,
    type: 'STATIC',
    connectTimeoutMs: 1000,
    lbPolicy: 'ROUND_ROBIN',
    circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
    http2: false,
    endpoints: endpoints.map((e) => ({ address: e.address ?? '127.0.0.1', port: e.port, weight: e.weight ?? 1 })),
    perConnectionBufferLimitBytes: 1024 * 1024,
    raw: {},
    ...c,
  };
}

export function httpListener(name: string, virtualHosts: DpVirtualHost[], h: Partial<DpHttpConnectionManager> = {}, port = 0): DpListener {
  const hcm: DpHttpConnectionManager = {
    statPrefix: name,
    routeConfig: { name: `${name}-routes`, virtualHosts, raw: {} },
    httpFilters: [{ name: 'envoy.filters.http.router', kind: 'router' }],
    allowAbsoluteUrl: true,
    useRemoteAddress: false,
    internalCidrs: [],
    accessLogs: [],
    bufferLimitBytes: 1024 * 1024,
    ...h,
  };
  return { name, address: '127.0.0.1', port, filter: { kind: 'http', hcm }, raw: {} };
}

export function faultFilter(config: DpFaultConfig): DpHttpConnectionManager['httpFilters'][number] {
  return { name: 'envoy.filters.http.fault', kind: 'fault', config };
}

export function tcpListener(name: string, tcp: Partial<DpTcpProxy> & { cluster: string }, port = 0): DpListener {
  return { name, address: '127.0.0.1', port, filter: { kind: 'tcp', tcp: { statPrefix: name, maxConnectAttempts: 1, ...tcp } }, raw: {} };
}

export function snapshot(listeners: DpListener[], clusters: DpCluster[]): DpSnapshot {
  return { listeners, routeConfigs: new Map(), clusters: new Map(clusters.map((c) => [c.name, c])) };
}

export interface RuntimeHarness {
  runtime: DataplaneRuntime;
  stats: StatsStore;
  /** `http://127.0.0.1:<port>` of the named listener (the first one by default). */
  url(listener?: string): string;
  port(listener?: string): number;
  counter(name: string): number;
  gauge(name: string): number;
  close(): Promise<void>;
}

export async function startRuntime(snap: DpSnapshot): Promise<RuntimeHarness> {
  const stats = new StatsStore();
  const runtime = new DataplaneRuntime({ stats });
  await runtime.apply(snap);
  const port = (name?: string) => {
    const all = runtime.listenerAddresses();
    const l = name ? all.find((a) => a.name === name) : all[0];
    if (!l) throw new Error(`no listener ${name}`);
    return l.port;
  };
  return {
    runtime,
    stats,
    port,
    url: (name) => `http://127.0.0.1:${port(name)}`,
    counter: (name) => stats.entries().find((e) => e.name === name && e.type === 'counter')?.value ?? 0,
    gauge: (name) => stats.entries().find((e) => e.name === name && e.type === 'gauge')?.value ?? 0,
    close: () => runtime.close(),
  };
}

/** A port nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * A port whose connects hang (SYN dropped): a listener with a full accept queue that never
 * accepts. Needs python3 (node cannot listen without accepting); undefined without it.
 */
export async function blackholePort(): Promise<{ port: number; close(): void } | undefined> {
  const script = "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)";
  let child: ChildProcess;
  try {
    child = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
  const port = await new Promise<number | undefined>((resolve) => {
    child.on('error', () => resolve(undefined));
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
  });
  if (!port) return undefined;
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 4; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    fillers.push(s);
  }
  await sleep(100);
  return {
    port,
    close() {
      for (const s of fillers) s.destroy();
      child.kill();
    },
  };
}

export function tmpFile(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-rt-'));
  return path.join(dir, name);
}

/** The file's text, or '' while it does not exist yet (access-log files are opened asynchronously). */
export function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(10);
  }
}
