/**
 * The golden runner every source system uses. A case is a folder `<dir>/<case>/` with:
 * - `input.yaml`: the objects, compiled as `serve` does (parse, read, validate, compileMesh);
 * - `case.json` (optional): `{"about": "...", "proxy": {...}, "options": {...}}`. `proxy` is a
 *   partial ProxyIdentity over the default sidecar (e.g. `{"namespace": "shop"}`, or a gateway:
 *   `{"role": "gateway", "namespace": "shop", "gateway": {"namespace": "shop", "name": "gw"}}`),
 *   `options` partial CompileOptions, `about` a note for readers;
 * and the expected outputs:
 * - `mesh.json`: the IR from compileMesh;
 * - `envoy.json`: the Envoy resources (translateMesh + resourcesAsJson), which must also survive
 *   Envoy's protos unchanged;
 * - `diagnostics.txt`: every diagnostic, one formatDiagnostic line each;
 * - `conditions.json`: the status conditions, for systems that write them (`conditions: true`).
 * `UPDATE_GOLDEN=1` rewrites the expected files; read the diff against the spec before committing.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic } from '../../src/lib/errors';
import { DEFAULT_PROXY, type ProxyIdentity } from '../../src/ir/model';
import { DEFAULT_COMPILE_OPTIONS, type CompileOptions } from '../../src/sources';
import { decodeJson, encodeJson, type JsonObject } from '../../src/lib/protos/protoJson';
import { compileYaml, envoyJson } from './pipeline';

export interface GoldenOptions {
  /** Only the case folders whose name starts with this (one folder may hold two systems' cases). */
  prefix?: string;
  /** Also compare `conditions.json`. */
  conditions?: boolean;
}

interface CaseSettings {
  about?: string;
  proxy?: Partial<ProxyIdentity>;
  options?: Partial<CompileOptions>;
}

const CASE_KEYS = new Set(['about', 'proxy', 'options']);

/** The proxy and compile options of a case folder (`case.json`; absent: the default sidecar). */
export function caseSettings(dir: string): { proxy: ProxyIdentity; options: CompileOptions } {
  const file = path.join(dir, 'case.json');
  const settings = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as CaseSettings) : {};
  // A misspelt key would otherwise silently compile the case for the default sidecar.
  const unknown = Object.keys(settings).filter((k) => !CASE_KEYS.has(k));
  assert.deepEqual(unknown, [], `${file}: unknown keys (accepted: ${[...CASE_KEYS].join(', ')})`);
  return { proxy: { ...DEFAULT_PROXY, ...settings.proxy }, options: { ...DEFAULT_COMPILE_OPTIONS, ...settings.options } };
}

const TYPES: Array<[string, string]> = [
  ['listeners', 'envoy.config.listener.v3.Listener'],
  ['routes', 'envoy.config.route.v3.RouteConfiguration'],
  ['clusters', 'envoy.config.cluster.v3.Cluster'],
  ['endpoints', 'envoy.config.endpoint.v3.ClusterLoadAssignment'],
];

/** Every resource survives Envoy's protos unchanged: no unknown field, no non-canonical value. */
export function assertRoundTrips(out: JsonObject): void {
  for (const [key, type] of TYPES) {
    for (const resource of out[key] as JsonObject[]) {
      const { ['@type']: _t, ...body } = resource;
      // An empty assignment is written `endpoints: []`, which proto3 JSON would leave out.
      if (Array.isArray(body.endpoints) && body.endpoints.length === 0) delete body.endpoints;
      assert.deepEqual(decodeJson(type, encodeJson(type, body)), body, `${key} ${String(body.name ?? body.clusterName)}`);
    }
  }
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** One `it` per case folder under `dir` (plus 'has cases', so an empty or moved folder fails). */
export function describeGoldenCases(title: string, dir: string, opts: GoldenOptions = {}): void {
  const update = process.env.UPDATE_GOLDEN === '1';
  const check = (file: string, actual: string): void => {
    if (update) fs.writeFileSync(file, actual);
    assert.ok(fs.existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
    assert.equal(actual, fs.readFileSync(file, 'utf8'), `${path.relative(dir, file)} differs (UPDATE_GOLDEN=1 rewrites it)`);
  };
  describe(title, () => {
    const prefix = opts.prefix ?? '';
    const cases = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => d.startsWith(prefix) && fs.existsSync(path.join(dir, d, 'input.yaml'))).sort() : [];
    it('has cases', () => assert.ok(cases.length > 0, `no case folder with an input.yaml in ${dir}`));
    for (const name of cases) {
      it(name, () => {
        const caseDir = path.join(dir, name);
        const { proxy, options } = caseSettings(caseDir);
        const result = compileYaml(fs.readFileSync(path.join(caseDir, 'input.yaml'), 'utf8'), proxy, options);
        const envoy = envoyJson(result.mesh);
        check(path.join(caseDir, 'mesh.json'), json(result.mesh));
        check(path.join(caseDir, 'envoy.json'), json(envoy));
        if (opts.conditions) check(path.join(caseDir, 'conditions.json'), json(result.conditions));
        check(path.join(caseDir, 'diagnostics.txt'), result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join(''));
        assertRoundTrips(envoy);
      });
    }
  });
}
