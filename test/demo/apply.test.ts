import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as YAML from 'yaml';
import { movePorts } from '../../src/demo/apply';
import { retryPolicyFor } from '../../src/demo/retryPolicy';
import { WALKTHROUGHS } from '../../src/demo/walkthroughs';
import { repoPath } from '../support/paths';

/**
 * What the demo changes in the examples before applying them (only the upstream's endpoint port
 * 8080 and FSM's Gateway listener port 8000), and how it reads the retry policy a proxy runs.
 */

const MOVES = { upstreamPort: 41234, gatewayPort: 42345 };
const example = (f: string): string => fs.readFileSync(repoPath('examples', f), 'utf8');
const docs = (text: string): unknown[] => YAML.parseAllDocuments(text).map((d) => d.toJS() as unknown);
/** The value at a path of parsed YAML, e.g. at(doc, 'spec', 'ports', 0). */
const at = (v: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>((x, k) => (x !== null && typeof x === 'object' ? (x as Record<string | number, unknown>)[k] : undefined), v);

describe('demo: example ports moved to this run\'s (src/demo/apply.ts)', () => {
  it('Endpoints: port 8080 moves, other ports (the curl client\'s 8081) and the Service stay', () => {
    const [httpbinSvc, httpbinEp, , curlEp] = docs(movePorts(example('fsm-retry-curl-httpbin/services.yaml'), MOVES));
    assert.equal(at(httpbinEp, 'subsets', 0, 'ports', 0, 'port'), 41234);
    assert.equal(at(curlEp, 'subsets', 0, 'ports', 0, 'port'), 8081);
    assert.deepEqual(at(httpbinSvc, 'spec', 'ports', 0), { name: 'http', port: 14001, targetPort: 8080 });
  });

  it('ServiceEntry endpoints move; the VirtualService is left byte for byte', () => {
    const original = example('httpstat-us-local/serviceentry.yaml');
    const moved = movePorts(original, MOVES);
    assert.equal(moved, original.replace('ports: {http: 8080}', 'ports: {http: 41234}'), 'only the port changes, comments and layout kept');
    const [se] = docs(moved);
    assert.deepEqual(at(se, 'spec', 'endpoints'), [{ address: '127.0.0.1', ports: { http: 41234 } }]);
    assert.deepEqual(at(se, 'spec', 'ports'), [{ number: 80, name: 'http', protocol: 'HTTP' }]);
    const vs = example('httpstat-us-local/virtualservice.yaml');
    assert.equal(movePorts(vs, MOVES), vs);
  });

  it('the Gateway listener and the HTTPRoute parentRef move together; the backend and RetryPolicy ports stay', () => {
    const [gw, route] = docs(movePorts(example('fsm-gateway-retry-fortio/gateway.yaml'), MOVES));
    assert.equal(at(gw, 'spec', 'listeners', 0, 'port'), 42345);
    assert.equal(at(route, 'spec', 'parentRefs', 0, 'port'), 42345);
    assert.equal(at(route, 'spec', 'rules', 0, 'backendRefs', 0, 'port'), 8080);
    const [policy] = docs(movePorts(example('fsm-gateway-retry-fortio/retrypolicy.yaml'), MOVES));
    assert.equal(at(policy, 'spec', 'ports', 0, 'port'), 8080);
  });

  it('every file a walkthrough applies exists and parses', () => {
    for (const w of WALKTHROUGHS) {
      for (const f of w.phases.flatMap((p) => p.apply)) assert.ok(docs(movePorts(example(f), MOVES)).length > 0, f);
    }
  });
});

describe('demo: the retry policy a proxy runs for a call (src/demo/retryPolicy.ts)', () => {
  // Envoy's own /config_dump spelling (snake_case).
  const dump = {
    configs: [{
      '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
      dynamic_route_configs: [{
        route_config: {
          name: '15001',
          virtual_hosts: [
            { name: 'backend:80', domains: ['backend', 'backend:80'], retry_policy: { retry_on: 'retriable-status-codes', num_retries: 5, retriable_status_codes: [500, 504] }, routes: [{ match: { prefix: '/' }, route: { cluster: 'b' } }] },
            { name: 'httpbin:14001', domains: ['httpbin.httpbin:14001'], routes: [{ match: { prefix: '/' }, route: { cluster: 'h', retry_policy: { retry_on: '5xx', num_retries: 5, per_try_timeout: '1s', retry_back_off: { base_interval: '1s' } } } }] },
            { name: 'allow_any', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'PassthroughCluster' } }] },
          ],
        },
      }],
    }],
  };

  it('the route\'s policy, else the virtual host\'s, matched by Host with or without its port', () => {
    assert.equal(retryPolicyFor(dump, 'httpbin.httpbin:14001', '/status/503'), 'retryOn 5xx, numRetries 5, perTryTimeout 1s, backoff 1s');
    assert.equal(retryPolicyFor(dump, 'backend', '/echo?status=500:30'), 'retryOn retriable-status-codes, numRetries 5, codes 500,504');
    assert.equal(retryPolicyFor(dump, 'backend:80', '/'), 'retryOn retriable-status-codes, numRetries 5, codes 500,504');
  });

  it('a host only the catch-all matches has none', () => {
    assert.equal(retryPolicyFor(dump, 'example.com', '/'), 'none');
    assert.equal(retryPolicyFor({ configs: [] }, 'example.com', '/'), 'no virtual host for example.com');
  });
});
