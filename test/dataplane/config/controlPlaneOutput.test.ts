/**
 * The contract with the control plane: every Envoy config Ricochet's translator emits (the
 * `envoy.json` goldens of test/golden, one per source-system case and example) must be served by
 * the data plane, nothing rejected — what Envoy would do with it, the data plane must do too.
 * The few gaps left are listed by golden with the reason; a golden that starts to pass must leave
 * the list, and a new rejection fails here naming the field.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonObject } from '../../../src/lib/protos/protoJson';
import { UnsupportedConfigError } from '../../../src/dataplane/config/fields';
import { snapshotFromResources } from '../../../src/dataplane/config/snapshot';
import { repoPath } from '../../support/paths';

/** Goldens whose config the data plane refuses today, with the field and why (see the final report). */
const KNOWN_GAPS: Record<string, RegExp> = {};

function goldens(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) goldens(p, out);
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

interface EnvoyJson {
  listeners?: JsonObject[];
  routes?: JsonObject[];
  clusters?: JsonObject[];
  endpoints?: JsonObject[];
}

/** The resources without their Any `@type` (snapshotFromResources takes the bare messages). */
const bare = (list: JsonObject[] | undefined): JsonObject[] => (list ?? []).map(({ ['@type']: _t, ...rest }) => rest);

describe('dataplane config: every config the control plane emits (test/golden) is served, nothing rejected', () => {
  const root = repoPath();
  const files = goldens(repoPath('test', 'golden')).filter((f) => {
    const j = JSON.parse(fs.readFileSync(f, 'utf8')) as EnvoyJson;
    return Array.isArray(j.listeners) && Array.isArray(j.clusters);
  });

  it('finds the goldens', () => {
    assert.ok(files.length > 10, `only ${files.length} Envoy goldens found`);
  });

  for (const file of files) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    it(rel, () => {
      const j = JSON.parse(fs.readFileSync(file, 'utf8')) as EnvoyJson;
      const gap = KNOWN_GAPS[rel];
      let err: unknown;
      try {
        snapshotFromResources({ listeners: bare(j.listeners), routes: bare(j.routes), clusters: bare(j.clusters), endpoints: bare(j.endpoints) });
      } catch (e) {
        err = e;
      }
      if (gap) {
        assert.ok(err instanceof UnsupportedConfigError && gap.test(err.message), `${rel} is listed as a known gap but ${err ? `fails otherwise: ${String(err)}` : 'is now served: remove it from KNOWN_GAPS'}`);
        return;
      }
      if (err) throw err;
    });
  }
});
