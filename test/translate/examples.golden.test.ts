import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSourceDirectory } from '../../src/providers/directory';
import { compileRevision } from '../../src/controlplane/compile';
import { translateMesh, DEFAULT_TRANSLATE_OPTIONS } from '../../src/xds/translate';
import { resourcesAsJson } from '../../src/admin/configDump';
import { encodeJson, decodeJson, type JsonObject } from '../../src/lib/protos/protoJson';
import { repoPath } from '../support/paths';

/**
 * Golden tests for the last two stages (IR → Envoy JSON) on every example folder, plus a
 * round trip through Envoy's own protos: an unknown or mistyped field fails here, not on Envoy.
 */
const examples = fs.readdirSync(repoPath('examples')).filter((d) => fs.statSync(repoPath('examples', d)).isDirectory()).sort();

async function translateDir(dir: string): Promise<JsonObject> {
  const input = await readSourceDirectory(dir);
  const compiled = compileRevision(input, new Map());
  const errors = compiled.diagnostics.filter((d) => d.severity === 'Error');
  assert.deepEqual(errors, [], `examples must compile without errors`);
  return resourcesAsJson(translateMesh(compiled.mesh, DEFAULT_TRANSLATE_OPTIONS));
}

describe('translate: examples → Envoy resources (golden)', () => {
  for (const example of examples) {
    it(`${example} matches test/golden/translate/${example}.json`, async () => {
      const actual = await translateDir(repoPath('examples', example));
      const golden = repoPath('test', 'golden', 'translate', `${example}.json`);
      if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(golden)) {
        fs.writeFileSync(golden, `${JSON.stringify(actual, null, 2)}\n`);
      }
      assert.deepEqual(actual, JSON.parse(fs.readFileSync(golden, 'utf8')));
    });

    it(`${example} round-trips through Envoy's protos unchanged`, async () => {
      const out = await translateDir(repoPath('examples', example));
      const kinds: Array<[string, string]> = [
        ['listeners', 'envoy.config.listener.v3.Listener'],
        ['routes', 'envoy.config.route.v3.RouteConfiguration'],
        ['clusters', 'envoy.config.cluster.v3.Cluster'],
        ['endpoints', 'envoy.config.endpoint.v3.ClusterLoadAssignment'],
      ];
      for (const [key, type] of kinds) {
        for (const resource of out[key] as JsonObject[]) {
          const { ['@type']: _t, ...body } = resource;
          assert.deepEqual(decodeJson(type, encodeJson(type, body)), body, `${key} ${String(body.name ?? body.clusterName)}`);
        }
      }
    });
  }

  it('the seed VirtualService compiles to the retry policy Istio ≥1.24 emits (sources-istio.md §1.5)', async () => {
    const out = await translateDir(repoPath('examples', 'httpstat-us'));
    const routes = out.routes as JsonObject[];
    const vhosts = routes[0].virtualHosts as JsonObject[];
    const vh = vhosts.find((v) => v.name === 'httpstat.us:80');
    assert.ok(vh, 'virtual host httpstat.us:80');
    const route = (vh.routes as JsonObject[])[0].route as JsonObject;
    assert.equal(route.cluster, 'outbound|80||httpstat.us');
    assert.equal(route.timeout, '0s');
    assert.deepEqual(route.retryPolicy, {
      retryOn: 'connect-failure,refused-stream,retriable-status-codes',
      numRetries: 3,
      perTryTimeout: '20s',
      retryHostPredicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
      hostSelectionRetryMaxAttempts: '5',
      retriableStatusCodes: [503],
    });
    const cluster = (out.clusters as JsonObject[]).find((c) => c.name === 'outbound|80||httpstat.us');
    assert.equal(cluster?.type, 'STRICT_DNS');
    assert.ok(path.basename(repoPath('examples')) === 'examples');
  });
});
