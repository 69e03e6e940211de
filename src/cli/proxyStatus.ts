/**
 * `ricochet proxy-status` (alias `ps`): one row per connected proxy with istioctl's columns
 * (ux-and-libraries.md §1.1: `NAME CLUSTER CDS LDS EDS RDS ECDS ISTIOD VERSION`), read from
 * `GET /debug/syncz`. Each xDS cell is the server's state (SYNCED, STALE, NOT SENT, NACKED) and,
 * as newer istioctl prints, how long ago it last changed: `SYNCED (5m)`. With a proxy name: per type, the versions sent and acknowledged and
 * Envoy's message for a rejected version.
 */
import { Command, Option } from 'commander';
import { AdminClient, type GlobalOptions } from './client';
import { CliError } from './cliError';
import { ISTIOCTL_TABLE, formatTable, humanDuration, toJson, toYaml } from './output';
import { proxyVersion } from './version';

/** One type's state as /debug/syncz serialises TypeSyncStatus (src/xds/server/syncStatus.ts). */
export interface TypeSyncJson {
  state?: string;
  lastSentVersion?: string;
  lastSentNonce?: string;
  lastAckedVersion?: string;
  lastNack?: { version?: string; message?: string; at?: string };
  lastChangeAt?: string;
}

export interface ProxySyncJson {
  nodeId: string;
  node?: Record<string, unknown> & { cluster?: string; metadata?: Record<string, unknown> };
  viewKey?: string;
  connectedAt?: string;
  /** The control plane instance the proxy is connected to, when the server says. */
  controlPlane?: string;
  /** `envoy/1.40.0`, from the node's user agent fields. */
  userAgent?: string;
  types?: Record<string, TypeSyncJson>;
}

const V3 = 'type.googleapis.com/envoy.config.';
/** The columns istioctl prints, in its order, with the type URL each one reads. */
export const XDS_COLUMNS: ReadonlyArray<[string, string]> = [
  ['CDS', `${V3}cluster.v3.Cluster`],
  ['LDS', `${V3}listener.v3.Listener`],
  ['EDS', `${V3}endpoint.v3.ClusterLoadAssignment`],
  ['RDS', `${V3}route.v3.RouteConfiguration`],
  ['ECDS', `${V3}core.v3.TypedExtensionConfig`],
];

export const STATUS_HEADER = ['NAME', 'CLUSTER', ...XDS_COLUMNS.map(([c]) => c), 'ISTIOD', 'VERSION'];

interface ProxyStatusCliOptions {
  output?: 'json' | 'yaml';
}

export function registerProxyStatus(program: Command, globals: () => GlobalOptions): void {
  program
    .command('proxy-status [proxy]')
    .alias('ps')
    .description('sync state of every connected proxy per xDS type (istioctl proxy-status columns); with a proxy: versions and NACK messages per type')
    .addOption(new Option('-o, --output <format>', 'json or yaml: the /debug/syncz records').choices(['json', 'yaml']))
    .action(async (proxy: string | undefined, opts: ProxyStatusCliOptions) => {
      const client = AdminClient.fromOptions(globals());
      let statuses = await client.getJson<ProxySyncJson[]>('/debug/syncz');
      if (!Array.isArray(statuses)) throw new CliError(`GET ${client.address}/debug/syncz did not answer a list of proxies`);
      if (proxy !== undefined) {
        statuses = statuses.filter((s) => s.nodeId === proxy);
        if (statuses.length === 0) throw new CliError(`no proxy with node id "${proxy}" is connected to ${client.address}`);
      }
      if (opts.output === 'json') return void process.stdout.write(toJson(statuses));
      if (opts.output === 'yaml') return void process.stdout.write(await toYaml(statuses));
      const now = Date.now();
      const controlPlane = client.server.host;
      if (proxy !== undefined) return void process.stdout.write(formatProxyDetail(statuses[0], now));
      if (statuses.length === 0) {
        process.stderr.write(`no proxies connected to ${client.address}\n`);
        return;
      }
      process.stdout.write(formatTable(statusRows(statuses, controlPlane, now), ISTIOCTL_TABLE));
    });
}

/** The table, sorted like istioctl (by cluster, then proxy id). */
export function statusRows(statuses: readonly ProxySyncJson[], controlPlane: string, now: number): string[][] {
  const rows = statuses.map((s) => [
    s.nodeId,
    clusterOf(s),
    ...XDS_COLUMNS.map(([, typeUrl]) => cell(s.types?.[typeUrl], now)),
    s.controlPlane ?? controlPlane,
    s.userAgent ?? proxyVersion(s.node),
  ]);
  rows.sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0]));
  return [STATUS_HEADER, ...rows];
}

/** Istio's CLUSTER is the multi-cluster id (node metadata CLUSTER_ID); without one, Envoy's node.cluster. */
function clusterOf(s: ProxySyncJson): string {
  const id = s.node?.metadata?.CLUSTER_ID;
  if (typeof id === 'string' && id !== '') return id;
  return typeof s.node?.cluster === 'string' && s.node.cluster !== '' ? s.node.cluster : '-';
}

export function cell(t: TypeSyncJson | undefined, now: number): string {
  // A type the server does not list was never sent (ECDS: Ricochet serves none).
  if (!t || !t.state) return 'NOT SENT';
  const since = t.lastChangeAt ? Date.parse(t.lastChangeAt) : NaN;
  return Number.isNaN(since) ? t.state : `${t.state} (${humanDuration(now - since)})`;
}

/** One proxy in detail: a row per watched type, then the NACK messages in full. */
export function formatProxyDetail(s: ProxySyncJson, now: number): string {
  const header = ['TYPE', 'STATUS', 'SENT', 'ACKED', 'NACKED'];
  const short = new Map(XDS_COLUMNS.map(([c, t]) => [t, c]));
  const types = Object.entries(s.types ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const rows = types.map(([typeUrl, t]) => [
    short.get(typeUrl) ?? typeUrl.replace(/^type\.googleapis\.com\//, ''),
    cell(t, now),
    t.lastSentVersion ?? '-',
    t.lastAckedVersion ?? '-',
    t.lastNack?.version ?? '-',
  ]);
  const lines = [`proxy ${s.nodeId}${s.connectedAt ? `, connected ${humanDuration(now - Date.parse(s.connectedAt))} ago` : ''}${s.viewKey ? `, view ${s.viewKey}` : ''}`];
  let out = `${lines.join('\n')}\n${formatTable([header, ...rows], ISTIOCTL_TABLE)}`;
  for (const [typeUrl, t] of types) {
    if (!t.lastNack) continue;
    const ago = t.lastNack.at ? ` ${humanDuration(now - Date.parse(t.lastNack.at))} ago` : '';
    out += `\n${short.get(typeUrl) ?? typeUrl} version ${t.lastNack.version ?? '?'} rejected${ago}:\n  ${t.lastNack.message ?? '(no message)'}\n`;
  }
  return out;
}
