/**
 * `ricochet get <kind>[,<kind>…] [name] [-n ns | -A] [-o table|wide|yaml|json|name]`: kubectl get
 * against the admin API. The table comes from the server (a meta.k8s.io Table, asked for with
 * kubectl's own Accept header, spec/kubectl-1.20.md §5.1) so columns are the same as kubectl's;
 * a server that answers a plain list still prints NAME and AGE. YAML/JSON print the objects as
 * the server returns them, `status.conditions` included.
 */
import { Command, Option } from 'commander';
import { AdminClient, ApiError, apiError, decodeJson, formatServerError, type GlobalOptions } from './client';
import { CliError } from './cliError';
import { collectionPath, objectPath, qualifiedSingular, resolveResource, resourcesInCategory, type ResolvedResource } from './kinds';
import { KUBECTL_TABLE, ageOf, cellText, formatTable, toJson, toYaml } from './output';

/** kubectl 1.20's Accept header for tables, byte for byte. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

type Output = 'table' | 'wide' | 'yaml' | 'json' | 'name';

interface GetCliOptions {
  namespace: string;
  allNamespaces: boolean;
  output: Output;
  selector?: string;
}

interface KubeObjectJson { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; creationTimestamp?: string } }

export interface TableJson {
  kind: 'Table';
  columnDefinitions?: Array<{ name: string; priority?: number }> | null;
  rows?: Array<{ cells: unknown[]; object?: KubeObjectJson }>;
}

export function registerGet(program: Command, globals: () => GlobalOptions): void {
  program
    .command('get <kind> [name]')
    .description('list objects of a kind (plural, singular, short name, kind.group or a category such as istio-io), or show one')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'every namespace', false)
    .option('-l, --selector <selector>', 'label selector, e.g. app=reviews')
    .addOption(new Option('-o, --output <format>', 'table, wide, yaml, json or name').choices(['table', 'wide', 'yaml', 'json', 'name']).default('table'))
    .action(async (kind: string, name: string | undefined, opts: GetCliOptions) => {
      const client = AdminClient.fromOptions(globals());
      const resources = resolveKinds(kind);
      if (name !== undefined && resources.length > 1) throw new CliError('a name can only be given with one kind');
      process.exitCode = await get(client, resources, name, opts);
    });
}

/** `vs,se`, a category (`istio-io`), or one kind. */
function resolveKinds(text: string): ResolvedResource[] {
  const out: ResolvedResource[] = [];
  for (const part of text.split(',').filter((p) => p !== '')) {
    const category = resourcesInCategory(part);
    out.push(...(category.length > 0 ? category : [resolveResource(part)]));
  }
  if (out.length === 0) throw new CliError('name a kind, e.g. ricochet get virtualservices');
  return out;
}

async function get(client: AdminClient, resources: ResolvedResource[], name: string | undefined, opts: GetCliOptions): Promise<number> {
  const ns = opts.allNamespaces ? undefined : opts.namespace;
  const query = opts.selector ? `?labelSelector=${encodeURIComponent(opts.selector)}` : '';
  const structured = opts.output === 'yaml' || opts.output === 'json' || opts.output === 'name';
  const objects: KubeObjectJson[] = [];
  let status = 0;
  let printedTable = false;
  for (const rr of resources) {
    const path = name !== undefined ? objectPath(rr, ns ?? 'default', name) : `${collectionPath(rr, ns)}${query}`;
    const body = await fetchBody(client, path, structured ? 'application/json' : TABLE_ACCEPT);
    if (body === undefined) {
      status = 1;
      continue;
    }
    if (structured) {
      objects.push(...itemsOf(body, name !== undefined));
      continue;
    }
    const rows = tableRows(body, rr, { allNamespaces: opts.allNamespaces, wide: opts.output === 'wide', prefixKind: resources.length > 1 });
    if (rows.length <= 1) continue;
    if (printedTable) process.stdout.write('\n');
    process.stdout.write(formatTable(rows, KUBECTL_TABLE));
    printedTable = true;
  }
  if (structured) {
    if (objects.length > 0 || name === undefined) await printObjects(objects, opts.output, name !== undefined);
  } else if (!printedTable && status === 0) {
    const scoped = !opts.allNamespaces && resources.some((r) => r.resource.namespaced);
    process.stderr.write(scoped ? `No resources found in ${opts.namespace} namespace.\n` : 'No resources found\n');
  }
  return status;
}

/** The decoded answer; a missing object is reported (kubectl's NotFound line) and gives undefined; other errors end the command. */
async function fetchBody(client: AdminClient, path: string, accept: string): Promise<unknown> {
  const res = await client.request('GET', path, { accept });
  if (res.status === 404) {
    process.stderr.write(`${formatServerError(apiError(res))}\n`);
    return undefined;
  }
  try {
    return decodeJson<unknown>(res, `GET ${path}`);
  } catch (err) {
    if (err instanceof ApiError) throw new CliError(formatServerError(err));
    throw err;
  }
}

function itemsOf(body: unknown, single: boolean): KubeObjectJson[] {
  if (single) return [body as KubeObjectJson];
  const items = (body as { items?: unknown }).items;
  return Array.isArray(items) ? (items as KubeObjectJson[]) : [];
}

async function printObjects(objects: KubeObjectJson[], output: Output, single: boolean): Promise<void> {
  if (output === 'name') {
    for (const o of objects) process.stdout.write(`${nameOf(o)}\n`);
    return;
  }
  // kubectl wraps lists (even of one) in a v1 List; a single GET prints the object itself.
  const value = single && objects.length === 1 ? objects[0] : { apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } };
  process.stdout.write(output === 'json' ? toJson(value) : await toYaml(value));
}

/** `virtualservice.networking.istio.io/reviews` from an object's apiVersion and kind. */
function nameOf(o: KubeObjectJson): string {
  const group = (o.apiVersion ?? '').includes('/') ? (o.apiVersion ?? '').split('/')[0] : '';
  const kind = (o.kind ?? '').toLowerCase();
  return `${group ? `${kind}.${group}` : kind}/${o.metadata?.name ?? '<unknown>'}`;
}

/**
 * Header + rows from a server Table (columns with priority > 0 only with -o wide, NAMESPACE from
 * rows[].object with -A), or from a plain list/object: NAME, AGE.
 */
export function tableRows(body: unknown, rr: ResolvedResource, o: { allNamespaces: boolean; wide: boolean; prefixKind: boolean }): string[][] {
  const withNs = o.allNamespaces && rr.resource.namespaced;
  const prefix = o.prefixKind ? `${qualifiedSingular(rr.resource)}/` : '';
  const table = body as TableJson;
  if (table.kind === 'Table') {
    const columns = (table.columnDefinitions ?? []).map((c, i) => ({ ...c, i })).filter((c) => o.wide || !c.priority);
    const header = [...(withNs ? ['NAMESPACE'] : []), ...columns.map((c) => c.name.toUpperCase())];
    const rows = (table.rows ?? []).map((r) => [
      ...(withNs ? [r.object?.metadata?.namespace ?? ''] : []),
      ...columns.map((c, k) => `${k === 0 ? prefix : ''}${cellText(r.cells[c.i])}`),
    ]);
    return [header, ...rows];
  }
  const now = Date.now();
  const objects = itemsOf(body, !Array.isArray((body as { items?: unknown }).items));
  const rows = objects.map((x) => [...(withNs ? [x.metadata?.namespace ?? ''] : []), `${prefix}${x.metadata?.name ?? ''}`, ageOf(x.metadata?.creationTimestamp, now)]);
  return [[...(withNs ? ['NAMESPACE'] : []), 'NAME', 'AGE'], ...rows];
}
