/**
 * `ricochet analyze`: cross-object findings (unknown destination host, policy target not found,
 * conflicting policies, unsupported fields, invalid fields) with codes, in istioctl analyze's
 * message format. Offline over files (`-f`, compiled as `translate` and `serve` compile them) or
 * online from a running control plane (`GET /debug/diagnostics`). Flags follow istioctl's:
 * `--failure-threshold`, `--output-threshold`, `-S/--suppress`, `-o log|json|yaml`.
 */
import { Command, Option } from 'commander';
import type { Diagnostic, Severity } from '../lib/errors';
import { AdminClient, type GlobalOptions } from './client';
import { CliError } from './cliError';
import { analyzerMessageJson, formatAnalyzerMessage, levelAtLeast, suppressedBy } from './analyzeFormat';
import { toJson, toYaml } from './output';

interface AnalyzeCliOptions {
  file: string[];
  output: 'log' | 'json' | 'yaml';
  failureThreshold: Severity;
  outputThreshold: Severity;
  suppress: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const SEVERITIES = ['Info', 'Warning', 'Error'];

export function registerAnalyze(program: Command, globals: () => GlobalOptions): void {
  program
    .command('analyze')
    .description('report problems across objects (unknown hosts, missing targets, conflicting policies, unsupported fields) in istioctl\'s format; exit status 1 when any reaches --failure-threshold')
    .option('-f, --file <file|dir>', 'analyze these source files offline (repeatable); without it, ask the running control plane (--server)', collect, [])
    .addOption(new Option('-o, --output <format>', 'log (one line per message), json or yaml').choices(['log', 'json', 'yaml']).default('log'))
    .addOption(new Option('--failure-threshold <level>', 'lowest level that makes the exit status non-zero').choices(SEVERITIES).default('Error'))
    .addOption(new Option('--output-threshold <level>', 'lowest level printed').choices(SEVERITIES).default('Info'))
    .option('-S, --suppress <code=resource>', 'hide messages, e.g. "RCO0140=VirtualService reviews.default" (* is a wildcard; repeatable)', collect, [])
    .action(async (opts: AnalyzeCliOptions) => {
      const { diagnostics, what } = opts.file.length > 0
        ? await analyzeFiles(opts.file)
        : await analyzeServer(AdminClient.fromOptions(globals()));
      process.exitCode = await report(diagnostics, what, opts);
    });
}

/** Prints the messages; returns the exit status. */
async function report(all: readonly Diagnostic[], what: string, opts: AnalyzeCliOptions): Promise<number> {
  const kept = all.filter((d) => !suppressedBy(d, opts.suppress));
  const shown = kept.filter((d) => levelAtLeast(d.severity, opts.outputThreshold));
  if (opts.output === 'json') process.stdout.write(toJson(shown.map(analyzerMessageJson)));
  else if (opts.output === 'yaml') process.stdout.write(await toYaml(shown.map(analyzerMessageJson)));
  else if (shown.length === 0) process.stderr.write(`\u2714 No validation issues found when analyzing ${what}.\n`);
  else for (const d of shown) process.stdout.write(`${formatAnalyzerMessage(d)}\n`);
  return kept.some((d) => levelAtLeast(d.severity, opts.failureThreshold)) ? 1 : 0;
}

/** Offline: the files compiled exactly as `serve` would compile them (input, validation, cross-object). */
async function analyzeFiles(targets: readonly string[]): Promise<{ diagnostics: Diagnostic[]; what: string }> {
  // Loaded only here: the online path must not pay for the compiler.
  const [{ readSourceDirectory }, { compileRevision }] = await Promise.all([import('../providers/directory'), import('../controlplane/compile')]);
  const input: Awaited<ReturnType<typeof readSourceDirectory>> = { documents: [], diagnostics: [], unreadableFiles: new Set() };
  for (const target of targets) {
    const read = await readSourceDirectory(target);
    input.documents.push(...read.documents);
    input.diagnostics.push(...read.diagnostics);
    for (const f of read.unreadableFiles) input.unreadableFiles.add(f);
  }
  const compiled = compileRevision(input, new Map());
  return { diagnostics: compiled.diagnostics, what: targets.join(', ') };
}

interface DiagnosticsResponse {
  revision?: unknown;
  diagnostics?: Diagnostic[];
}

/** Online: what the running control plane found in the objects it serves (files and API). */
async function analyzeServer(client: AdminClient): Promise<{ diagnostics: Diagnostic[]; what: string }> {
  const body = await client.getJson<DiagnosticsResponse>('/debug/diagnostics');
  if (!Array.isArray(body.diagnostics)) throw new CliError(`GET ${client.address}/debug/diagnostics did not answer a diagnostics list`);
  return { diagnostics: body.diagnostics, what: `the configuration served by ${client.address}` };
}
