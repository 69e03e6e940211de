/**
 * The two gateway seed examples compiled for their Gateway's proxy (ROLE gateway, GATEWAY ns/name),
 * as `ricochet translate --gateway` prints them: golden files test/golden/translate/<example>.gateway.json,
 * a round trip through Envoy's protos, and the retry policy each doc promises
 * (spec/sources-kuma-fsm.md §2.3 "Suggested Envoy mapping"; GEP-1731 and docs/sources/gatewayapi.md).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { readSourceDirectory } from '../../src/providers/directory';
import { compileRevision } from '../../src/controlplane/compile';
import { DEFAULT_COMPILE_OPTIONS } from '../../src/sources';
import { translateMesh, DEFAULT_TRANSLATE_OPTIONS } from '../../src/xds/translate';
import { resourcesAsJson } from '../../src/admin/configDump';
import { decodeJson, encodeJson, type JsonObject } from '../../src/lib/protos/protoJson';
import { repoPath } from '../support/paths';

const CASES = [
  { example: 'fsm-gateway-retry-fortio', gateway: { namespace: 'server', name: 'simple-fsm-gateway' } },
  { example: 'gatewayapi-httproute-retry', gateway: { namespace: 'default', name: 'example-gateway' } },
];

async function translateFor(example: string, gateway: { namespace: string; name: string }): Promise<JsonObject> {
  const input = await readSourceDirectory(repoPath('examples', example));
  const proxy = { role: 'gateway' as const, namespace: gateway.namespace, serviceAccount: 'default', labels: {}, gateway };
  const compiled = compileRevision(input, new Map(), DEFAULT_COMPILE_OPTIONS, proxy);
  assert.deepEqual(compiled.diagnostics.filter((d) => d.severity === 'Error'), []);
  return resourcesAsJson(translateMesh(compiled.mesh, DEFAULT_TRANSLATE_OPTIONS));
}

function onlyRoute(out: JsonObject): JsonObject {
  const vhosts = (out.routes as JsonObject[]).flatMap((rc) => rc.virtualHosts as JsonObject[]);
  assert.equal(vhosts.length, 1);
  const routes = vhosts[0].routes as JsonObject[];
  assert.equal(routes.length, 1);
  return routes[0];
}

describe('translate: gateway seeds for their Gateway\'s proxy (golden)', () => {
  for (const { example, gateway } of CASES) {
    it(`${example} for gateway ${gateway.namespace}/${gateway.name} matches test/golden/translate/${example}.gateway.json`, async () => {
      const actual = await translateFor(example, gateway);
      const golden = repoPath('test', 'golden', 'translate', `${example}.gateway.json`);
      if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(golden)) fs.writeFileSync(golden, `${JSON.stringify(actual, null, 2)}\n`);
      assert.deepEqual(actual, JSON.parse(fs.readFileSync(golden, 'utf8')));
      for (const [key, type] of [['listeners', 'envoy.config.listener.v3.Listener'], ['routes', 'envoy.config.route.v3.RouteConfiguration']] as const) {
        for (const resource of actual[key] as JsonObject[]) {
          const { ['@type']: _t, ...body } = resource;
          assert.deepEqual(decodeJson(type, encodeJson(type, body)), body);
        }
      }
    });
  }

  it('FSM: the gateway listens on 8000 and retries fortio on 5xx, 5 times, base 2 s (§2.3)', async () => {
    const out = await translateFor('fsm-gateway-retry-fortio', CASES[0].gateway);
    assert.deepEqual((out.listeners as JsonObject[]).map((l) => [l.name, (l.address as JsonObject).socketAddress]), [
      ['gateway.server.simple-fsm-gateway.8000', { address: '127.0.0.1', portValue: 8000 }],
    ]);
    const route = onlyRoute(out);
    assert.equal((route.route as JsonObject).cluster, 'outbound|8080||fortio.server.svc.cluster.local');
    assert.deepEqual((route.route as JsonObject).retryPolicy, { retryOn: '5xx', numRetries: 5, retryBackOff: { baseInterval: '2s', maxInterval: '20s' } });
    assert.equal(((route.metadata as JsonObject).filterMetadata as JsonObject as { ricochet: JsonObject }).ricochet.retryPolicyFrom, 'RetryPolicy server/retry-policy-sample');
  });

  it('Gateway API: retries 500, 503 and 504 up to two additional attempts', async () => {
    const out = await translateFor('gatewayapi-httproute-retry', CASES[1].gateway);
    const route = onlyRoute(out);
    assert.deepEqual((route.route as JsonObject).retryPolicy, {
      retryOn: 'connect-failure,refused-stream,retriable-status-codes',
      numRetries: 2,
      retriableStatusCodes: [500, 503, 504],
    });
  });
});
