import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startApiServer, type ApiServer } from '../support/kubectl';
import { get } from '../support/http';
import { repoPath } from '../support/paths';
import { ricochet, removeDir, said, scratchDir } from './cliHarness';

const EXAMPLE = 'examples/istio-ratings-route';
/** kubectl's lines for that example, in document order (files sorted by name). */
const CREATED = [
  'virtualservice.networking.istio.io/ratings-route created',
  'service/ratings created',
  'endpoints/ratings created',
  'pod/ratings-v1 created',
  'destinationrule.networking.istio.io/ratings created',
];

const INVALID_VS = [
  'apiVersion: networking.istio.io/v1beta1',
  'kind: VirtualService',
  'metadata: {name: flaky}',
  'spec:',
  '  hosts: [flaky.example.com]',
  '  http:',
  '  - route: [{destination: {host: flaky.example.com}}]',
  '    retries:',
  '      attempts: 3',
  '      perTryTimeout: 2x',
  '',
].join('\n');

const SERVICE_ENTRY = [
  'apiVersion: networking.istio.io/v1beta1',
  'kind: ServiceEntry',
  'metadata: {name: flaky}',
  'spec: {hosts: [flaky.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}',
  '',
].join('\n');

describe('cli: ricochet apply (ux-and-libraries.md §1.6, kubectl-1.20.md §4; against ricochet serve)', function () {
  this.timeout(30_000);
  let server: ApiServer;
  const dirs: string[] = [];
  before(async () => {
    server = await startApiServer();
  });
  after(async () => {
    await server?.close();
    dirs.forEach(removeDir);
  });
  const scratch = (files: Record<string, string>): string => {
    const d = scratchDir(files);
    dirs.push(d);
    return d;
  };
  const exists = async (p: string): Promise<boolean> => (await get(`${server.url}${p}`)).status === 200;

  it('applies a directory: kubectl\'s `created` lines, then `unchanged`, then `configured` for the one object changed', async () => {
    const first = await ricochet(['apply', '-f', EXAMPLE], { server: server.url });
    assert.equal(first.status, 0, said(first));
    assert.deepEqual(first.stdout.trim().split('\n'), CREATED);
    assert.ok(await exists('/apis/networking.istio.io/v1/namespaces/default/virtualservices/ratings-route'));

    const again = await ricochet(['apply', '-f', EXAMPLE], { server: server.url });
    assert.equal(again.status, 0, said(again));
    assert.deepEqual(again.stdout.trim().split('\n'), CREATED.map((l) => l.replace(/created$/, 'unchanged')));

    const dir = scratch({});
    for (const f of fs.readdirSync(repoPath(EXAMPLE)).filter((n) => n.endsWith('.yaml'))) fs.copyFileSync(repoPath(EXAMPLE, f), path.join(dir, f));
    const vs = path.join(dir, 'ratings-route.yaml');
    fs.writeFileSync(vs, fs.readFileSync(vs, 'utf8').replace('subset: v1', 'subset: v1\n      weight: 100'));
    const changed = await ricochet(['apply', '-f', dir], { server: server.url });
    assert.equal(changed.status, 0, said(changed));
    assert.match(changed.stdout, /^virtualservice\.networking\.istio\.io\/ratings-route configured$/m);
    assert.match(changed.stdout, /^destinationrule\.networking\.istio\.io\/ratings unchanged$/m);
  });

  it('-f - reads the bundle from stdin; -n names the namespace of documents that give none', async () => {
    const r = await ricochet(['apply', '-f', '-', '-n', 'team-a'], { server: server.url, input: `${SERVICE_ENTRY}---\n${INVALID_VS.replace('2x', '2s')}` });
    assert.equal(r.status, 0, said(r));
    assert.deepEqual(r.stdout.trim().split('\n'), ['serviceentry.networking.istio.io/flaky created', 'virtualservice.networking.istio.io/flaky created']);
    assert.ok(await exists('/apis/networking.istio.io/v1/namespaces/team-a/virtualservices/flaky'));
  });

  it('an invalid object: kubectl\'s "is invalid" message with the field, the file and its line; nothing of the bundle is stored; exit 1', async () => {
    const dir = scratch({ 'a-entry.yaml': SERVICE_ENTRY.replace(/flaky/g, 'bundle'), 'b-route.yaml': `# a comment line\n${INVALID_VS}` });
    const r = await ricochet(['apply', '-f', dir], { server: server.url });
    assert.equal(r.status, 1, said(r));
    assert.equal(r.stdout, '');
    const file = path.join(dir, 'b-route.yaml');
    assert.ok(r.stderr.includes(`error when applying "${file}": The VirtualService "flaky" is invalid:`), said(r));
    // Line 11 of b-route.yaml (the comment moved it down one): mapped back from the bundle's line.
    assert.match(r.stderr, /\* spec\.http\[0\]\.retries\.perTryTimeout: "2x" is not a duration.*\[RCO0106\] \(.*b-route\.yaml:11\)/);
    assert.match(r.stderr, /nothing was applied/);
    // Atomic: the valid ServiceEntry in the other file was not stored either.
    assert.equal(await exists('/apis/networking.istio.io/v1/namespaces/default/serviceentries/bundle'), false);
  });

  it('stdin is named STDIN in errors, as kubectl names it', async () => {
    const r = await ricochet(['apply', '-f', '-'], { server: server.url, input: INVALID_VS });
    assert.equal(r.status, 1, said(r));
    assert.match(r.stderr, /^error when applying "STDIN": The VirtualService "flaky" is invalid:\n\* spec\.http\[0\]\.retries\.perTryTimeout: .* \(STDIN:10\)$/m);
  });

  it('--dry-run=server: validated and compiled, printed with "(server dry run)", nothing stored', async () => {
    const dir = scratch({ 'se.yaml': SERVICE_ENTRY.replace(/flaky/g, 'dry') });
    const r = await ricochet(['apply', '-f', path.join(dir, 'se.yaml'), '--dry-run=server'], { server: server.url });
    assert.equal(r.status, 0, said(r));
    assert.equal(r.stdout, 'serviceentry.networking.istio.io/dry created (server dry run)\n');
    assert.equal(await exists('/apis/networking.istio.io/v1/namespaces/default/serviceentries/dry'), false);
  });

  it('a warning from the server (a route to a host nobody declares) is printed as kubectl prints Warning headers, with file:line', async () => {
    const dir = scratch({ 'vs.yaml': INVALID_VS.replace('2x', '2s').replace(/flaky/g, 'lonely') });
    const r = await ricochet(['apply', '-f', path.join(dir, 'vs.yaml')], { server: server.url });
    assert.equal(r.status, 0, said(r));
    assert.match(r.stderr, /^Warning: VirtualService default\/lonely: .*lonely\.example\.com.*\[RCO0101\] \(.*vs\.yaml:7\)$/m);
  });

  it('a missing file or an unreachable server: a message and exit 1, never a stack trace', async () => {
    const missing = await ricochet(['apply', '-f', '/nonexistent/x.yaml'], { server: server.url });
    assert.equal(missing.status, 1, said(missing));
    assert.match(missing.stderr, /^error: the path "\/nonexistent\/x\.yaml" does not exist/);
    const down = await ricochet(['apply', '-f', EXAMPLE], { server: 'http://127.0.0.1:1' });
    assert.equal(down.status, 1, said(down));
    assert.match(down.stderr, /cannot reach the Ricochet admin API at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    assert.doesNotMatch(down.stderr, /\n\s+at /);
  });
});
