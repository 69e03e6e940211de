/**
 * `ricochet proxy-config routes|clusters|listeners|endpoints <proxy>` (alias `pc`): what Ricochet
 * sent to one connected proxy, read from `GET /debug/config_dump?proxy=<node id>`, printed as
 * istioctl prints it (`-o short`, a table) or as the Envoy resources (`-o json|yaml`). `--file`
 * reads a saved config dump instead (Ricochet's, or Envoy's own admin /config_dump).
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { AdminClient, ApiError, apiError, decodeJson, parseJson, type GlobalOptions } from './client';
import { CliError } from './cliError';
import { resourcesOfDump, type DumpResources, type Json } from './configDumpView';
import { ISTIOCTL_TABLE, formatTable, toJson, toYaml } from './output';
import { clusterRows, endpointRows, listenerRows, routeRows } from './proxyConfigTables';

type Output = 'short' | 'json' | 'yaml';

/** Every section's flags; each section reads the ones it declares (istioctl's filters). */
interface SectionOptions {
  output: Output;
  file?: string;
  name?: string;
  fqdn?: string;
  port?: number;
  subset?: string;
  direction?: string;
  address?: string;
  cluster?: string;
  status?: string;
}

interface Section {
  name: string;
  aliases: string[];
  description: string;
  pick: (r: DumpResources) => Json[];
  rows: (items: Json[], opts: SectionOptions) => string[][];
  options: (cmd: Command) => Command;
}

const port = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`--port ${text}: a port number`);
  return n;
};

const SECTIONS: Section[] = [
  {
    name: 'routes', aliases: ['route', 'r'], description: 'route configurations: virtual hosts, matches, each route\'s retry policy and the object it came from',
    pick: (r) => r.routeConfigs,
    rows: (items, o) => routeRows(items, o),
    options: (c) => c.option('--name <name>', 'only this route configuration'),
  },
  {
    name: 'clusters', aliases: ['cluster', 'c'], description: 'clusters: service, port, subset, type and the traffic policy\'s object',
    pick: (r) => r.clusters,
    rows: (items, o) => clusterRows(items, o),
    options: (c) => c.option('--fqdn <host>', 'only clusters of this host').option('--port <n>', 'only this port', port)
      .option('--subset <name>', 'only this subset').option('--direction <dir>', 'only inbound or outbound'),
  },
  {
    name: 'listeners', aliases: ['listener', 'l'], description: 'listeners: address, port, filter chain match and destination',
    pick: (r) => r.listeners,
    rows: (items, o) => listenerRows(items, o),
    options: (c) => c.option('--address <ip>', 'only listeners on this address').option('--port <n>', 'only this port', port),
  },
  {
    name: 'endpoints', aliases: ['endpoint', 'ep'], description: 'endpoints of every cluster (EDS and inline), from the config sent',
    pick: (r) => r.endpoints,
    rows: (items, o) => endpointRows(items, o),
    options: (c) => c.option('--cluster <name>', 'only this cluster').option('--address <ip>', 'only this address')
      .option('--port <n>', 'only this port', port).option('--status <status>', 'only endpoints with this health status'),
  },
];

export function registerProxyConfig(program: Command, globals: () => GlobalOptions): void {
  const pc = program
    .command('proxy-config')
    .alias('pc')
    .description('show the config Ricochet sent to a proxy (routes, clusters, listeners, endpoints), as istioctl proxy-config');
  for (const section of SECTIONS) {
    const cmd = pc.command(`${section.name} [proxy]`).aliases(section.aliases).description(section.description)
      .addOption(new Option('-o, --output <format>', 'short (a table), json or yaml').choices(['short', 'json', 'yaml']).default('short'))
      .option('-f, --file <config_dump.json>', 'read a saved config dump (Ricochet\'s or Envoy\'s admin /config_dump) instead of asking the server');
    section.options(cmd).action(async (proxy: string | undefined, opts: SectionOptions) => {
      const dump = opts.file !== undefined ? readDumpFile(opts.file) : await fetchDump(AdminClient.fromOptions(globals()), proxy);
      const items = section.pick(resourcesOfDump(dump));
      process.stdout.write(await render(section, items, opts));
    });
  }
}

async function render(section: Section, items: Json[], opts: SectionOptions): Promise<string> {
  if (opts.output === 'json') return toJson(items);
  if (opts.output === 'yaml') return toYaml(items);
  return formatTable(section.rows(items, opts), ISTIOCTL_TABLE);
}

/** The dump of one connected proxy; the proxy is required (unlike istioctl there are no pods to pick from). */
export async function fetchDump(client: AdminClient, proxy: string | undefined): Promise<unknown> {
  if (proxy === undefined || proxy === '') {
    const connected = await connectedProxies(client);
    throw new CliError(`name the proxy (its node id): ${connected.length ? `connected: ${connected.join(', ')}` : 'no proxy is connected'}; see ricochet proxy-status`);
  }
  const res = await client.request('GET', `/debug/config_dump?proxy=${encodeURIComponent(proxy)}`);
  if (res.status === 404) {
    const body = parseJson(res.text) as { connected?: unknown } | undefined;
    const connected = Array.isArray(body?.connected) ? body.connected.map(String) : await connectedProxies(client);
    throw new CliError(`no proxy with node id "${proxy}" is connected to ${client.address}${connected.length ? ` (connected: ${connected.join(', ')})` : ' (none is connected)'}`);
  }
  try {
    return decodeJson<unknown>(res, 'GET /debug/config_dump');
  } catch (err) {
    if (err instanceof ApiError) throw new CliError(`${client.address}/debug/config_dump: ${err.message}`);
    throw err;
  }
}

async function connectedProxies(client: AdminClient): Promise<string[]> {
  const res = await client.request('GET', '/debug/syncz');
  if (res.status !== 200) throw new CliError(`GET ${client.address}/debug/syncz: ${apiError(res).message}`);
  const list = parseJson(res.text);
  return Array.isArray(list) ? list.map((p: { nodeId?: unknown }) => String(p.nodeId)).sort() : [];
}

function readDumpFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`--file ${file}: cannot read it (${(err as Error).message})`);
  }
  const parsed = parseJson(text);
  if (parsed === undefined) throw new CliError(`--file ${file}: not JSON; save Envoy's dump with curl -s localhost:9901/config_dump?include_eds > ${file}`);
  return parsed;
}
