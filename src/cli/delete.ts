/**
 * `ricochet delete <kind> <name>…` or `ricochet delete -f <file|dir|->`: kubectl delete against
 * the admin API (spec/kubectl-1.20.md §7): one DELETE per object with kubectl's DeleteOptions body
 * (dry run travels in the body), `<singular>.<group> "<name>" deleted` per object, kubectl's
 * NotFound message, exit status 1 if any failed. The server deletes synchronously, so there is
 * nothing to wait for.
 */
import { Command, Option } from 'commander';
import type { Diagnostic } from '../lib/errors';
import { AdminClient, apiError, formatServerError, type GlobalOptions } from './client';
import { CliError } from './cliError';
import { readInputs, type InputFile } from './inputFiles';
import { objectPath, qualifiedPlural, qualifiedSingular, resolveResource, resourceOfObject, type ResolvedResource } from './kinds';

interface DeleteCliOptions {
  filename: string[];
  recursive: boolean;
  namespace: string;
  ignoreNotFound: boolean;
  dryRun?: 'none' | 'server';
}

interface Target {
  rr: ResolvedResource;
  namespace: string | undefined;
  name: string;
  /** The file it was read from (for kubectl's `error when deleting "<file>"`). */
  file?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerDelete(program: Command, globals: () => GlobalOptions): void {
  program
    .command('delete [kind] [names...]')
    .description('delete objects by kind and name, or those in files (-f)')
    .option('-f, --filename <file|dir|->', 'delete the objects these files describe (repeatable)', collect, [])
    .option('-R, --recursive', 'with -f on a directory, also its subdirectories', false)
    .option('-n, --namespace <ns>', 'namespace of objects that do not name one', 'default')
    .option('--ignore-not-found', 'an object that does not exist is not an error', false)
    .addOption(new Option('--dry-run <mode>', 'server: check the deletes without making them').choices(['none', 'server']))
    .action(async (kind: string | undefined, names: string[], opts: DeleteCliOptions) => {
      const targets = opts.filename.length > 0 ? await targetsFromFiles(opts, kind, names) : targetsFromArgs(kind, names, opts.namespace);
      process.exitCode = await deleteAll(AdminClient.fromOptions(globals()), targets, opts);
    });
}

function targetsFromArgs(kind: string | undefined, names: string[], namespace: string): Target[] {
  if (kind === undefined) throw new CliError('name a kind and the objects to delete (ricochet delete virtualservice reviews), or files with -f');
  if (names.length === 0) throw new CliError(`name the ${kind} to delete, e.g. ricochet delete ${kind} <name>`);
  const rr = resolveResource(kind);
  return names.map((name) => ({ rr, namespace: rr.resource.namespaced ? namespace : undefined, name }));
}

async function targetsFromFiles(opts: DeleteCliOptions, kind: string | undefined, names: string[]): Promise<Target[]> {
  if (kind !== undefined || names.length > 0) throw new CliError('give either -f or a kind and names, not both');
  const files = await readInputs(opts.filename, opts.recursive);
  const { parseDocuments } = await import('../sources/document');
  const { readHeader } = await import('../sources/header');
  const targets: Target[] = [];
  const problems: Diagnostic[] = [];
  for (const f of files) {
    const parsed = parseDocuments(f.name, f.text);
    problems.push(...parsed.diagnostics);
    for (const doc of parsed.documents) {
      if (doc.value === null || doc.value === undefined) continue; // an empty document between `---`
      const { object, diagnostics } = readHeader(doc);
      problems.push(...diagnostics);
      if (!object) continue;
      targets.push(targetOf(f, object, opts.namespace));
    }
  }
  if (problems.length > 0) {
    const { formatDiagnostic } = await import('../lib/errors');
    throw new CliError(`nothing deleted:\n${problems.map((d) => formatDiagnostic(d)).join('\n')}`);
  }
  return targets;
}

function targetOf(f: InputFile, o: { apiVersion: string; kind: string; name: string; raw: Record<string, unknown> }, namespace: string): Target {
  const rr = resourceOfObject(o.apiVersion, o.kind);
  if (!rr) throw new CliError(`unable to recognize "${f.name}": no matches for kind "${o.kind}" in version "${o.apiVersion}"`);
  const meta = o.raw.metadata as { namespace?: unknown } | undefined;
  const written = typeof meta?.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
  return { rr, namespace: rr.resource.namespaced ? written ?? namespace : undefined, name: o.name, file: f.name };
}

async function deleteAll(client: AdminClient, targets: Target[], opts: DeleteCliOptions): Promise<number> {
  const dryRun = opts.dryRun === 'server';
  const body = `${JSON.stringify(dryRun ? { propagationPolicy: 'Background', dryRun: ['All'] } : { propagationPolicy: 'Background' })}\n`;
  let status = 0;
  for (const t of targets) {
    const res = await client.request('DELETE', objectPath(t.rr, t.namespace, t.name), { body });
    if (res.status >= 200 && res.status < 300) {
      process.stdout.write(`${qualifiedSingular(t.rr.resource)} "${t.name}" deleted${dryRun ? ' (server dry run)' : ''}\n`);
      continue;
    }
    if (res.status === 404 && opts.ignoreNotFound) continue;
    const err = apiError(res);
    if (res.status === 404 && !err.statusObject) err.message = `${qualifiedPlural(t.rr.resource)} "${t.name}" not found`;
    process.stderr.write(`${formatServerError(err, t.file ? `error when deleting "${t.file}"` : undefined)}\n`);
    status = 1;
  }
  return status;
}
