import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonObject } from '../../lib/protos/protoJson';
import { VERSION } from '../../version';
import type { DpCluster, DpSnapshot } from '../config/model';
import { toProtoFieldNames } from '../config/normalize';
import type { StatsStore } from '../stats/store';

/** Per-host counters the proxy runtime reports for /clusters. */
export interface HostStatus {
  address: string;
  port: number;
  cxActive: number;
  rqTotal: number;
  rqActive: number;
  /** EDS health (false: FAILED_EDS_HEALTH). */
  healthy: boolean;
  /** Ejected by outlier detection (FAILED_OUTLIER_CHECK). */
  failedOutlierCheck?: boolean;
  /** Outlier detection success rates in percent, -1 (or absent) when not computed. */
  successRate?: number;
  localOriginSuccessRate?: number;
  rqPendingActive?: number;
  cxTotal?: number;
  cxConnectFail?: number;
  rqError?: number;
  rqSuccess?: number;
  rqTimeout?: number;
  weight?: number;
  hostname?: string;
}

export interface ClusterStatus {
  cluster: string;
  hosts: HostStatus[];
  /** With outlier_detection: the last success-rate average and ejection threshold per kind (-1: none). */
  outlier?: {
    successRateAverage: number;
    successRateEjectionThreshold: number;
    localOriginSuccessRateAverage: number;
    localOriginSuccessRateEjectionThreshold: number;
  };
}

/** Implemented by the proxy runtime (DataplaneRuntime). */
export interface ClusterStatusSource {
  clusterStatus(): ClusterStatus[];
}

/** Envoy's server states (envoy.admin.v3.ServerInfo.State). */
export type ServerState = 'LIVE' | 'DRAINING' | 'PRE_INITIALIZING' | 'INITIALIZING';

/** What the admin endpoint reads about the config. */
export interface AdminConfigSource {
  serverState(): ServerState;
  /** What is served now (clusters and their circuit breakers for /clusters). */
  snapshot(): DpSnapshot | undefined;
  /** Static (bootstrap) clusters print `added_via_api::false`. */
  isStaticCluster(name: string): boolean;
  /** Envoy's ConfigDump, with proto field names. */
  configDump(opts: { includeEds: boolean }): JsonObject;
  /** The canonical node, for /server_info. */
  node?(): JsonObject | undefined;
}

export interface AdminServerOptions {
  address: string;
  /** 0 = any free port. */
  port: number;
  stats: StatsStore;
  config: AdminConfigSource;
  /** The runtime, once it exists; a function so it can be attached later. */
  clusterStatus?: ClusterStatusSource | (() => ClusterStatusSource | undefined);
  logger?: { warn(o: object, msg?: string): void };
}

interface Handler {
  help: string;
  /** Envoy refuses GET on handlers that change server state. */
  mutates?: boolean;
  run(url: URL, res: http.ServerResponse): void;
}

const SERVER_STATE_NUMBER: Record<ServerState, number> = { LIVE: 0, DRAINING: 1, PRE_INITIALIZING: 2, INITIALIZING: 3 };

/**
 * Envoy's admin endpoint, on node:http, with Envoy's paths and formats so the checks users know
 * (`curl -s :9901/stats | grep upstream_rq_retry`, `/clusters`, `/config_dump`, `/ready`) work
 * unchanged on Ricochet's data plane.
 */
export class AdminServer {
  private readonly server: http.Server;
  private readonly startedAt = Date.now();
  private readonly handlers: Map<string, Handler>;

  private constructor(private readonly opts: AdminServerOptions) {
    this.handlers = new Map<string, Handler>([
      ['/stats', { help: 'print server stats (?filter=<regex>, ?format=json|prometheus, ?usedonly)', run: (u, r) => this.stats(u, r) }],
      ['/stats/prometheus', { help: 'print server stats in prometheus format', run: (u, r) => this.prometheus(u, r) }],
      ['/clusters', { help: 'upstream cluster status (?format=json)', run: (u, r) => this.clusters(u, r) }],
      ['/config_dump', { help: 'dump current Envoy configs (?include_eds)', run: (u, r) => this.configDump(u, r) }],
      ['/ready', { help: 'print server state, return 200 if LIVE, otherwise return 503', run: (_u, r) => this.ready(r) }],
      ['/server_info', { help: 'print server version/status information', run: (_u, r) => this.serverInfo(r) }],
      ['/reset_counters', { help: 'reset all counters to zero', mutates: true, run: (_u, r) => this.resetCounters(r) }],
      ['/help', { help: 'print out list of admin commands', run: (_u, r) => this.help(r, 200, '') }],
    ]);
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  /** Listens on the address; resolves once bound. */
  static async start(opts: AdminServerOptions): Promise<AdminServer> {
    const admin = new AdminServer(opts);
    await new Promise<void>((resolve, reject) => {
      admin.server.once('error', reject);
      admin.server.listen(opts.port, opts.address, () => {
        admin.server.off('error', reject);
        resolve();
      });
    });
    return admin;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get address(): string {
    return (this.server.address() as AddressInfo).address;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://admin');
    const handler = this.handlers.get(url.pathname === '/' ? '/help' : url.pathname);
    res.setHeader('x-content-type-options', 'nosniff');
    if (!handler) return this.help(res, 404, 'invalid path. ');
    const method = req.method ?? 'GET';
    if (handler.mutates && method !== 'POST') {
      // Envoy: `admin path "..." mutates state, method=GET rather than POST` → 405.
      return text(res, 405, `Method ${method} not allowed, POST required.`);
    }
    try {
      handler.run(url, res);
    } catch (err) {
      this.opts.logger?.warn({ path: url.pathname, error: (err as Error).message }, 'admin handler failed');
      if (!res.headersSent) text(res, 500, `${(err as Error).message}\n`);
    }
  }

  private help(res: http.ServerResponse, status: number, prefix: string): void {
    const lines = [...this.handlers.entries()].map(([p, h]) => `  ${p}${h.mutates ? ' (POST)' : ''}: ${h.help}`);
    text(res, status, `${prefix}admin commands are:\n${lines.join('\n')}\n`);
  }

  private statEntries(url: URL): Array<{ name: string; value: number; type: 'counter' | 'gauge' }> {
    const entries = this.opts.stats.entries();
    const names = new Set(entries.map((e) => e.name));
    const state = this.opts.config.serverState();
    const extra: Array<{ name: string; value: number; type: 'counter' | 'gauge' }> = [
      { name: 'server.live', value: state === 'LIVE' ? 1 : 0, type: 'gauge' },
      { name: 'server.state', value: SERVER_STATE_NUMBER[state], type: 'gauge' },
      { name: 'server.uptime', value: Math.floor((Date.now() - this.startedAt) / 1000), type: 'gauge' },
    ];
    let all = entries;
    const missing = extra.filter((e) => !names.has(e.name));
    if (missing.length > 0) all = [...entries, ...missing].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const filterText = url.searchParams.get('filter');
    if (filterText !== null && filterText !== '') {
      let re: RegExp;
      try {
        re = new RegExp(filterText);
      } catch (err) {
        throw new BadRequest(`Invalid re2 regex: ${(err as Error).message}`);
      }
      all = all.filter((e) => re.test(e.name));
    }
    // Envoy's usedonly keeps stats ever written; zero is the closest thing this store knows.
    if (url.searchParams.has('usedonly')) all = all.filter((e) => e.value !== 0);
    return all;
  }

  private stats(url: URL, res: http.ServerResponse): void {
    const format = url.searchParams.get('format');
    if (format === 'prometheus') return this.prometheus(url, res);
    const entries = this.statEntriesOr400(url, res);
    if (!entries) return;
    if (format === 'json') return json(res, 200, { stats: entries.map((e) => ({ name: e.name, value: e.value })) });
    if (format !== null && format !== 'text') return text(res, 400, `usage: /stats?format=(html|active-html|json|prometheus|text)\n`);
    text(res, 200, entries.map((e) => `${e.name}: ${e.value}\n`).join(''));
  }

  /** The entries a /stats query selects, or undefined after answering 400 for a bad filter. */
  private statEntriesOr400(url: URL, res: http.ServerResponse): ReturnType<AdminServer['statEntries']> | undefined {
    try {
      return this.statEntries(url);
    } catch (err) {
      if (err instanceof BadRequest) {
        text(res, 400, `${err.message}\n`);
        return undefined;
      }
      throw err;
    }
  }

  private prometheus(url: URL, res: http.ServerResponse): void {
    const entries = this.statEntriesOr400(url, res);
    if (!entries) return;
    const clusterNames = [...(this.opts.config.snapshot()?.clusters.keys() ?? [])].sort((a, b) => b.length - a.length);
    const families = new Map<string, { type: string; lines: string[] }>();
    for (const e of entries) {
      const { metric, labels } = prometheusName(e.name, clusterNames);
      const family = families.get(metric) ?? { type: e.type, lines: [] };
      const labelText = labels.length > 0 ? `{${labels.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}` : '';
      family.lines.push(`${metric}${labelText} ${e.value}`);
      families.set(metric, family);
    }
    const out: string[] = [];
    for (const [metric, family] of [...families.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out.push(`# TYPE ${metric} ${family.type}`, ...family.lines);
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=UTF-8' });
    res.end(out.length > 0 ? `${out.join('\n')}\n` : '');
  }

  private clusterStatus(): ClusterStatusSource | undefined {
    const s = this.opts.clusterStatus;
    return typeof s === 'function' ? s() : s;
  }

  private clusterRows(): Array<{ cluster: DpCluster | undefined; name: string; hosts: HostStatus[]; outlier?: ClusterStatus['outlier'] }> {
    const snapshot = this.opts.config.snapshot();
    const status = new Map((this.clusterStatus()?.clusterStatus() ?? []).map((c) => [c.cluster, c]));
    const names = new Set([...(snapshot?.clusters.keys() ?? []), ...status.keys()]);
    return [...names].sort().map((name) => {
      const cluster = snapshot?.clusters.get(name);
      const hosts = status.get(name)?.hosts ?? (cluster?.endpoints ?? []).map((ep) => ({
        address: ep.address, port: ep.port, cxActive: 0, rqTotal: 0, rqActive: 0, healthy: ep.edsUnhealthy !== true, weight: ep.weight,
        ...(ep.hostname ? { hostname: ep.hostname } : {}),
      }));
      return { cluster, name, hosts, outlier: status.get(name)?.outlier };
    });
  }

  private clusters(url: URL, res: http.ServerResponse): void {
    const rows = this.clusterRows();
    if (url.searchParams.get('format') === 'json') {
      const statuses = rows.map(({ cluster, name, hosts, outlier }) => clusterJson(name, cluster, hosts, !this.opts.config.isStaticCluster(name), outlier));
      return json(res, 200, { cluster_statuses: statuses });
    }
    const lines: string[] = [];
    for (const { cluster, name, hosts, outlier } of rows) {
      lines.push(`${name}::observability_name::${name}`);
      if (outlier) {
        // Envoy's addOutlierInfo, printed with {:g}.
        lines.push(
          `${name}::outlier::success_rate_average::${formatG(outlier.successRateAverage)}`,
          `${name}::outlier::success_rate_ejection_threshold::${formatG(outlier.successRateEjectionThreshold)}`,
          `${name}::outlier::local_origin_success_rate_average::${formatG(outlier.localOriginSuccessRateAverage)}`,
          `${name}::outlier::local_origin_success_rate_ejection_threshold::${formatG(outlier.localOriginSuccessRateEjectionThreshold)}`,
        );
      }
      const cb = cluster?.circuitBreakers;
      for (const priority of ['default_priority', 'high_priority']) {
        // HIGH priority thresholds are not read (HIGH routes are rejected): Envoy's defaults.
        const t = priority === 'default_priority' && cb
          ? { ...cb, maxRetries: maxRetries(cluster, hosts) }
          : { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 };
        lines.push(
          `${name}::${priority}::max_connections::${t.maxConnections}`,
          `${name}::${priority}::max_pending_requests::${t.maxPendingRequests}`,
          `${name}::${priority}::max_requests::${t.maxRequests}`,
          `${name}::${priority}::max_retries::${t.maxRetries}`,
        );
      }
      lines.push(`${name}::added_via_api::${!this.opts.config.isStaticCluster(name)}`);
      for (const h of hosts) {
        const host = `${name}::${hostPort(h.address, h.port)}`;
        for (const [stat, value] of hostStats(h)) lines.push(`${host}::${stat}::${value}`);
        lines.push(
          `${host}::hostname::${h.hostname ?? ''}`,
          `${host}::health_flags::${healthFlags(h)}`,
          `${host}::weight::${h.weight ?? 1}`,
          `${host}::region::`,
          `${host}::zone::`,
          `${host}::sub_zone::`,
          `${host}::canary::false`,
          `${host}::priority::0`,
          // fmt's `{}` for a double: the shortest round-trip text, as JavaScript prints numbers.
          `${host}::success_rate::${h.successRate ?? -1}`,
          `${host}::local_origin_success_rate::${h.localOriginSuccessRate ?? -1}`,
        );
      }
    }
    text(res, 200, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  }

  private configDump(url: URL, res: http.ServerResponse): void {
    json(res, 200, this.opts.config.configDump({ includeEds: url.searchParams.has('include_eds') }));
  }

  private ready(res: http.ServerResponse): void {
    const state = this.opts.config.serverState();
    text(res, state === 'LIVE' ? 200 : 503, `${state}\n`);
  }

  private serverInfo(res: http.ServerResponse): void {
    const uptime = `${Math.floor((Date.now() - this.startedAt) / 1000)}s`;
    const node = this.opts.config.node?.();
    json(res, 200, {
      version: `ricochet/${VERSION}`,
      state: this.opts.config.serverState(),
      hot_restart_version: 'disabled',
      command_line_options: {},
      ...(node ? { node: toProtoFieldNames('envoy.config.core.v3.Node', node) } : {}),
      uptime_current_epoch: uptime,
      uptime_all_epochs: uptime,
    });
  }

  private resetCounters(res: http.ServerResponse): void {
    this.opts.stats.resetCounters();
    text(res, 200, 'OK\n');
  }
}

class BadRequest extends Error {}

function text(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8', 'cache-control': 'no-cache, max-age=0' });
  res.end(body);
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-cache, max-age=0' });
  res.end(`${JSON.stringify(body, null, 1)}\n`);
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Envoy's per-host stats, sorted by name as Envoy's text output prints them. */
function hostStats(h: HostStatus): Array<[string, number, 'COUNTER' | 'GAUGE']> {
  return [
    ['cx_active', h.cxActive, 'GAUGE'],
    ['cx_connect_fail', h.cxConnectFail ?? 0, 'COUNTER'],
    ['cx_total', h.cxTotal ?? 0, 'COUNTER'],
    ['rq_active', h.rqActive, 'GAUGE'],
    ['rq_error', h.rqError ?? 0, 'COUNTER'],
    ['rq_pending_active', h.rqPendingActive ?? 0, 'GAUGE'],
    ['rq_success', h.rqSuccess ?? 0, 'COUNTER'],
    ['rq_timeout', h.rqTimeout ?? 0, 'COUNTER'],
    ['rq_total', h.rqTotal, 'COUNTER'],
  ];
}

/** Envoy's HostUtility::healthFlagsToString for the flags this proxy sets, in Envoy's order. */
function healthFlags(h: HostStatus): string {
  let out = '';
  if (h.failedOutlierCheck) out += '/failed_outlier_check';
  if (!h.healthy) out += '/failed_eds_health';
  return out === '' ? 'healthy' : out;
}

/**
 * The default-priority retry limit Envoy reports: `max_retries`, or with a retry budget
 * max(budget_percent % of active + pending requests, min_retry_concurrency) (envoy-retry.md §4.2).
 */
function maxRetries(cluster: DpCluster | undefined, hosts: readonly HostStatus[]): number {
  const cb = cluster?.circuitBreakers;
  if (!cb) return 3;
  if (!cb.retryBudget) return cb.maxRetries;
  const active = hosts.reduce((n, h) => n + h.rqActive + (h.rqPendingActive ?? 0), 0);
  return Math.max(Math.floor((cb.retryBudget.budgetPercent / 100) * active), cb.retryBudget.minRetryConcurrency);
}

/** One entry of `/clusters?format=json` (envoy.admin.v3.ClusterStatus; proto3 JSON omits zeros, as Envoy's does). */
function clusterJson(name: string, cluster: DpCluster | undefined, hosts: HostStatus[], addedViaApi: boolean, outlier?: ClusterStatus['outlier']): JsonObject {
  const cb = cluster?.circuitBreakers ?? { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 };
  const threshold = (priority?: string): JsonObject => ({
    ...(priority ? { priority } : {}),
    max_connections: priority ? 1024 : cb.maxConnections,
    max_pending_requests: priority ? 1024 : cb.maxPendingRequests,
    max_requests: priority ? 1024 : cb.maxRequests,
    max_retries: priority ? 3 : maxRetries(cluster, hosts),
  });
  const out: JsonObject = {
    name,
    ...(addedViaApi ? { added_via_api: true } : {}),
    host_statuses: hosts.map((h) => ({
      address: { socket_address: { address: h.address, port_value: h.port } },
      // Counters, then gauges (each by name), as Envoy lists them.
      stats: [...hostStats(h).filter((x) => x[2] === 'COUNTER'), ...hostStats(h).filter((x) => x[2] === 'GAUGE')]
        .map(([stat, value, type]) => ({ name: stat, ...(type === 'GAUGE' ? { type } : {}), ...(value !== 0 ? { value: String(value) } : {}) })),
      health_status: { ...(h.failedOutlierCheck ? { failed_outlier_check: true } : {}), eds_health_status: h.healthy ? 'HEALTHY' : 'UNHEALTHY' },
      ...(h.successRate !== undefined && h.successRate >= 0 ? { success_rate: { value: h.successRate } } : {}),
      ...(h.localOriginSuccessRate !== undefined && h.localOriginSuccessRate >= 0 ? { local_origin_success_rate: { value: h.localOriginSuccessRate } } : {}),
      weight: h.weight ?? 1,
      ...(h.hostname ? { hostname: h.hostname } : {}),
      locality: {},
    })),
    circuit_breakers: { thresholds: [threshold(), threshold('HIGH')] },
    observability_name: name,
  };
  // ClusterStatus carries an ejection threshold only when it is above 0 (ClustersHandler::writeClustersAsJson).
  if (outlier && outlier.successRateEjectionThreshold > 0) out.success_rate_ejection_threshold = { value: outlier.successRateEjectionThreshold };
  if (outlier && outlier.localOriginSuccessRateEjectionThreshold > 0) {
    out.local_origin_success_rate_ejection_threshold = { value: outlier.localOriginSuccessRateEjectionThreshold };
  }
  return out;
}

/** fmt's `{:g}` for a double: six significant digits, no trailing zeros (-1 stays -1). */
export function formatG(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -5 || exp >= 6) return v.toExponential(5).replace(/\.?0+e/, 'e').replace(/e([+-])(\d)$/, 'e$10$2');
  return String(Number(v.toPrecision(6)));
}

/**
 * Envoy's default tag extraction for the stats we publish: the cluster name, the HTTP connection
 * manager prefix, response codes and classes become labels.
 */
export function prometheusName(name: string, clusterNamesLongestFirst: readonly string[]): { metric: string; labels: Array<[string, string]> } {
  const labels: Array<[string, string]> = [];
  let rest = name;
  let prefix = '';
  if (rest.startsWith('cluster.')) {
    const after = rest.slice('cluster.'.length);
    const cluster = clusterNamesLongestFirst.find((c) => after.startsWith(`${c}.`));
    if (cluster) {
      labels.push(['envoy_cluster_name', cluster]);
      prefix = 'cluster.';
      rest = after.slice(cluster.length + 1);
    }
  } else if (rest.startsWith('http.')) {
    const m = /^http\.([^.]+)\.(.*)$/.exec(rest);
    if (m) {
      labels.push(['envoy_http_conn_manager_prefix', m[1]]);
      prefix = 'http.';
      rest = m[2];
    }
  }
  let m = /^(.*?)upstream_rq_(\d{3})$/.exec(rest);
  if (m) {
    labels.push(['envoy_response_code', m[2]]);
    rest = `${m[1]}upstream_rq`;
  } else if ((m = /^(.*?)upstream_rq_(\d)xx$/.exec(rest))) {
    labels.push(['envoy_response_code_class', m[2]]);
    rest = `${m[1]}upstream_rq_xx`;
  }
  const metric = `envoy_${`${prefix}${rest}`.replace(/[^a-zA-Z0-9_]/g, '_')}`;
  return { metric, labels };
}
