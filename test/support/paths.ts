import * as path from 'node:path';

/** Repository root, whether running from test/ (ts) or dist/test/ (compiled). */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

/** A path under the repository root. */
export function repoPath(...parts: string[]): string {
  return path.join(repoRoot, ...parts);
}
