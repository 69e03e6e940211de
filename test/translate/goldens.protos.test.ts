/**
 * Every Envoy golden in the repository (test/golden/**\/envoy.json and test/golden/translate/*.json)
 * must be valid Envoy config: each resource encodes with Envoy's own protos and decodes back
 * unchanged. A field name typo, a wrong type or a proto missing from src/lib/protos/roots.json
 * fails here, not on a proxy.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeJson, encodeJson, type JsonObject } from '../../src/lib/protos/protoJson';
import { repoPath } from '../support/paths';

const KINDS: Array<[string, string]> = [
  ['listeners', 'envoy.config.listener.v3.Listener'],
  ['routes', 'envoy.config.route.v3.RouteConfiguration'],
  ['clusters', 'envoy.config.cluster.v3.Cluster'],
  ['endpoints', 'envoy.config.endpoint.v3.ClusterLoadAssignment'],
];

function goldenFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...goldenFiles(full));
    else if (entry.name === 'envoy.json' || (path.basename(dir) === 'translate' && entry.name.endsWith('.json'))) out.push(full);
  }
  return out.sort();
}

/** proto3 JSON has no empty repeated fields: `endpoints: []` and its absence are the same config. */
function withoutEmptyLists(v: unknown): JsonObject {
  const strip = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(strip);
    if (x && typeof x === 'object') {
      return Object.fromEntries(Object.entries(x).filter(([, y]) => !(Array.isArray(y) && y.length === 0)).map(([k, y]) => [k, strip(y)]));
    }
    return x;
  };
  return strip(v) as JsonObject;
}

describe('translate: every Envoy golden is valid Envoy config (proto round trip)', () => {
  const files = goldenFiles(repoPath('test', 'golden'));
  it('there are goldens to check', () => assert.ok(files.length > 10, `found ${files.length}`));
  for (const file of files) {
    it(path.relative(repoPath('test', 'golden'), file), () => {
      const golden = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      for (const [key, type] of KINDS) {
        for (const resource of (golden[key] ?? []) as JsonObject[]) {
          const { ['@type']: _t, ...body } = resource;
          assert.deepEqual(decodeJson(type, encodeJson(type, body)), withoutEmptyLists(body), `${key} ${String(body.name ?? body.clusterName)}`);
        }
      }
    });
  }
});
