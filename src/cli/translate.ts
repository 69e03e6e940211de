import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { formatDiagnostic } from '../lib/errors';
import { readSourceDirectory } from '../providers/directory';
import { compileRevision } from '../controlplane/compile';
import { translateMesh, DEFAULT_TRANSLATE_OPTIONS } from '../xds/translate';
import { resourcesAsJson } from '../admin/configDump';
import { parseDocuments } from '../sources/document';

interface TranslateCliOptions {
  file: string;
  node?: string;
  output: 'json' | 'yaml';
}

export function registerTranslate(program: Command): void {
  program
    .command('translate')
    .description('compile sources offline and print the Envoy resources a proxy would get')
    .requiredOption('-f, --file <file|dir>', 'source file or directory')
    .option('--node <file>', 'file with an Envoy node object (id, cluster, metadata) to compile for')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']).default('json'))
    .action(async (opts: TranslateCliOptions) => {
      process.exitCode = await translate(opts);
    });
}

/** Returns the exit status: 1 when any input was rejected, so scripts and CI can gate on it. */
async function translate(opts: TranslateCliOptions): Promise<number> {
  if (opts.node) {
    const text = fs.readFileSync(opts.node, 'utf8');
    const parsed = parseDocuments(opts.node, text);
    if (parsed.diagnostics.length > 0 || parsed.documents.length !== 1) {
      for (const d of parsed.diagnostics) console.error(formatDiagnostic(d));
      console.error(`--node ${opts.node}: expected one Envoy node object`);
      return 1;
    }
  }
  const input = await readSourceDirectory(opts.file);
  const compiled = compileRevision(input, new Map());
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
