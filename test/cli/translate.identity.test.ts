/**
 * `ricochet translate` compiles for one proxy identity, read like a connecting Envoy's node
 * (DESIGN.md, proxy identity): `--node <file>` (its metadata), then the flags `--namespace`,
 * `--service-account`, `--labels`, `--role`, `--gateway` on top; `--default-retry-policy` as
 * `serve` has it. Diagnostics, precedence warnings included, go to stderr.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { proxyIdentityFromOptions } from '../../src/cli/translate';
import { repoPath } from '../support/paths';

interface Json { [k: string]: unknown }

function ricochet(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [repoPath('bin', 'ricochet.js'), ...args], { encoding: 'utf8', cwd: repoPath() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-cli-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const EXAMPLE = 'examples/fsm-retry-curl-httpbin';
const HTTPBIN_VHOST = 'httpbin.httpbin.svc.cluster.local:14001';

/** The first route of a virtual host in `translate`'s JSON output. */
function routeOf(stdout: string, vhost: string): Json {
  const out = JSON.parse(stdout) as { routes: Array<{ virtualHosts: Array<{ name: string; routes: Json[] }> }> };
  const vh = out.routes[0].virtualHosts.find((v) => v.name === vhost);
  assert.ok(vh, `virtual host ${vhost}`);
  return vh.routes[0];
}

const retryPolicyOf = (stdout: string, vhost = HTTPBIN_VHOST): unknown => (routeOf(stdout, vhost).route as Json).retryPolicy;
const SEED_POLICY = { retryOn: '5xx', numRetries: 5, perTryTimeout: '1s', retryBackOff: { baseInterval: '1s' } };

describe('cli: ricochet translate for a proxy identity', function () {
  // Each case starts one to four `ricochet` processes (about 1.5 s each).
  this.timeout(60_000);

  it('--namespace curl --service-account curl: the FSM Retry applies to the httpbin route, with its provenance in route metadata', () => {
    const r = ricochet('translate', '-f', EXAMPLE, '--namespace', 'curl', '--service-account', 'curl');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(retryPolicyOf(r.stdout), SEED_POLICY);
    const meta = ((routeOf(r.stdout, HTTPBIN_VHOST).metadata as Json).filterMetadata as Json).ricochet as Json;
    assert.equal(meta.retryPolicyFrom, 'Retry curl/retry');
  });

  it('without identity flags (a sidecar in default) the same sources give no retry policy', () => {
    const r = ricochet('translate', '-f', EXAMPLE);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(retryPolicyOf(r.stdout), undefined);
  });

  it('--node reads the identity from an Envoy node object (or a whole bootstrap); flags win over it', () => {
    const dir = tempDir({
      'node.yaml': 'id: curl.curl\ncluster: curl\nmetadata: {NAMESPACE: curl, SERVICE_ACCOUNT: curl, LABELS: {app: curl}}\n',
      'bootstrap.yaml': 'node:\n  id: curl.curl\n  cluster: curl\n  metadata: {NAMESPACE: curl, SERVICE_ACCOUNT: curl}\nadmin: {}\n',
    });
    assert.deepEqual(retryPolicyOf(ricochet('translate', '-f', EXAMPLE, '--node', path.join(dir, 'node.yaml')).stdout), SEED_POLICY);
    assert.deepEqual(retryPolicyOf(ricochet('translate', '-f', EXAMPLE, '--node', path.join(dir, 'bootstrap.yaml')).stdout), SEED_POLICY);
    const r = ricochet('translate', '-f', EXAMPLE, '--node', path.join(dir, 'node.yaml'), '--service-account', 'other');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(retryPolicyOf(r.stdout), undefined);
  });

  it('--role gateway: a gateway proxy whose Gateway does not exist gets no listener and no route (never the sidecar egress)', () => {
    const r = ricochet('translate', '-f', EXAMPLE, '--namespace', 'curl', '--service-account', 'curl', '--role', 'gateway');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { listeners: unknown[]; routes: unknown[]; clusters: unknown[] };
    assert.deepEqual([out.listeners, out.routes], [[], []]);
    assert.ok(out.clusters.length > 0, 'clusters are still sent');
  });

  it('--default-retry-policy istio gives a Service no policy touches Istio\'s default', () => {
    const r = ricochet('translate', '-f', EXAMPLE, '--namespace', 'curl', '--service-account', 'curl', '--default-retry-policy', 'istio');
    assert.equal(r.status, 0, r.stderr);
    assert.equal((retryPolicyOf(r.stdout, 'curl.curl.svc.cluster.local:80') as Json).retryOn, 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes');
    assert.deepEqual(retryPolicyOf(r.stdout), SEED_POLICY, 'the Retry still wins on httpbin (destination beats default)');
  });

  it('precedence warnings go to stderr: a VirtualService with retries beats the Retry and the warning names it', () => {
    const dir = tempDir({
      'retry.yaml': fs.readFileSync(repoPath(EXAMPLE, 'retry.yaml'), 'utf8'),
      'services.yaml': fs.readFileSync(repoPath(EXAMPLE, 'services.yaml'), 'utf8'),
      'vs.yaml': 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: httpbin, namespace: httpbin}\nspec:\n  hosts: [httpbin.httpbin.svc.cluster.local]\n  http:\n  - route: [{destination: {host: httpbin.httpbin.svc.cluster.local}}]\n    retries: {attempts: 2, retryOn: gateway-error}\n',
    });
    const r = ricochet('translate', '-f', dir, '--namespace', 'curl', '--service-account', 'curl');
    assert.equal(r.status, 0, r.stderr);
    assert.equal((retryPolicyOf(r.stdout) as Json).retryOn, 'gateway-error');
    assert.match(r.stderr, /Warning \[RCO0140\] \(Retry curl\/retry\) its retry policy is not used on route httpbin\.httpbin\.svc\.cluster\.local:14001\/- for sidecars of ServiceAccount curl\/curl: VirtualService httpbin\/httpbin takes precedence/);
  });

  it('bad identity input is refused with exit status 1 and a message naming the flag', () => {
    const labels = ricochet('translate', '-f', EXAMPLE, '--labels', 'app');
    assert.equal(labels.status, 1);
    assert.match(labels.stderr, /--labels app: "app" is not key=value/);
    const gw = ricochet('translate', '-f', EXAMPLE, '--role', 'sidecar', '--gateway', 'default/gw');
    assert.equal(gw.status, 1);
    assert.match(gw.stderr, /--gateway .* cannot be used with --role sidecar/);
    const role = ricochet('translate', '-f', EXAMPLE, '--role', 'router');
    assert.notEqual(role.status, 0);
    assert.match(role.stderr, /Allowed choices are sidecar, gateway/);
    const node = ricochet('translate', '-f', EXAMPLE, '--node', '/nonexistent/node.yaml');
    assert.equal(node.status, 1);
    assert.match(node.stderr, /--node \/nonexistent\/node\.yaml: cannot read it/);
  });
});

describe('cli: translate identity flags → ProxyIdentity (as views.ts reads node metadata)', () => {
  it('flags map to NAMESPACE, SERVICE_ACCOUNT, LABELS, ROLE, GATEWAY', () => {
    assert.deepEqual(proxyIdentityFromOptions({ namespace: 'curl', serviceAccount: 'curl', labels: 'app=curl, version=v1' }),
      { role: 'sidecar', namespace: 'curl', serviceAccount: 'curl', labels: { app: 'curl', version: 'v1' } });
  });

  it('--gateway ns/name implies --role gateway', () => {
    assert.deepEqual(proxyIdentityFromOptions({ gateway: 'infra/gw' }),
      { role: 'gateway', namespace: 'default', serviceAccount: 'default', labels: {}, gateway: { namespace: 'infra', name: 'gw' } });
  });

  it('--gateway must be ns/name', () => {
    assert.match(String(proxyIdentityFromOptions({ gateway: 'gw' })), /write <namespace>\/<name>/);
  });

  it('no input is the default proxy (a sidecar in default)', () => {
    assert.deepEqual(proxyIdentityFromOptions({}), { role: 'sidecar', namespace: 'default', serviceAccount: 'default', labels: {} });
  });
});
