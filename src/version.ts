import * as fs from 'node:fs';
import * as path from 'node:path';

function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    const file = path.resolve(__dirname, rel);
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

export const VERSION = readVersion();
