import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { startApiServer, type ApiServer } from '../support/kubectl';
import { tableRows } from '../../src/cli/get';
import { resolveResource } from '../../src/cli/kinds';
import { formatTable, humanDuration } from '../../src/cli/output';
import { ricochet, said } from './cliHarness';

interface Obj { kind: string; metadata: { name: string; namespace?: string }; status?: { conditions?: Array<{ type: string; status: string; observedGeneration?: number }> } }

describe('cli: ricochet get (kubectl-1.20.md §5; against ricochet serve)', function () {
  this.timeout(30_000);
  let server: ApiServer;
  before(async () => {
    server = await startApiServer();
    const r = await ricochet(['apply', '-f', 'examples/istio-ratings-route'], { server: server.url });
    assert.equal(r.status, 0, said(r));
    const kuma = await ricochet(['apply', '-f', 'examples/kuma-retry-universal'], { server: server.url });
    assert.equal(kuma.status, 0, said(kuma));
  });
  after(async () => server?.close());

  it('a table as kubectl prints it: the server\'s columns (NAME, the kind\'s columns, AGE), 3-space gaps', async () => {
    const r = await ricochet(['get', 'virtualservices'], { server: server.url });
    assert.equal(r.status, 0, said(r));
    const [header, row, ...rest] = r.stdout.trimEnd().split('\n');
    assert.match(header, /^NAME {12}GATEWAYS {3}HOSTS {2,}AGE$/);
    assert.match(row, /^ratings-route {2}\s+\["ratings\.prod\.svc\.cluster\.local"\] +\d+s$/);
    assert.deepEqual(rest, []);
  });

  it('names as kubectl resolves them: short name, singular, kind, plural.group, plural.version.group', async () => {
    for (const name of ['vs', 'virtualservice', 'VirtualService', 'virtualservices.networking.istio.io', 'virtualservices.v1beta1.networking.istio.io']) {
      const r = await ricochet(['get', name, '-o', 'name'], { server: server.url });
      assert.equal(r.status, 0, `${name}: ${said(r)}`);
      assert.equal(r.stdout, 'virtualservice.networking.istio.io/ratings-route\n', name);
    }
    // Cluster-scoped (Kuma's Retry): no namespace in the URL, found from any -n.
    const kuma = await ricochet(['get', 'retries.kuma.io', '-n', 'elsewhere', '-o', 'name'], { server: server.url });
    assert.equal(kuma.status, 0, said(kuma));
    assert.match(kuma.stdout, /^retry\.kuma\.io\/\S+$/m);
  });

  it('-A adds NAMESPACE (from rows[].object); an empty namespace says so on stderr, exit 0', async () => {
    const all = await ricochet(['get', 'dr', '-A'], { server: server.url });
    assert.equal(all.status, 0, said(all));
    assert.match(all.stdout, /^NAMESPACE {3}NAME {6}HOST {6}AGE\nprod {8}ratings {3}ratings {3}\d+s\n$/);
    const none = await ricochet(['get', 'dr'], { server: server.url });
    assert.equal(none.status, 0, said(none));
    assert.equal(none.stdout, '');
    assert.equal(none.stderr, 'No resources found in default namespace.\n');
  });

  it('-o yaml of one object: the object with status.conditions (Accepted, ResolvedRefs, Programmed, observedGeneration)', async () => {
    const r = await ricochet(['get', 'dr', 'ratings', '-n', 'prod', '-o', 'yaml'], { server: server.url });
    assert.equal(r.status, 0, said(r));
    const o = parse(r.stdout) as Obj;
    assert.equal(o.kind, 'DestinationRule');
    assert.equal(o.metadata.namespace, 'prod');
    const types = (o.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`);
    assert.deepEqual(types, ['Accepted=True', 'ResolvedRefs=True', 'Programmed=True']);
    assert.ok(o.status?.conditions?.every((c) => c.observedGeneration === 1));
    // kubectl's layout: sequences are not indented under their key.
    assert.match(r.stdout, /^ {2}subsets:\n {2}- /m);
  });

  it('-o json of a list: kubectl\'s v1 List wrapper around the items', async () => {
    const r = await ricochet(['get', 'svc,ep', '-n', 'prod', '-o', 'json'], { server: server.url });
    assert.equal(r.status, 0, said(r));
    const list = JSON.parse(r.stdout) as { kind: string; apiVersion: string; items: Obj[] };
    assert.equal(list.kind, 'List');
    assert.equal(list.apiVersion, 'v1');
    assert.deepEqual(list.items.map((i) => `${i.kind}/${i.metadata.name}`), ['Service/ratings', 'Endpoints/ratings']);
  });

  it('a category (istio-io) lists each kind in its own table, names prefixed with the kind', async () => {
    const r = await ricochet(['get', 'istio-io', '-A'], { server: server.url });
    assert.equal(r.status, 0, said(r));
    assert.match(r.stdout, /virtualservice\.networking\.istio\.io\/ratings-route/);
    assert.match(r.stdout, /\n\nNAMESPACE +NAME +HOST +AGE\nprod +destinationrule\.networking\.istio\.io\/ratings /);
  });

  it('not found: kubectl\'s "Error from server (NotFound)" and exit 1; an unknown kind lists what is served', async () => {
    const r = await ricochet(['get', 'vs', 'nope'], { server: server.url });
    assert.equal(r.status, 1, said(r));
    assert.equal(r.stderr, 'Error from server (NotFound): virtualservices.networking.istio.io "nope" not found\n');
    const k = await ricochet(['get', 'gadgets'], { server: server.url });
    assert.equal(k.status, 1, said(k));
    assert.match(k.stderr, /^error: the server doesn't have a resource type "gadgets" \(served: .*virtualservices \(vs\)/);
  });
});

describe('cli: get output without a server Table (kubectl-1.20.md §5.3)', () => {
  it('a plain list prints NAME and AGE computed from creationTimestamp (NAMESPACE first with -A)', () => {
    const created = new Date(Date.now() - 125_000).toISOString();
    const body = { kind: 'VirtualServiceList', items: [{ metadata: { name: 'a', namespace: 'x', creationTimestamp: created } }] };
    const rows = tableRows(body, resolveResource('vs'), { allNamespaces: true, wide: false, prefixKind: false });
    assert.deepEqual(rows, [['NAMESPACE', 'NAME', 'AGE'], ['x', 'a', '2m5s']]);
  });

  it('columns with priority > 0 only with -o wide', () => {
    const body = { kind: 'Table', columnDefinitions: [{ name: 'Name' }, { name: 'Detail', priority: 1 }, { name: 'Age' }], rows: [{ cells: ['a', 'd', '1s'] }] };
    assert.deepEqual(tableRows(body, resolveResource('vs'), { allNamespaces: false, wide: false, prefixKind: false }), [['NAME', 'AGE'], ['a', '1s']]);
    assert.deepEqual(tableRows(body, resolveResource('vs'), { allNamespaces: false, wide: true, prefixKind: false }), [['NAME', 'DETAIL', 'AGE'], ['a', 'd', '1s']]);
  });

  it('tabwriter layout (minwidth 6, padding 3, last column unpadded) and kubectl ages', () => {
    assert.equal(formatTable([['NAME', 'AGE'], ['ab', '5s']]), 'NAME   AGE\nab     5s\n');
    assert.equal(formatTable([['A', 'B']]), 'A     B\n');
    const ages: Array<[number, string]> = [[0, '0s'], [119_000, '119s'], [125_000, '2m5s'], [600_000, '10m'], [3 * 3600_000 + 60_000, '3h1m'], [9 * 3600_000, '9h'], [50 * 3600_000, '2d2h'], [9 * 86400_000, '9d'], [800 * 86400_000, '2y70d']];
    for (const [ms, text] of ages) assert.equal(humanDuration(ms), text, String(ms));
  });
});
