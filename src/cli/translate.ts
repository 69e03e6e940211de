import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { formatDiagnostic } from '../lib/errors';
import type { JsonObject } from '../lib/protos/protoJson';
import type { ProxyIdentity } from '../ir/model';
import { readSourceDirectory } from '../providers/directory';
import { compileRevision } from '../controlplane/compile';
import { proxyIdentityOf } from '../controlplane/views';
import { translateMesh, DEFAULT_TRANSLATE_OPTIONS } from '../xds/translate';
import { resourcesAsJson } from '../admin/configDump';
import { parseDocuments } from '../sources/document';
import { isMap } from '../sources/fields';
import type { CompileOptions } from '../sources/registry';

interface TranslateCliOptions {
  file: string;
  node?: string;
  namespace?: string;
  serviceAccount?: string;
  labels?: string;
  role?: 'sidecar' | 'gateway';
  gateway?: string;
  defaultRetryPolicy: CompileOptions['defaultRetryPolicy'];
  output: 'json' | 'yaml';
}

export function registerTranslate(program: Command): void {
  program
    .command('translate')
    .description('compile sources offline and print the Envoy resources a proxy would get')
    .requiredOption('-f, --file <file|dir>', 'source file or directory')
    .option('--node <file>', 'file with an Envoy node object (id, cluster, metadata) to compile for')
    .option('--namespace <ns>', 'the proxy\'s namespace (node metadata NAMESPACE; default: default)')
    .option('--service-account <name>', 'the proxy\'s ServiceAccount (node metadata SERVICE_ACCOUNT; default: default)')
    .option('--labels <k=v,...>', 'the proxy\'s labels, e.g. app=curl,version=v1 (node metadata LABELS)')
    .addOption(new Option('--role <role>', 'sidecar, or gateway for a Gateway\'s proxy (node metadata ROLE)').choices(['sidecar', 'gateway']))
    .option('--gateway <ns/name>', 'the Gateway a gateway proxy serves (node metadata GATEWAY; implies --role gateway)')
    .addOption(new Option('--default-retry-policy <policy>', 'retry policy of a Kubernetes Service no policy touches').choices(['none', 'istio']).default('none'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']).default('json'))
    .action(async (opts: TranslateCliOptions) => {
      process.exitCode = await translate(opts);
    });
}

/** Returns the exit status: 1 when any input was rejected, so scripts and CI can gate on it. */
async function translate(opts: TranslateCliOptions): Promise<number> {
  const identity = proxyIdentityFromOptions(opts);
  if (typeof identity === 'string') {
    console.error(identity);
    return 1;
  }
  const input = await readSourceDirectory(opts.file);
  const compiled = compileRevision(input, new Map(), { defaultRetryPolicy: opts.defaultRetryPolicy }, identity);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'Error');
  for (const d of compiled.diagnostics) console.error(formatDiagnostic(d));
  if (errors.length > 0) {
    console.error(`${errors.length} error(s): nothing translated`);
    return 1;
  }
  const out = resourcesAsJson(translateMesh(compiled.mesh, DEFAULT_TRANSLATE_OPTIONS));
  process.stdout.write(opts.output === 'yaml' ? stringify(out) : `${JSON.stringify(out, null, 2)}\n`);
  return 0;
}

/**
 * The proxy to compile for: the `--node` file's metadata, then the identity flags on top (a flag
 * wins over the same key in the file), read the way `serve` reads a connecting Envoy's node
 * (controlplane/views.ts). Returns an error message when the input cannot be used.
 */
export function proxyIdentityFromOptions(opts: Omit<TranslateCliOptions, 'file' | 'output' | 'defaultRetryPolicy'>): ProxyIdentity | string {
  let metadata: JsonObject = {};
  if (opts.node) {
    const read = nodeMetadata(opts.node);
    if (typeof read === 'string') return read;
    metadata = read;
  }
  if (opts.namespace !== undefined) metadata.NAMESPACE = opts.namespace;
  if (opts.serviceAccount !== undefined) metadata.SERVICE_ACCOUNT = opts.serviceAccount;
  if (opts.labels !== undefined) {
    const labels = parseLabels(opts.labels);
    if (typeof labels === 'string') return labels;
    metadata.LABELS = labels;
  }
  if (opts.gateway !== undefined) {
    if (opts.role === 'sidecar') return '--gateway names the Gateway of a gateway proxy; it cannot be used with --role sidecar';
    if (!/^[^/\s]+\/[^/\s]+$/.test(opts.gateway)) return `--gateway ${opts.gateway}: write <namespace>/<name>, e.g. default/my-gateway`;
    metadata.GATEWAY = opts.gateway;
    metadata.ROLE = 'gateway';
  }
  if (opts.role !== undefined) metadata.ROLE = opts.role;
  return proxyIdentityOf({ metadata });
}

/** The `metadata` of an Envoy node object in a YAML or JSON file (a bootstrap's `node:` works too). */
function nodeMetadata(file: string): JsonObject | string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return `--node ${file}: cannot read it (${(err as Error).message})`;
  }
  const parsed = parseDocuments(file, text);
  if (parsed.diagnostics.length > 0 || parsed.documents.length !== 1) {
    const why = parsed.diagnostics.map((d) => formatDiagnostic(d)).join('\n');
    return `${why ? `${why}\n` : ''}--node ${file}: expected one Envoy node object (id, cluster, metadata)`;
  }
  let node = parsed.documents[0].value;
  // A whole bootstrap file: use its `node`.
  if (isMap(node) && isMap(node.node)) node = node.node;
  if (!isMap(node)) return `--node ${file}: expected an Envoy node object (id, cluster, metadata)`;
  if (node.metadata === undefined || node.metadata === null) return {};
  if (!isMap(node.metadata)) return `--node ${file}: metadata must be a mapping (NAMESPACE, SERVICE_ACCOUNT, LABELS, ROLE, GATEWAY)`;
  return { ...(node.metadata as JsonObject) };
}

/** `k=v,k=v` → a label map; an empty string is no labels. */
function parseLabels(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = item.indexOf('=');
    if (eq <= 0) return `--labels ${text}: ${JSON.stringify(item)} is not key=value; write e.g. app=curl,version=v1`;
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}
