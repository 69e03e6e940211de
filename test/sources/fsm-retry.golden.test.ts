/**
 * Golden cases for the FSM / OSM mesh `Retry` (spec/sources-kuma-fsm.md §2.1, §2.2):
 * test/golden/sources/fsm/retry-<case>/input.yaml, compiled for the proxy in node.yaml (an Envoy
 * node object; its metadata gives the identity, as `serve` reads it), → mesh.json (IR),
 * envoy.json (the Envoy resources) and diagnostics.txt. `UPDATE_GOLDEN=1` rewrites the expected
 * files; read the diff against the spec before committing it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { formatDiagnostic, type Diagnostic } from '../../src/lib/errors';
import type { Mesh, ProxyIdentity } from '../../src/ir/model';
import { proxyIdentityOf } from '../../src/controlplane/views';
import { parseDocuments } from '../../src/sources/document';
import { compileMesh, readObjects, validateObject } from '../../src/sources';
import type { SourceObject } from '../../src/sources/object';
import { translateMesh, DEFAULT_TRANSLATE_OPTIONS } from '../../src/xds/translate';
import { resourcesAsJson } from '../../src/admin/configDump';
import { repoPath } from '../support/paths';

const ROOT = repoPath('test', 'golden', 'sources', 'fsm');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function check(file: string, actual: string): void {
  if (UPDATE) fs.writeFileSync(file, actual);
  assert.ok(fs.existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, fs.readFileSync(file, 'utf8'), `${path.relative(ROOT, file)} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

/** The whole sources stage for one proxy: parse, read, validate (rejecting on Errors), compile. */
function compileFor(text: string, proxy: ProxyIdentity): { mesh: Mesh; diagnostics: Diagnostic[] } {
  const parsed = parseDocuments('input.yaml', text);
  const read = readObjects(parsed.documents);
  const diagnostics = [...parsed.diagnostics, ...read.diagnostics];
  const accepted: SourceObject[] = [];
  for (const object of read.objects) {
    const found = validateObject(object);
    diagnostics.push(...found);
    if (!found.some((d) => d.severity === 'Error')) accepted.push(object);
  }
  const compiled = compileMesh(accepted, proxy);
  return { mesh: compiled.mesh, diagnostics: [...diagnostics, ...compiled.diagnostics] };
}

describe('fsm Retry golden cases (§2.1, §2.2)', () => {
  const cases = fs.existsSync(ROOT) ? fs.readdirSync(ROOT).filter((d) => d.startsWith('retry-') && fs.existsSync(path.join(ROOT, d, 'input.yaml'))).sort() : [];
  it('has cases', () => assert.ok(cases.length > 0));
  for (const name of cases) {
    it(name, () => {
      const dir = path.join(ROOT, name);
      const node = parse(fs.readFileSync(path.join(dir, 'node.yaml'), 'utf8')) as { metadata?: Record<string, never> };
      const result = compileFor(fs.readFileSync(path.join(dir, 'input.yaml'), 'utf8'), proxyIdentityOf({ metadata: node.metadata ?? {} }));
      check(path.join(dir, 'mesh.json'), `${JSON.stringify(result.mesh, null, 2)}\n`);
      check(path.join(dir, 'envoy.json'), `${JSON.stringify(resourcesAsJson(translateMesh(result.mesh, DEFAULT_TRANSLATE_OPTIONS)), null, 2)}\n`);
      check(path.join(dir, 'diagnostics.txt'), result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join(''));
    });
  }
});
