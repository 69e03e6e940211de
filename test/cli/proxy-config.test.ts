import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireEnvoy } from '../support/envoy';
import { SERVICE_ENTRY, VS_NO_RETRIES, VS_RETRY_5XX } from '../support/flakySources';
import { firstRouteRetryPolicy, startMesh, type MeshHarness } from '../support/mesh';
import { describeDomains, describeMatch, describeRetry } from '../../src/cli/proxyConfigTables';
import { eventually, removeDir, ricochet, said, scratchDir, tableOf } from './cliHarness';

const NODE = 'app.default'; // envoy/bootstrap.yaml's node id
const VHOST = 'flaky.test:80';

describe('cli: ricochet proxy-config on a real Envoy (ux-and-libraries.md §1.1, istioctl proxy-config)', function () {
  this.timeout(40_000);
  let mesh: MeshHarness;
  let server: string;
  const dirs: string[] = [];

  before(async function () {
    requireEnvoy(this);
    mesh = await startMesh({ sources: { 'serviceentry.yaml': SERVICE_ENTRY, 'virtualservice.yaml': VS_RETRY_5XX } });
    server = `http://127.0.0.1:${mesh.ports.admin}`;
    await mesh.envoy.waitFor((d) => firstRouteRetryPolicy(d, VHOST)?.retryOn === '5xx', 15_000);
  });
  after(async () => {
    await mesh?.close();
    dirs.forEach(removeDir);
  });
  const pc = (...args: string[]) => ricochet(['proxy-config', ...args], { server });

  it('routes: istioctl\'s columns plus RETRY (retryOn/numRetries/perTryTimeout) and FROM, the object the policy came from', async () => {
    const r = await pc('routes', NODE);
    assert.equal(r.status, 0, said(r));
    assert.match(r.stdout, /^NAME {5,}VHOST NAME {5,}DOMAINS {5,}MATCH {5,}VIRTUAL SERVICE {5,}RETRY {5,}FROM\n/);
    const row = tableOf(r.stdout).find((x) => x['VHOST NAME'] === VHOST);
    assert.deepEqual(row, {
      NAME: String(mesh.ports.egress), 'VHOST NAME': VHOST, DOMAINS: 'flaky.test', MATCH: '/*',
      'VIRTUAL SERVICE': 'flaky.default', RETRY: '5xx/4/-', FROM: 'VirtualService default/flaky',
    });
  });

  it('the short form of Envoy\'s own /config_dump (-f) equals the one of what Ricochet sent: Envoy runs that config', async () => {
    const dir = scratchDir({});
    dirs.push(dir);
    const file = path.join(dir, 'envoy.json');
    fs.writeFileSync(file, JSON.stringify(await mesh.envoy.configDump('include_eds')));
    for (const section of ['routes', 'listeners', 'endpoints']) {
      const sent = await pc(section, NODE);
      const running = await pc(section, '-f', file);
      assert.equal(running.status, 0, said(running));
      // Envoy's dump adds its bootstrap's static ADS cluster and that cluster's endpoint.
      assert.equal(running.stdout.split('\n').filter((l) => !l.includes('ricochet_xds')).join('\n'), sent.stdout, section);
    }
  });

  it('clusters, listeners and endpoints in istioctl\'s short form', async () => {
    const clusters = tableOf((await pc('clusters', NODE)).stdout);
    assert.deepEqual(clusters.find((c) => c['SERVICE FQDN'] === 'flaky.test'),
      { 'SERVICE FQDN': 'flaky.test', PORT: '80', SUBSET: '-', DIRECTION: 'outbound', TYPE: 'EDS', 'DESTINATION RULE': '' });
    const listeners = tableOf((await pc('listeners', NODE)).stdout);
    assert.deepEqual(listeners, [{ ADDRESSES: '127.0.0.1', PORT: String(mesh.ports.egress), MATCH: 'ALL', DESTINATION: `Route: ${mesh.ports.egress}` }]);
    const endpoints = tableOf((await pc('endpoints', NODE, '--cluster', 'outbound|80||flaky.test')).stdout);
    assert.deepEqual(endpoints, [{ ENDPOINT: `127.0.0.1:${mesh.upstream.port}`, STATUS: 'HEALTHY', 'OUTLIER CHECK': '-', CLUSTER: 'outbound|80||flaky.test' }]);
  });

  it('-o json prints the Envoy resources (RouteConfigurations with their metadata)', async () => {
    const r = await pc('routes', NODE, '-o', 'json');
    assert.equal(r.status, 0, said(r));
    const configs = JSON.parse(r.stdout) as Array<{ '@type': string; virtualHosts: Array<{ name: string; routes: Array<{ route: { retryPolicy?: { retryOn: string } } }> }> }>;
    assert.equal(configs[0]['@type'], 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration');
    const vh = configs.flatMap((c) => c.virtualHosts).find((v) => v.name === VHOST);
    assert.equal(vh?.routes[0].route.retryPolicy?.retryOn, '5xx');
  });

  it('follows the sources: without `retries` the route shows Istio\'s default policy, FROM default', async () => {
    mesh.writeSource('virtualservice.yaml', VS_NO_RETRIES);
    const row = await eventually(async () => {
      const found = tableOf((await pc('routes', NODE)).stdout).find((x) => x['VHOST NAME'] === VHOST);
      return found && found.RETRY !== '5xx/4/-' ? found : undefined;
    }, 'the new route');
    assert.equal(row.RETRY, 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes/2/-');
    assert.equal(row.FROM, 'default');
    assert.equal(row['VIRTUAL SERVICE'], 'flaky.default');
  });

  it('a proxy that is not connected: exit 1, naming the ones that are', async () => {
    const r = await pc('routes', 'nope.default');
    assert.equal(r.status, 1, said(r));
    assert.equal(r.stderr, `error: no proxy with node id "nope.default" is connected to ${server} (connected: ${NODE})\n`);
    const none = await pc('clusters');
    assert.equal(none.status, 1, said(none));
    assert.match(none.stderr, new RegExp(`name the proxy \\(its node id\\): connected: ${NODE.replace('.', '\\.')}`));
  });
});

describe('cli: proxy-config short-form cells', () => {
  it('domains as istioctl summarises them: no port, no .svc expansions, at most two', () => {
    const d = ['reviews.default.svc.cluster.local', 'reviews.default.svc.cluster.local:80', 'reviews.default.svc.cluster.local.', 'reviews.default.svc', 'reviews.default', 'reviews', '10.0.0.1'];
    assert.equal(describeDomains(d), 'reviews.default, reviews + 1 more...');
    // Ricochet's virtual hosts for ports other than 80 only list host:port domains.
    assert.equal(describeDomains(['a.example.com:8080', 'a.example.com.:8080']), 'a.example.com:8080');
    assert.equal(describeDomains(['*']), '*');
  });

  it('matches: prefix*, PathPrefix:, exact path, regex', () => {
    assert.equal(describeMatch({ prefix: '/' }), '/*');
    assert.equal(describeMatch({ pathSeparatedPrefix: '/api' }), 'PathPrefix:/api');
    assert.equal(describeMatch({ path: '/exact' }), '/exact');
    assert.equal(describeMatch({ safeRegex: { regex: '/v[0-9]+' } }), 'regex /v[0-9]+');
  });

  it('retry: the route\'s own policy, else the virtual host\'s marked (vhost); Envoy\'s default numRetries 1; - for none', () => {
    assert.equal(describeRetry({ route: { retryPolicy: { retryOn: '5xx', numRetries: 3, perTryTimeout: '2s' } } }, {}), '5xx/3/2s');
    assert.equal(describeRetry({ route: {} }, { retryPolicy: { retryOn: 'gateway-error' } }), 'gateway-error/1/- (vhost)');
    assert.equal(describeRetry({ route: { retryPolicy: { retryOn: 'reset' } } }, { retryPolicy: { retryOn: '5xx' } }), 'reset/1/-');
    assert.equal(describeRetry({ route: {} }, {}), '-');
  });
});
