/**
 * Golden cases: test/golden/sources/istio/<case>/input.yaml → mesh.json (IR, compileMesh),
 * envoy.json (translateMesh, checked against Envoy's protos) and diagnostics.txt. An optional
 * case.json sets the proxy (`{"proxy": {"namespace": "shop"}}`).
 * `UPDATE_GOLDEN=1` rewrites the expected files; read the diff against spec/sources-istio.md
 * before committing it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic } from '../../src/lib/errors';
import { DEFAULT_PROXY, type ProxyIdentity } from '../../src/ir/model';
import { decodeJson, encodeJson, type JsonObject } from '../../src/lib/protos/protoJson';
import { repoPath } from '../support/paths';
import { compileYaml, envoyJson } from './kubernetes.helpers';

const ROOT = repoPath('test', 'golden', 'sources', 'istio');
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

const TYPES: Array<[string, string]> = [
  ['listeners', 'envoy.config.listener.v3.Listener'],
  ['routes', 'envoy.config.route.v3.RouteConfiguration'],
  ['clusters', 'envoy.config.cluster.v3.Cluster'],
  ['endpoints', 'envoy.config.endpoint.v3.ClusterLoadAssignment'],
];

/** Every resource survives Envoy's protos unchanged: no unknown field, no non-canonical value. */
function assertRoundTrips(out: JsonObject): void {
  for (const [key, type] of TYPES) {
    for (const resource of out[key] as JsonObject[]) {
      const { ['@type']: _t, ...body } = resource;
      // An empty assignment is written `endpoints: []`, which proto3 JSON would leave out.
      if (Array.isArray(body.endpoints) && body.endpoints.length === 0) delete body.endpoints;
      assert.deepEqual(decodeJson(type, encodeJson(type, body)), body, `${key} ${String(body.name ?? body.clusterName)}`);
    }
  }
}

describe('istio golden cases', () => {
  const cases = fs.readdirSync(ROOT).filter((d) => fs.existsSync(path.join(ROOT, d, 'input.yaml'))).sort();
  it('has cases', () => assert.ok(cases.length > 0));
  for (const name of cases) {
    it(name, () => {
      const dir = path.join(ROOT, name);
      const result = compileYaml(fs.readFileSync(path.join(dir, 'input.yaml'), 'utf8'), proxyOf(dir));
      const envoy = envoyJson(result.mesh);
      check(path.join(dir, 'mesh.json'), `${JSON.stringify(result.mesh, null, 2)}\n`);
      check(path.join(dir, 'envoy.json'), `${JSON.stringify(envoy, null, 2)}\n`);
      check(path.join(dir, 'diagnostics.txt'), result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join(''));
      assertRoundTrips(envoy);
    });
  }
});
