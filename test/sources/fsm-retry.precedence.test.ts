/**
 * The worked example of docs/precedence.md, exactly: an Istio VirtualService with `retries` and
 * the seed FSM Retry (curl → httpbin) on the same Service, for the curl/curl sidecar. The
 * VirtualService's policy is written on the route (level route), the Retry is attached to the
 * destination (level destination): the VirtualService wins and the Retry's warning names it.
 * Without the VirtualService, the Retry applies. (src/ir/precedence.ts, rule 1.)
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Codes } from '../../src/lib/errors';
import type { ProxyIdentity } from '../../src/ir/model';
import type { JsonObject } from '../../src/lib/protos/protoJson';
import { repoPath } from '../support/paths';
import { compileYaml, envoyJson, type Compiled } from './pipeline';

const CURL: ProxyIdentity = { role: 'sidecar', namespace: 'curl', serviceAccount: 'curl', labels: {} };
const EXAMPLE = repoPath('examples', 'fsm-retry-curl-httpbin');
const SEED = ['retry.yaml', 'services.yaml'].map((f) => fs.readFileSync(`${EXAMPLE}/${f}`, 'utf8')).join('---\n');

const VIRTUAL_SERVICE = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: httpbin}
spec:
  hosts: [httpbin.httpbin.svc.cluster.local]
  http:
  - route: [{destination: {host: httpbin.httpbin.svc.cluster.local}}]
    retries: {attempts: 2, retryOn: gateway-error}
`;

const compile = (text: string): Compiled => compileYaml(text, CURL);

/** The Envoy route of httpbin:14001 as `translate` prints it. */
function httpbinRoute(text: string): JsonObject {
  const out = envoyJson(compile(text).mesh);
  const vhosts = (out.routes as JsonObject[])[0].virtualHosts as JsonObject[];
  const vh = vhosts.find((v) => v.name === 'httpbin.httpbin.svc.cluster.local:14001');
  assert.ok(vh, 'virtual host httpbin.httpbin.svc.cluster.local:14001');
  return (vh.routes as JsonObject[])[0];
}

const metadataOf = (route: JsonObject): JsonObject => ((route.metadata as JsonObject).filterMetadata as JsonObject).ricochet as JsonObject;

describe('docs/precedence.md worked example: VirtualService retries vs FSM Retry on one Service', () => {
  it('the VirtualService (route level) wins on the route; translate shows it in retryPolicyFrom', () => {
    const route = httpbinRoute(`${VIRTUAL_SERVICE}---\n${SEED}`);
    assert.deepEqual((route.route as JsonObject).retryPolicy, {
      retryOn: 'gateway-error',
      numRetries: 2,
      retryHostPredicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
      hostSelectionRetryMaxAttempts: '5',
    });
    assert.equal(metadataOf(route).retryPolicyFrom, 'VirtualService httpbin/httpbin');
  });

  it('the Retry gets one ConflictingPolicies warning naming the VirtualService and the rule', () => {
    const ds = compile(`${VIRTUAL_SERVICE}---\n${SEED}`).diagnostics.filter((d) => d.code === Codes.ConflictingPolicies);
    assert.equal(ds.length, 1, ds.map((d) => d.message).join('\n'));
    assert.equal(ds[0].severity, 'Warning');
    assert.deepEqual(ds[0].object, { kind: 'Retry', namespace: 'curl', name: 'retry' });
    assert.equal(ds[0].message,
      'its retry policy is not used on route httpbin.httpbin.svc.cluster.local:14001/- for sidecars of ServiceAccount curl/curl: '
      + 'VirtualService httpbin/httpbin takes precedence (a policy written on the route beats one attached to its destination; see docs/precedence.md)');
  });

  it('remove the VirtualService: the Retry applies, exactly as the FSM doc\'s values give', () => {
    const route = httpbinRoute(SEED);
    assert.deepEqual((route.route as JsonObject).retryPolicy, { retryOn: '5xx', numRetries: 5, perTryTimeout: '1s', retryBackOff: { baseInterval: '1s' } });
    assert.equal(metadataOf(route).retryPolicyFrom, 'Retry curl/retry');
    assert.equal(metadataOf(route).retryPolicyReason, 'Retry curl/retry (source ServiceAccount curl/curl)');
    assert.deepEqual(compile(SEED).diagnostics.filter((d) => d.severity !== 'Info' && d.code === Codes.ConflictingPolicies), []);
  });
});
