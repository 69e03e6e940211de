/**
 * `ricochet bootstrap`: an Envoy bootstrap for one proxy identity, made from envoy/bootstrap.yaml
 * (the file the README starts Envoy with) so every generated bootstrap has the same ADS setup.
 * The identity travels in node metadata with the keys Istio's sidecars send (DESIGN.md, proxy
 * identity; read by src/controlplane/views.ts): NAMESPACE, SERVICE_ACCOUNT, LABELS, ROLE, GATEWAY.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { parseHostPort } from '../lib/address';
import { CliError } from './cliError';
import { toJson } from './output';

interface BootstrapCliOptions {
  nodeId: string;
  cluster?: string;
  namespace: string;
  serviceAccount: string;
  labels?: string;
  role?: 'sidecar' | 'gateway';
  gateway?: string;
  xdsAddress: string;
  adminPort: string;
  template?: string;
  output: 'yaml' | 'json';
}

export interface BootstrapIdentity {
  nodeId: string;
  cluster: string;
  metadata: Record<string, unknown>;
  xds: { host: string; port: number };
  adminPort: number;
}

export function registerBootstrap(program: Command): void {
  program
    .command('bootstrap')
    .description('print an Envoy bootstrap (envoy -c) for a proxy identity, connected to Ricochet over ADS')
    .requiredOption('--node-id <id>', 'the node id Envoy sends (proxy-status and proxy-config name proxies by it), e.g. reviews-v1.default')
    .option('--cluster <name>', 'Envoy\'s node.cluster (service cluster); default: the app label, else the node id')
    .option('--namespace <ns>', 'the proxy\'s namespace (node metadata NAMESPACE)', 'default')
    .option('--service-account <name>', 'the proxy\'s ServiceAccount (node metadata SERVICE_ACCOUNT)', 'default')
    .option('--labels <k=v,...>', 'the proxy\'s labels, e.g. app=reviews,version=v1,kuma.io/service=reviews (node metadata LABELS)')
    .addOption(new Option('--role <role>', 'sidecar, or gateway for a Gateway\'s proxy (node metadata ROLE)').choices(['sidecar', 'gateway']))
    .option('--gateway <ns/name>', 'the Gateway a gateway proxy serves (node metadata GATEWAY; implies --role gateway)')
    .option('--xds-address <host:port>', 'where Ricochet serves ADS (ricochet serve --xds-address)', '127.0.0.1:18000')
    .option('--admin-port <n>', 'Envoy\'s admin port on 127.0.0.1', '9901')
    .option('--template <file>', 'bootstrap to start from (default: envoy/bootstrap.yaml)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .action(async (opts: BootstrapCliOptions) => {
      const identity = bootstrapIdentity(opts);
      const text = readTemplate(opts.template);
      process.stdout.write(await renderBootstrap(text, identity, opts.output));
    });
}

/** Flags → identity, with the same rules `translate` applies to the same flags. */
export function bootstrapIdentity(opts: Omit<BootstrapCliOptions, 'template' | 'output'>): BootstrapIdentity {
  if (opts.nodeId.trim() === '') throw new CliError('--node-id must not be empty');
  const labels = opts.labels === undefined ? undefined : parseLabels(opts.labels);
  const metadata: Record<string, unknown> = { NAMESPACE: opts.namespace, SERVICE_ACCOUNT: opts.serviceAccount };
  if (labels) metadata.LABELS = labels;
  let role = opts.role ?? 'sidecar';
  if (opts.gateway !== undefined) {
    if (opts.role === 'sidecar') throw new CliError('--gateway names the Gateway of a gateway proxy; it cannot be used with --role sidecar');
    if (!/^[^/\s]+\/[^/\s]+$/.test(opts.gateway)) throw new CliError(`--gateway ${opts.gateway}: write <namespace>/<name>, e.g. default/my-gateway`);
    role = 'gateway';
  }
  metadata.ROLE = role;
  if (opts.gateway !== undefined) metadata.GATEWAY = opts.gateway;
  const adminPort = Number(opts.adminPort);
  if (!Number.isInteger(adminPort) || adminPort < 1 || adminPort > 65535) throw new CliError(`--admin-port ${opts.adminPort}: a port number from 1 to 65535`);
  let xds: { host: string; port: number };
  try {
    xds = parseHostPort(opts.xdsAddress, '--xds-address');
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  return { nodeId: opts.nodeId, cluster: opts.cluster ?? labels?.app ?? opts.nodeId, metadata, xds, adminPort };
}

/** `k=v,k=v` → labels; keys and values as Kubernetes writes them, so a typo is caught here and not in Envoy. */
export function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(`--labels ${text}: ${JSON.stringify(item)} is not key=value; write e.g. app=reviews,version=v1`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

/** envoy/bootstrap.yaml next to the installed package (dist/src/cli → repo root). */
export function defaultTemplatePath(): string {
  for (const rel of ['../../../envoy/bootstrap.yaml', '../../envoy/bootstrap.yaml']) {
    const file = path.resolve(__dirname, rel);
    if (fs.existsSync(file)) return file;
  }
  throw new CliError('envoy/bootstrap.yaml is not where Ricochet expects it; pass --template <file>');
}

function readTemplate(file: string | undefined): string {
  const at = file ?? defaultTemplatePath();
  try {
    return fs.readFileSync(at, 'utf8');
  } catch (err) {
    throw new CliError(`--template ${at}: cannot read it (${(err as Error).message})`);
  }
}

const XDS_CLUSTER = 'ricochet_xds';

/**
 * The template with this identity: node id, cluster and metadata replaced, the ADS cluster's
 * address and the admin port set. Comments and layout of the template are kept (YAML output).
 */
export async function renderBootstrap(template: string, id: BootstrapIdentity, output: 'yaml' | 'json' = 'yaml'): Promise<string> {
  const YAML = await import('yaml');
  const doc = YAML.parseDocument(template);
  if (doc.errors.length > 0) throw new CliError(`the bootstrap template is not valid YAML: ${doc.errors[0].message}`);
  doc.setIn(['node', 'id'], id.nodeId);
  doc.setIn(['node', 'cluster'], id.cluster);
  doc.setIn(['node', 'metadata'], doc.createNode(id.metadata));
  const clusters = doc.getIn(['static_resources', 'clusters']);
  const index = YAML.isSeq(clusters) ? clusters.items.findIndex((c) => YAML.isMap(c) && c.get('name') === XDS_CLUSTER) : -1;
  if (index < 0) throw new CliError(`the bootstrap template has no static cluster named ${XDS_CLUSTER} (the ADS connection to Ricochet)`);
  const socket = ['static_resources', 'clusters', index, 'load_assignment', 'endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address', 'socket_address'];
  if (!doc.hasIn(socket)) throw new CliError(`the bootstrap template's ${XDS_CLUSTER} cluster has no load_assignment endpoint address`);
  doc.setIn([...socket, 'address'], id.xds.host);
  doc.setIn([...socket, 'port_value'], id.xds.port);
  // A STATIC cluster takes IP addresses only; a host name needs DNS resolution.
  if (net.isIP(id.xds.host) === 0) doc.setIn(['static_resources', 'clusters', index, 'type'], 'STRICT_DNS');
  doc.setIn(['admin', 'address', 'socket_address', 'port_value'], id.adminPort);
  // The template's own header describes the template's identity: replace it with this one's.
  const first = YAML.isMap(doc.contents) ? doc.contents.items[0] : undefined;
  if (first && YAML.isNode(first.key)) first.key.commentBefore = undefined;
  doc.commentBefore = headerComment(id);
  if (output === 'json') return toJson(doc.toJS());
  return doc.toString({ lineWidth: 0 });
}

function headerComment(id: BootstrapIdentity): string {
  const m = id.metadata;
  const who = m.ROLE === 'gateway' ? `gateway proxy${m.GATEWAY ? ` of Gateway ${String(m.GATEWAY)}` : ''}` : 'sidecar';
  return [
    ` Envoy bootstrap for node ${id.nodeId}: a ${who} in namespace ${String(m.NAMESPACE)}, service account ${String(m.SERVICE_ACCOUNT)}.`,
    ` Generated by \`ricochet bootstrap\` from envoy/bootstrap.yaml. Run: envoy -c <this file>`,
    ` ADS: ${id.xds.host}:${id.xds.port} (ricochet serve --xds-address); Envoy admin: 127.0.0.1:${id.adminPort}.`,
  ].join('\n');
}
