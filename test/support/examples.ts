import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { repoPath } from './paths';

/**
 * A file of examples/<dir>/, as the e2e tests start from the same YAML users are shown, with
 * every `from` replaced by `to` (e.g. an endpoint port moved to this run's upstream). A
 * replacement that no longer matches fails, rather than leaving the example's port in place.
 */
export function readExample(dir: string, file: string, ...replacements: Array<[string, string]>): string {
  let text = fs.readFileSync(repoPath('examples', dir, file), 'utf8');
  for (const [from, to] of replacements) {
    assert.ok(text.includes(from), `examples/${dir}/${file} has no ${JSON.stringify(from)}`);
    text = text.split(from).join(to);
  }
  return text;
}
