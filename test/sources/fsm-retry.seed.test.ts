/**
 * The seed: FSM's "Retry Policy" demo (examples/fsm-retry-curl-httpbin, the doc's Retry YAML
 * unchanged) compiled as `serve` and `translate` do, for the sidecar the doc runs curl in
 * (ServiceAccount curl, namespace curl). The examples golden (test/translate) compiles for the
 * default proxy, for which this Retry does not apply; this one compiles for curl/curl.
 * Golden: test/golden/sources/fsm/retry-seed-example/envoy.json (`UPDATE_GOLDEN=1` rewrites it).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { readSourceDirectory } from '../../src/providers/directory';
import { compileRevision } from '../../src/controlplane/compile';
import { proxyIdentityOf } from '../../src/controlplane/views';
import { DEFAULT_COMPILE_OPTIONS } from '../../src/sources';
import { translateMesh, DEFAULT_TRANSLATE_OPTIONS } from '../../src/xds/translate';
import { resourcesAsJson } from '../../src/admin/configDump';
import type { JsonObject } from '../../src/lib/protos/protoJson';
import { repoPath } from '../support/paths';

const EXAMPLE = repoPath('examples', 'fsm-retry-curl-httpbin');
const GOLDEN = repoPath('test', 'golden', 'sources', 'fsm', 'retry-seed-example', 'envoy.json');

async function translateFor(metadata: Record<string, string>): Promise<JsonObject> {
  const input = await readSourceDirectory(EXAMPLE);
  const compiled = compileRevision(input, new Map(), DEFAULT_COMPILE_OPTIONS, proxyIdentityOf({ metadata }));
  assert.deepEqual(compiled.diagnostics.filter((d) => d.severity !== 'Info'), [], 'the seed compiles with no errors and no warnings');
  return resourcesAsJson(translateMesh(compiled.mesh, DEFAULT_TRANSLATE_OPTIONS));
}

function httpbinRouteAction(out: JsonObject): JsonObject {
  const vhosts = (out.routes as JsonObject[])[0].virtualHosts as JsonObject[];
  const vh = vhosts.find((v) => v.name === 'httpbin.httpbin.svc.cluster.local:14001');
  assert.ok(vh, 'virtual host of httpbin port 14001');
  return (vh.routes as JsonObject[])[0].route as JsonObject;
}

describe('fsm Retry seed: FSM docs "Retry Policy" demo, curl → httpbin (§2.1, §2.2)', () => {
  it('for the curl/curl sidecar the httpbin route gets exactly the doc\'s values: 5xx, 5 retries, 1s per try, backoff base 1s (no max)', async () => {
    const action = httpbinRouteAction(await translateFor({ NAMESPACE: 'curl', SERVICE_ACCOUNT: 'curl' }));
    assert.equal(action.cluster, 'outbound|14001||httpbin.httpbin.svc.cluster.local');
    assert.equal(JSON.stringify(action.retryPolicy), '{"retryOn":"5xx","numRetries":5,"perTryTimeout":"1s","retryBackOff":{"baseInterval":"1s"}}');
  });

  it('matches the golden Envoy resources for curl/curl', async () => {
    const actual = await translateFor({ NAMESPACE: 'curl', SERVICE_ACCOUNT: 'curl' });
    if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(GOLDEN)) {
      fs.mkdirSync(repoPath('test', 'golden', 'sources', 'fsm', 'retry-seed-example'), { recursive: true });
      fs.writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
    }
    assert.deepEqual(actual, JSON.parse(fs.readFileSync(GOLDEN, 'utf8')));
  });

  it('for the default proxy (namespace default), and for another ServiceAccount in curl, the route has no retry policy', async () => {
    assert.equal(httpbinRouteAction(await translateFor({})).retryPolicy, undefined);
    assert.equal(httpbinRouteAction(await translateFor({ NAMESPACE: 'curl', SERVICE_ACCOUNT: 'other' })).retryPolicy, undefined);
  });
});
