/**
 * Where the installed package's own files are (bin/ricochet.js, examples/, .cache/): the demo
 * runs from dist/src/demo, or from src/demo under a TypeScript loader.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError } from '../cli/cliError';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  for (const rel of ['../../..', '../..']) {
    const dir = path.resolve(__dirname, rel);
    if (fs.existsSync(path.join(dir, 'bin', 'ricochet.js')) && fs.existsSync(path.join(dir, 'examples'))) {
      root = dir;
      return dir;
    }
  }
  throw new CliError(`cannot find Ricochet's bin/ricochet.js and examples/ above ${__dirname}; run the demo from a checkout (npm run demo)`);
}

export function packagePath(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}
