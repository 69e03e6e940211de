/**
 * The Kuma examples (examples/kuma-*) compiled for the proxy their policies select — the one
 * whose LABELS carry the doc's `kuma.io/service` source — and checked against what the docs
 * promise (spec/sources-kuma-fsm.md §1.1.2, §1.2.3), against goldens in
 * test/golden/sources/kuma/examples/, and through Envoy's protos. The generic example goldens
 * (test/translate/examples.golden.test.ts) compile them for the default proxy, which no source
 * selects, so they show no retry policy at all.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { readSourceDirectory } from '../../src/providers/directory';
import { compileRevision } from '../../src/controlplane/compile';
import { DEFAULT_PROXY, type ProxyIdentity } from '../../src/ir/model';
import { DEFAULT_COMPILE_OPTIONS } from '../../src/sources';
import { kumaSelectors } from '../../src/sources/kuma';
import { translateMesh, DEFAULT_TRANSLATE_OPTIONS } from '../../src/xds/translate';
import { resourcesAsJson } from '../../src/admin/configDump';
import { decodeJson, encodeJson, type JsonObject } from '../../src/lib/protos/protoJson';
import { repoPath } from '../support/paths';

const EXAMPLES = fs.readdirSync(repoPath('examples')).filter((d) => d.startsWith('kuma-')).sort();
const BACKEND = 'backend.default.svc.cluster.local';

/** The proxy the example's policies select: its `kuma.io/service` selector as LABELS. */
async function compileForSource(example: string): Promise<{ proxy: ProxyIdentity; out: JsonObject }> {
  const input = await readSourceDirectory(repoPath('examples', example));
  const objects = [...compileRevision(input, new Map()).accepted.values()].filter((o) => o.group === 'kuma.io');
  const selector = kumaSelectors(objects).find((s) => s.kind === 'labels' && 'kuma.io/service' in s.match);
  assert.ok(selector && selector.kind === 'labels', `${example} selects proxies by kuma.io/service`);
  const proxy: ProxyIdentity = { ...DEFAULT_PROXY, labels: { ...selector.match } };
  const compiled = compileRevision(input, new Map(), DEFAULT_COMPILE_OPTIONS, proxy);
  assert.deepEqual(compiled.diagnostics.filter((d) => d.severity === 'Error'), [], 'examples compile without errors');
  return { proxy, out: resourcesAsJson(translateMesh(compiled.mesh, DEFAULT_TRANSLATE_OPTIONS)) };
}

function backendVirtualHost(out: JsonObject): JsonObject {
  const vh = ((out.routes as JsonObject[])[0].virtualHosts as JsonObject[]).find((v) => v.name === `${BACKEND}:80`);
  assert.ok(vh, 'backend virtual host');
  return vh;
}

const firstRoute = (vh: JsonObject): JsonObject => ((vh.routes as JsonObject[])[0].route as JsonObject);

/** What each doc promises for its backend, per Kuma's configurer. */
const PROMISES: Record<string, (out: JsonObject) => void> = {
  'kuma-retry-http': (out) => {
    // §1.1.2: status codes append to the default conditions; the method becomes a :method matcher; on the virtual host.
    assert.deepEqual(backendVirtualHost(out).retryPolicy, {
      retryOn: 'gateway-error,connect-failure,refused-stream,retriable-status-codes',
      numRetries: 5,
      perTryTimeout: '0.200s',
      retriableStatusCodes: [500, 504],
      retryBackOff: { baseInterval: '0.020s', maxInterval: '1s' },
      retriableRequestHeaders: [{ name: ':method', stringMatch: { exact: 'GET' } }],
    });
    assert.equal(firstRoute(backendVirtualHost(out)).retryPolicy, undefined);
  },
  'kuma-retry-universal': (out) => {
    // backend speaks gRPC here: the grpc section, tokens with `_` → `-`.
    assert.deepEqual(backendVirtualHost(out).retryPolicy, {
      retryOn: 'cancelled,deadline-exceeded,internal,resource-exhausted,unavailable',
      numRetries: 5,
      perTryTimeout: '0.200s',
      retryBackOff: { baseInterval: '0.020s', maxInterval: '1s' },
    });
  },
  'kuma-retry-tcp': (out) => {
    const listener = (out.listeners as JsonObject[]).find((l) => l.name === '127.0.0.1_6379');
    assert.ok(listener, 'a tcp_proxy listener on the service port');
    assert.match(JSON.stringify(listener), /"maxConnectAttempts":3/);
  },
  'kuma-meshretry': (out) => {
    // §1.2.3: the three policies merge; backend is http, so the http example decides, on the route.
    const vh = backendVirtualHost(out);
    assert.equal(vh.retryPolicy, undefined);
    assert.deepEqual(firstRoute(vh).retryPolicy, { retryOn: '5xx', numRetries: 10, retryBackOff: { baseInterval: '15s', maxInterval: '1200s' } });
  },
};

describe('translate: Kuma examples for the proxy their sources select (golden)', () => {
  it('every Kuma example has a promise checked here', () => assert.deepEqual(EXAMPLES, Object.keys(PROMISES).sort()));
  for (const example of EXAMPLES) {
    it(`${example}: as the doc promises, and matches test/golden/sources/kuma/examples/${example}.json`, async () => {
      const { proxy, out } = await compileForSource(example);
      PROMISES[example]?.(out);
      const golden = repoPath('test', 'golden', 'sources', 'kuma', 'examples', `${example}.json`);
      const text = `${JSON.stringify({ proxyLabels: proxy.labels, resources: out }, null, 2)}\n`;
      if (process.env.UPDATE_GOLDEN === '1') {
        fs.mkdirSync(repoPath('test', 'golden', 'sources', 'kuma', 'examples'), { recursive: true });
        fs.writeFileSync(golden, text);
      }
      assert.equal(text, fs.readFileSync(golden, 'utf8'));
    });
    it(`${example}: round-trips through Envoy's protos unchanged`, async () => {
      const { out } = await compileForSource(example);
      const kinds: Array<[string, string]> = [
        ['listeners', 'envoy.config.listener.v3.Listener'],
        ['routes', 'envoy.config.route.v3.RouteConfiguration'],
      ];
      for (const [key, type] of kinds) {
        for (const resource of out[key] as JsonObject[]) {
          const { ['@type']: _t, ...body } = resource;
          assert.deepEqual(decodeJson(type, encodeJson(type, body)), body, `${key} ${String(body.name)}`);
        }
      }
    });
  }
});
