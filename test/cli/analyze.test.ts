import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startApiServer, type ApiServer } from '../support/kubectl';
import { get } from '../support/http';
import { formatAnalyzerMessage, suppressedBy } from '../../src/cli/analyzeFormat';
import { Codes, type Diagnostic } from '../../src/lib/errors';
import { eventually, removeDir, ricochet, said, scratchDir } from './cliHarness';

/** One finding of each kind the issue names: unsupported field, conflicting policies, unknown host, policy target not found. */
const FILES: Record<string, string> = {
  'svc.yaml': [
    'apiVersion: v1',
    'kind: Service',
    'metadata: {name: web, namespace: default}',
    'spec:',
    '  ports: [{name: http, port: 80}]',
    '  sessionAffinity: ClientIP',
    '---',
    'apiVersion: v1',
    'kind: Endpoints',
    'metadata: {name: web, namespace: default}',
    'subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{name: http, port: 8080}]}]',
    '',
  ].join('\n'),
  'vs.yaml': [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata: {name: to-ghost, namespace: default}',
    'spec:',
    '  hosts: [web]',
    '  http:',
    '  - route: [{destination: {host: ghost}}]',
    '---',
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata: {name: web-too, namespace: default}',
    'spec:',
    '  hosts: [web]',
    '  http:',
    '  - route: [{destination: {host: web}}]',
    '',
  ].join('\n'),
  'retry.yaml': [
    'kind: Retry',
    'apiVersion: policy.flomesh.io/v1alpha1',
    'metadata: {name: retry, namespace: default}',
    'spec:',
    '  source: {kind: ServiceAccount, name: curl, namespace: default}',
    '  destinations:',
    '  - {kind: Service, name: nothere, namespace: default}',
    '  retryPolicy: {retryOn: "5xx", perTryTimeout: 1s, numRetries: 5, retryBackoffBaseInterval: 1s}',
    '',
  ].join('\n'),
};

/** What each finding must look like: istioctl's `<Level> [<Code>] (<Kind> <name>.<namespace> <file>:<line>) <details>`. */
const EXPECTED: RegExp[] = [
  /^Info \[RCO0133\] \(Service web\.default \S*svc\.yaml:6\) spec\.sessionAffinity: sessionAffinity ClientIP is not applied/m,
  /^Warning \[RCO0140\] \(VirtualService web-too\.default \S*vs\.yaml:13\) spec\.hosts\[0\]: host web\.default\.svc\.cluster\.local is already routed by VirtualService default\/to-ghost/m,
  /^Warning \[RCO0101\] \(VirtualService to-ghost\.default \S*vs\.yaml:7\) spec\.http\[0\]\.route\[0\]\.destination\.host: .*destination host ghost/m,
  /^Warning \[RCO0101\] \(Retry retry\.default \S*retry\.yaml:7\) spec\.destinations\[0\]: Service default\/nothere not found/m,
];

const INVALID = [
  'apiVersion: networking.istio.io/v1',
  'kind: VirtualService',
  'metadata: {name: bad}',
  'spec:',
  '  hosts: [web]',
  '  http:',
  '  - route: [{destination: {host: web}}]',
  '    retries: {attempts: 3, perTryTimeout: 2x}',
  '',
].join('\n');

describe('cli: ricochet analyze (ux-and-libraries.md §1.1, istioctl analyze)', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = scratchDir(FILES);
  });
  after(() => removeDir(dir));

  it('offline (-f): unknown destination host, policy target not found, conflicting policies, unsupported field, in istioctl\'s format', async () => {
    const r = await ricochet(['analyze', '-f', dir]);
    assert.equal(r.status, 0, said(r)); // warnings only: below the default failure threshold (Error)
    for (const re of EXPECTED) assert.match(r.stdout, re, said(r));
    assert.equal(r.stdout.trim().split('\n').length, EXPECTED.length, said(r));
  });

  it('--failure-threshold Warning makes warnings fail; --output-threshold hides lower levels; -S suppresses by code and resource', async () => {
    const strict = await ricochet(['analyze', '-f', dir, '--failure-threshold', 'Warning']);
    assert.equal(strict.status, 1, said(strict));
    const quiet = await ricochet(['analyze', '-f', dir, '--output-threshold', 'Warning', '-S', 'RCO0101=Retry *', '-S', 'RCO0140']);
    assert.equal(quiet.status, 0, said(quiet));
    assert.deepEqual(quiet.stdout.trim().split('\n').map((l) => l.split(' (')[0]), ['Warning [RCO0101]']);
    assert.match(quiet.stdout, /VirtualService to-ghost\.default/);
    // Suppressed messages no longer count towards the failure threshold either.
    const allSuppressed = await ricochet(['analyze', '-f', dir, '--failure-threshold', 'Warning', '-S', 'RCO01*=*']);
    assert.equal(allSuppressed.status, 0, said(allSuppressed));
  });

  it('an invalid field is an Error: exit 1; -o json gives code, level, message, origin, reference', async () => {
    const bad = scratchDir({ 'bad.yaml': INVALID });
    try {
      const r = await ricochet(['analyze', '-f', bad]);
      assert.equal(r.status, 1, said(r));
      assert.match(r.stdout, /^Error \[RCO0106\] \(VirtualService bad\.default \S*bad\.yaml:8\) spec\.http\[0\]\.retries\.perTryTimeout: "2x" is not a duration/m);
      const j = await ricochet(['analyze', '-f', bad, '-o', 'json']);
      assert.equal(j.status, 1, said(j));
      const messages = JSON.parse(j.stdout) as Array<Record<string, string>>;
      const error = messages.find((m) => m.level === 'Error');
      assert.ok(error, j.stdout);
      assert.equal(error.code, 'RCO0106');
      assert.equal(error.origin, 'VirtualService bad.default');
      assert.match(error.reference, /bad\.yaml:8$/);
      assert.equal(error.path, 'spec.http[0].retries.perTryTimeout');
    } finally {
      removeDir(bad);
    }
  });

  it('clean input: istioctl\'s "No validation issues found" on stderr, exit 0', async () => {
    const r = await ricochet(['analyze', '-f', 'examples/istio-ratings-route']);
    assert.equal(r.status, 0, said(r));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '\u2714 No validation issues found when analyzing examples/istio-ratings-route.\n');
  });

  describe('online (GET /debug/diagnostics of a running ricochet serve)', () => {
    let server: ApiServer;
    before(async () => {
      server = await startApiServer();
      for (const [name, text] of Object.entries(FILES)) fs.writeFileSync(path.join(server.sourcesDir, name), text);
      await eventually(async () => {
        const body = JSON.parse((await get(`${server.url}/debug/diagnostics`)).body) as { diagnostics: unknown[] };
        return body.diagnostics.length >= EXPECTED.length ? true : undefined;
      }, 'the control plane to read the sources');
    });
    after(async () => server?.close());

    it('the same findings for the objects it serves (files named as the server read them)', async () => {
      const r = await ricochet(['analyze'], { server: server.url });
      assert.equal(r.status, 0, said(r));
      for (const re of EXPECTED) assert.match(r.stdout, re, said(r));
    });

    it('an object applied through the API is analyzed too', async () => {
      const applied = await ricochet(['apply', '-f', '-'], { server: server.url, input: INVALID.replace('2x', '2s').replace('host: web}', 'host: phantom}').replace('name: bad', 'name: api-made') });
      assert.equal(applied.status, 0, said(applied));
      const r = await eventually(async () => {
        const out = await ricochet(['analyze'], { server: server.url });
        return /api-made\.default/.test(out.stdout) ? out : undefined;
      }, 'the applied object in the diagnostics');
      assert.match(r.stdout, /^Warning \[RCO0101\] \(VirtualService api-made\.default\b.*phantom/m);
    });

    it('no server: a message and exit 1', async () => {
      const r = await ricochet(['analyze'], { server: 'http://127.0.0.1:1' });
      assert.equal(r.status, 1, said(r));
      assert.match(r.stderr, /cannot reach the Ricochet admin API/);
    });
  });
});

describe('cli: analyzer message format', () => {
  const d: Diagnostic = {
    severity: 'Error', code: Codes.ReferencedResourceNotFound, message: 'Referenced gateway not found: "httpbin-gateway-bogus"',
    object: { kind: 'VirtualService', namespace: 'default', name: 'httpbin' },
  };

  it('istioctl\'s documented example, byte for byte (no location, no field path)', () => {
    assert.equal(formatAnalyzerMessage(d), 'Error [RCO0101] (VirtualService httpbin.default) Referenced gateway not found: "httpbin-gateway-bogus"');
  });

  it('cluster-scoped objects print `Kind name`; a file position follows the resource inside the parentheses', () => {
    const kuma: Diagnostic = { ...d, object: { kind: 'Retry', namespace: '', name: 'web-to-backend' }, location: { file: 'retry.yaml', line: 4, path: 'conf' } };
    assert.equal(formatAnalyzerMessage(kuma), 'Error [RCO0101] (Retry web-to-backend retry.yaml:4) conf: Referenced gateway not found: "httpbin-gateway-bogus"');
    const noObject: Diagnostic = { severity: 'Error', code: Codes.YamlSyntax, message: 'invalid YAML', location: { file: 'x.yaml', line: 2 } };
    assert.equal(formatAnalyzerMessage(noObject), 'Error [RCO0001] (x.yaml:2) invalid YAML');
  });

  it('--suppress patterns: code=resource with * wildcards', () => {
    assert.equal(suppressedBy(d, ['RCO0101=VirtualService httpbin.default']), true);
    assert.equal(suppressedBy(d, ['RCO0101=VirtualService *.default']), true);
    assert.equal(suppressedBy(d, ['RCO0101=VirtualService *.prod']), false);
    assert.equal(suppressedBy(d, ['RCO0140=*']), false);
    assert.equal(suppressedBy(d, ['*']), true);
  });
});
