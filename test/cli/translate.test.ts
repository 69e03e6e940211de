import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { repoPath } from '../support/paths';

/** `ricochet translate` as a user runs it: a real process, its stdout, stderr and exit status. */
function ricochet(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [repoPath('bin', 'ricochet.js'), ...args], { encoding: 'utf8', cwd: repoPath() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-cli-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('cli: ricochet translate', function () {
  this.timeout(20_000);

  it('prints {listeners, routes, clusters, endpoints} as Envoy proto3 JSON (durations "2s", int64 as strings)', () => {
    const r = ricochet('translate', '-f', 'examples/httpstat-us');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, Array<Record<string, unknown>>>;
    assert.deepEqual(Object.keys(out), ['listeners', 'routes', 'clusters', 'endpoints']);
    assert.equal(out.listeners[0]['@type'], 'type.googleapis.com/envoy.config.listener.v3.Listener');
    const text = r.stdout;
    assert.match(text, /"perTryTimeout": "20s"/);
    assert.match(text, /"hostSelectionRetryMaxAttempts": "5"/);
    assert.match(text, /"retryOn": "connect-failure,refused-stream,retriable-status-codes"/);
  });

  it('-o yaml prints the same resources as YAML', () => {
    const json = JSON.parse(ricochet('translate', '-f', 'examples/httpstat-us').stdout) as unknown;
    const r = ricochet('translate', '-f', 'examples/httpstat-us', '-o', 'yaml');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(parse(r.stdout), json);
  });

  it('an invalid object: coded error with file, document, field path and line on stderr, exit status 1', () => {
    const file = tempFile('bad.yaml', [
      'apiVersion: networking.istio.io/v1beta1',
      'kind: ServiceEntry',
      'metadata: {name: a}',
      'spec: {hosts: [a.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}',
      '---',
      'apiVersion: networking.istio.io/v1beta1',
      'kind: VirtualService',
      'metadata: {name: a}',
      'spec:',
      '  hosts: [a.example.com]',
      '  http:',
      '  - route: [{destination: {host: a.example.com}}]',
      '    retries:',
      '      attempts: 3',
      '      perTryTimeout: 2x',
      '',
    ].join('\n'));
    const r = ricochet('translate', '-f', file);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Error \[RCO0106\] \(VirtualService default\/a\) spec\.http\[0\]\.retries\.perTryTimeout: "2x" is not a duration/);
    assert.match(r.stderr, /bad\.yaml:15:22 \(document 2\)/);
  });

  it('--node accepts an Envoy node object; a file that is not one is refused', () => {
    const node = tempFile('node.yaml', 'id: app.default\ncluster: app\nmetadata: {NAMESPACE: default}\n');
    assert.equal(ricochet('translate', '-f', 'examples/httpstat-us', '--node', node).status, 0);
    const bad = tempFile('node.yaml', 'id: [unterminated\n');
    const r = ricochet('translate', '-f', 'examples/httpstat-us', '--node', bad);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /node\.yaml/);
  });

  it('a path that does not exist is a coded error, not a crash', () => {
    const r = ricochet('translate', '-f', '/nonexistent/dir');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Error \[RCO0002\].*cannot read \/nonexistent\/dir/);
  });
});
