/**
 * Golden cases: test/golden/sources/kuma/<case>/input.yaml → mesh.json (IR, compileMesh),
 * envoy.json (translateMesh) and diagnostics.txt. An optional case.json sets the proxy, e.g.
 * `{"proxy": {"labels": {"kuma.io/service": "web"}}}` (a proxy's Kuma tags are its LABELS).
 * `UPDATE_GOLDEN=1` rewrites the expected files; read the diff against spec/sources-kuma-fsm.md §1
 * and docs/sources/kuma.md before committing it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic } from '../../src/lib/errors';
import { DEFAULT_PROXY, type ProxyIdentity } from '../../src/ir/model';
import { repoPath } from '../support/paths';
import { compileYaml, envoyJson } from './kubernetes.helpers';

const ROOT = repoPath('test', 'golden', 'sources', 'kuma');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function check(file: string, actual: string): void {
  if (UPDATE) fs.writeFileSync(file, actual);
  assert.ok(fs.existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, fs.readFileSync(file, 'utf8'), `${path.relative(ROOT, file)} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

function proxyOf(dir: string): ProxyIdentity {
  const file = path.join(dir, 'case.json');
  const settings = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { proxy?: Partial<ProxyIdentity> }) : {};
  return { ...DEFAULT_PROXY, ...settings.proxy };
}

describe('kuma golden cases (spec/sources-kuma-fsm.md §1, docs/sources/kuma.md)', () => {
  const cases = fs.readdirSync(ROOT).filter((d) => fs.existsSync(path.join(ROOT, d, 'input.yaml'))).sort();
  it('has cases', () => assert.ok(cases.length > 0));
  for (const name of cases) {
    it(name, () => {
      const dir = path.join(ROOT, name);
      const result = compileYaml(fs.readFileSync(path.join(dir, 'input.yaml'), 'utf8'), proxyOf(dir));
      check(path.join(dir, 'mesh.json'), `${JSON.stringify(result.mesh, null, 2)}\n`);
      check(path.join(dir, 'envoy.json'), `${JSON.stringify(envoyJson(result.mesh), null, 2)}\n`);
      check(path.join(dir, 'diagnostics.txt'), result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join(''));
    });
  }
});
