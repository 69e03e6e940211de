/**
 * What `-f` names for apply and delete, as kubectl reads it: a file, `-` for stdin, or a
 * directory's `.yaml`, `.yml` and `.json` files in name order (its subdirectories too with
 * `-R`). Each file is kept whole: its name is what error messages point at.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError } from './cliError';

export interface InputFile {
  /** As the user will recognise it: the path given (relative stays relative), or `STDIN` as kubectl names it. */
  name: string;
  text: string;
}

const SOURCE_FILE = /\.(ya?ml|json)$/i;

export async function readInputs(targets: readonly string[], recursive = false): Promise<InputFile[]> {
  if (targets.length === 0) throw new CliError('name what to read with -f <file|dir|->');
  const out: InputFile[] = [];
  for (const target of targets) {
    if (target === '-') out.push({ name: 'STDIN', text: await readStdin() });
    else for (const file of listFiles(target, recursive)) out.push({ name: file, text: readFile(file) });
  }
  return out;
}

function listFiles(target: string, recursive: boolean): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (err) {
    throw new CliError(`the path "${target}" does not exist (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!stat.isDirectory()) return [target];
  const files: string[] = [];
  for (const e of fs.readdirSync(target, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(target, e.name);
    if (e.isDirectory() && recursive) files.push(...listFiles(p, true));
    else if (e.isFile() && SOURCE_FILE.test(e.name)) files.push(p);
  }
  if (files.length === 0 && !recursive) throw new CliError(`no .yaml, .yml or .json files in ${target} (add -R for its subdirectories)`);
  return files;
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}
