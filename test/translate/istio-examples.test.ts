/**
 * The Istio seed examples compile to what their docs promise (examples/istio-*; the goldens
 * under test/golden/translate/ hold the whole output, these pin the promised parts).
 */
import * as assert from 'node:assert/strict';
import { readSourceDirectory } from '../../src/providers/directory';
import { compileRevision } from '../../src/controlplane/compile';
import { translateMesh, DEFAULT_TRANSLATE_OPTIONS } from '../../src/xds/translate';
import { resourcesAsJson } from '../../src/admin/configDump';
import type { JsonObject } from '../../src/lib/protos/protoJson';
import { repoPath } from '../support/paths';

const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

async function routeAction(example: string, vhost: string): Promise<{ action: JsonObject; out: JsonObject; errors: string[] }> {
  const compiled = compileRevision(await readSourceDirectory(repoPath('examples', example)), new Map());
  const out = resourcesAsJson(translateMesh(compiled.mesh, DEFAULT_TRANSLATE_OPTIONS));
  const vh = ((out.routes as JsonObject[])[0].virtualHosts as JsonObject[]).find((v) => v.name === vhost);
  assert.ok(vh, `virtual host ${vhost}`);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'Error' || d.code === 'RCO0107').map((d) => d.message);
  return { action: (vh.routes as JsonObject[])[0].route as JsonObject, out, errors };
}

describe('Istio seed examples (sources-istio.md §1.4, §1.6, §4.3)', () => {
  it('ratings-route: default retryOn, numRetries 3, perTryTimeout 2s, to subset v1 whose cluster holds the v1 endpoint', async () => {
    const { action, out, errors } = await routeAction('istio-ratings-route', 'ratings.prod.svc.cluster.local:9080');
    assert.deepEqual(errors, []);
    assert.equal(action.cluster, 'outbound|9080|v1|ratings.prod.svc.cluster.local');
    const retry = action.retryPolicy as JsonObject;
    assert.deepEqual([retry.retryOn, retry.numRetries, retry.perTryTimeout, retry.retriableStatusCodes], [DEFAULT_RETRY_ON, 3, '2s', undefined]);
    const cla = (out.endpoints as JsonObject[]).find((e) => e.clusterName === 'outbound|9080|v1|ratings.prod.svc.cluster.local');
    assert.match(JSON.stringify(cla), /"address":"127\.0\.0\.1","portValue":8080/);
    assert.match(JSON.stringify(cla), /"version":"v1"/);
  });

  it('appflaky without retryOn: 10 retries of 5 ms, but only Istio\'s default conditions (no 5xx, no per-try timeout)', async () => {
    const { action, errors } = await routeAction('istio-appflaky-no-retryon', 'appflaky.retryns.svc.cluster.local:80');
    assert.deepEqual(errors, []);
    const retry = action.retryPolicy as JsonObject;
    assert.equal(action.cluster, 'outbound|80||appflaky.retryns.svc.cluster.local');
    assert.deepEqual([retry.retryOn, retry.numRetries, retry.perTryTimeout], [DEFAULT_RETRY_ON, 10, '0.005s']);
  });

  it('appflaky with retryOn "5xx": the same, retrying 5xx', async () => {
    const { action, errors } = await routeAction('istio-appflaky-retryon-5xx', 'appflaky.retryns.svc.cluster.local:80');
    assert.deepEqual(errors, []);
    const retry = action.retryPolicy as JsonObject;
    assert.deepEqual([retry.retryOn, retry.numRetries, retry.perTryTimeout], ['5xx', 10, '0.005s']);
  });
});
