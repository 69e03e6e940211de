/**
 * Golden cases: test/golden/sources/istio/<case>/input.yaml → mesh.json + diagnostics.txt.
 * `UPDATE_GOLDEN=1` rewrites the expected files; read the diff against spec/sources-istio.md
 * before committing it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic } from '../../src/lib/errors';
import { repoPath } from '../support/paths';
import { runPipeline } from './pipeline';

const ROOT = repoPath('test', 'golden', 'sources', 'istio');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function check(file: string, actual: string): void {
  if (UPDATE) fs.writeFileSync(file, actual);
  assert.ok(fs.existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, fs.readFileSync(file, 'utf8'), `${path.relative(ROOT, file)} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

describe('istio golden cases', () => {
  const cases = fs.readdirSync(ROOT).filter((d) => fs.existsSync(path.join(ROOT, d, 'input.yaml'))).sort();
  it('has cases', () => assert.ok(cases.length > 0));
  for (const name of cases) {
    it(name, () => {
      const dir = path.join(ROOT, name);
      const result = runPipeline(fs.readFileSync(path.join(dir, 'input.yaml'), 'utf8'));
      check(path.join(dir, 'mesh.json'), `${JSON.stringify(result.mesh, null, 2)}\n`);
      check(path.join(dir, 'diagnostics.txt'), result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join(''));
    });
  }
});
