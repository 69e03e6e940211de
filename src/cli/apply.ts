/**
 * `ricochet apply -f <file|dir|->`: every document of every file, sent as ONE bundle to the admin
 * API's `POST /apply` (src/admin/k8s/apply.ts), so the whole set is applied or none of it.
 * Prints kubectl's lines (`virtualservice.networking.istio.io/reviews created|configured|
 * unchanged`); on invalid input, kubectl's `is invalid` message with each field, its file and line.
 * Exit status 1 on any failure.
 */
import { Command, Option } from 'commander';
import { AdminClient, ApiError, apiError, decodeJson, formatServerError, type GlobalOptions, type KubeStatus } from './client';
import { readInputs, type InputFile } from './inputFiles';
import { toJson, toYaml } from './output';

interface ApplyCliOptions {
  filename: string[];
  recursive: boolean;
  namespace: string;
  dryRun?: 'none' | 'server';
  validate?: 'strict' | 'warn' | 'ignore';
  output?: 'json' | 'yaml';
}

/** The answer of POST /apply (src/admin/k8s/apply.ts ApplyResult). */
interface ApplyResultJson {
  kind: 'ApplyResult';
  dryRun?: boolean;
  results?: Array<{ index: number; kind: string; name: string; namespace?: string; action: string; text?: string }>;
  warnings?: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerApply(program: Command, globals: () => GlobalOptions): void {
  program
    .command('apply')
    .description('create or update the objects in files, all at once or none (kubectl apply -f against Ricochet\'s admin API)')
    .option('-f, --filename <file|dir|->', 'YAML/JSON file, directory of them, or - for stdin (repeatable)', collect, [])
    .option('-R, --recursive', 'with a directory, also its subdirectories', false)
    .option('-n, --namespace <ns>', 'namespace of objects that do not name one', 'default')
    .addOption(new Option('--dry-run <mode>', 'server: validate and compile, store nothing').choices(['none', 'server']))
    .addOption(new Option('--validate <mode>', 'unknown fields: strict (error), warn or ignore (the server\'s fieldValidation)').choices(['strict', 'warn', 'ignore']))
    .addOption(new Option('-o, --output <format>', 'print the server\'s ApplyResult').choices(['json', 'yaml']))
    .action(async (opts: ApplyCliOptions) => {
      const files = await readInputs(opts.filename, opts.recursive);
      process.exitCode = await apply(AdminClient.fromOptions(globals()), files, opts);
    });
}

/** Several files travel as one bundle; this remembers where each one starts to map errors back. */
interface Bundle {
  text: string;
  parts: Array<{ file: InputFile; firstLine: number; lines: number }>;
}

export function bundleOf(files: readonly InputFile[]): Bundle {
  const parts: Bundle['parts'] = [];
  let text = '';
  let line = 1;
  for (const [i, file] of files.entries()) {
    const body = file.text.endsWith('\n') || file.text === '' ? file.text : `${file.text}\n`;
    if (i > 0) {
      text += '---\n';
      line += 1;
    }
    const lines = body.split('\n').length - 1;
    parts.push({ file, firstLine: line, lines });
    text += body;
    line += lines;
  }
  return { text, parts };
}

async function apply(client: AdminClient, files: InputFile[], opts: ApplyCliOptions): Promise<number> {
  const bundle = bundleOf(files);
  const query = new URLSearchParams({ namespace: opts.namespace });
  if (opts.dryRun === 'server') query.set('dryRun', 'All');
  if (opts.validate) query.set('fieldValidation', opts.validate[0].toUpperCase() + opts.validate.slice(1));
  // One file: the server names it in its messages; several: lines are mapped back here.
  if (files.length === 1) query.set('source', files[0].name);
  const res = await client.request('POST', `/apply?${query}`, { body: bundle.text, contentType: 'application/yaml' });
  if (res.status < 200 || res.status >= 300) {
    process.stderr.write(await describeFailure(apiError(res), bundle));
    return 1;
  }
  const result = decodeJson<ApplyResultJson>(res, 'POST /apply');
  for (const w of await warningLines(result.warnings ?? [], bundle)) process.stderr.write(`Warning: ${w}\n`);
  if (opts.output === 'json') process.stdout.write(toJson(result));
  else if (opts.output === 'yaml') process.stdout.write(await toYaml(result));
  else for (const r of result.results ?? []) process.stdout.write(`${r.text ?? `${r.kind.toLowerCase()}/${r.name} ${r.action}`}\n`);
  return 0;
}

/**
 * The server's warnings, with ` (line N)` turned into ` (file:line)` where N is a line of the
 * bundle: warnings about a document of it (`document N: …`, or naming one of its objects). Other
 * warnings (about objects already served) keep their text.
 */
async function warningLines(warnings: readonly string[], bundle: Bundle): Promise<string[]> {
  if (warnings.length === 0) return [];
  const docs = await documentsOf(bundle);
  return warnings.map((w) => {
    const named = /^(\S+) (?:\S+\/)?([^/\s:]+): /.exec(w);
    const ours = /^document \d+: /.test(w) || (named !== null && docs.some((d) => d.kind === named[1] && d.name === named[2]));
    return ours ? splitCause(w, bundle).text : w;
  });
}

/** Where a bundle line came from: file and line within it. */
export function locateLine(bundle: Bundle, line: number): { file: string; line: number } | undefined {
  const part = bundle.parts.find((p) => line >= p.firstLine && line < p.firstLine + Math.max(p.lines, 1));
  return part ? { file: part.file.name, line: line - part.firstLine + 1 } : undefined;
}

interface DocumentInfo { file: string; kind?: string; name?: string }

/**
 * kubectl's message for an invalid object (spec/kubectl-1.20.md §9: `The VirtualService "reviews"
 * is invalid:` then `* <field>: <message>`), one block per document, each cause with `file:line`.
 * Other failures print as kubectl prints server errors.
 */
async function describeFailure(err: ApiError, bundle: Bundle): Promise<string> {
  const status = err.statusObject;
  const causes = status?.details?.causes ?? [];
  if (status?.reason !== 'Invalid' || causes.length === 0) {
    const file = bundle.parts.length === 1 ? bundle.parts[0].file.name : undefined;
    return `${formatServerError(err, file ? `error when applying "${file}"` : undefined)}\n`;
  }
  const docs = await documentsOf(bundle);
  const blocks = new Map<string, string[]>();
  for (const c of causes) {
    const { doc, text } = splitCause(c.message ?? '', bundle);
    const info = doc !== undefined ? docs[doc] : undefined;
    const head = info
      ? `error when applying "${info.file}": The ${info.kind ?? 'object'} "${info.name ?? '<unknown>'}" is invalid:`
      : 'The bundle is invalid:';
    const lines = blocks.get(head) ?? [];
    lines.push(`* ${c.field ? `${c.field}: ` : ''}${text}`);
    blocks.set(head, lines);
  }
  const out = [...blocks.entries()].map(([head, lines]) => `${head}\n${lines.join('\n')}`);
  return `${out.join('\n')}\nnothing was applied (${reasonLine(status)})\n`;
}

function reasonLine(status: KubeStatus): string {
  return `${status.code ?? 422} ${status.reason ?? 'Invalid'}: the objects are applied together or not at all`;
}

/** `document N: message [CODE] (line L)` → the document index and `message [CODE] (file:line)`. */
export function splitCause(message: string, bundle: Bundle): { doc?: number; text: string } {
  const m = /^document (\d+): ([\s\S]*)$/.exec(message);
  const doc = m ? Number(m[1]) - 1 : undefined;
  let text = m ? m[2] : message;
  const line = / \(line (\d+)\)$/.exec(text);
  if (line) {
    const at = locateLine(bundle, Number(line[1]));
    if (at) text = `${text.slice(0, line.index)} (${at.file}:${at.line})`;
  }
  return { doc, text };
}

/**
 * Kind, name and file of every document of the bundle, by index, counted as the server counts
 * them (yaml's parseAllDocuments over the whole bundle), each placed in its file by its first line.
 */
async function documentsOf(bundle: Bundle): Promise<DocumentInfo[]> {
  const { parseAllDocuments, LineCounter } = await import('yaml');
  const lines = new LineCounter();
  const out: DocumentInfo[] = [];
  for (const doc of parseAllDocuments(bundle.text, { lineCounter: lines })) {
    const start = (doc.contents?.range ?? doc.range)[0];
    const file = locateLine(bundle, lines.linePos(start).line)?.file ?? '-';
    const value: unknown = doc.errors.length > 0 ? undefined : doc.toJS();
    const v = (typeof value === 'object' && value !== null ? value : {}) as { kind?: unknown; type?: unknown; name?: unknown; metadata?: { name?: unknown } };
    const kind = typeof v.kind === 'string' ? v.kind : typeof v.type === 'string' ? v.type : undefined;
    const name = typeof v.metadata?.name === 'string' ? v.metadata.name : typeof v.name === 'string' ? v.name : undefined;
    out.push({ file, kind, name });
  }
  return out;
}
