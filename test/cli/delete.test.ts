import * as assert from 'node:assert/strict';
import { startApiServer, type ApiServer } from '../support/kubectl';
import { get } from '../support/http';
import { ricochet, said } from './cliHarness';

const EXAMPLE = 'examples/istio-ratings-route';
const DR = '/apis/networking.istio.io/v1/namespaces/prod/destinationrules/ratings';
const VS = '/apis/networking.istio.io/v1/namespaces/default/virtualservices/ratings-route';

describe('cli: ricochet delete (kubectl-1.20.md §7; against ricochet serve)', function () {
  this.timeout(30_000);
  let server: ApiServer;
  before(async () => {
    server = await startApiServer();
  });
  // Every test starts from the whole example applied (re-created where a test deleted it).
  beforeEach(async () => {
    const r = await ricochet(['apply', '-f', EXAMPLE], { server: server.url });
    assert.equal(r.status, 0, said(r));
  });
  after(async () => server?.close());
  const status = async (p: string): Promise<number> => (await get(`${server.url}${p}`)).status;

  it('by kind and name: kubectl\'s `<kind>.<group> "<name>" deleted`, and the object is gone', async () => {
    const r = await ricochet(['delete', 'dr', 'ratings', '-n', 'prod'], { server: server.url });
    assert.equal(r.status, 0, said(r));
    assert.equal(r.stdout, 'destinationrule.networking.istio.io "ratings" deleted\n');
    assert.equal(await status(DR), 404);
    const again = await ricochet(['delete', 'dr', 'ratings', '-n', 'prod'], { server: server.url });
    assert.equal(again.status, 1, said(again));
    assert.equal(again.stderr, 'Error from server (NotFound): destinationrules.networking.istio.io "ratings" not found\n');
  });

  it('-f: every object of the files, each in its own namespace; a second run names the file in the NotFound error; --ignore-not-found is quiet', async () => {
    const r = await ricochet(['delete', '-f', EXAMPLE], { server: server.url });
    assert.equal(r.status, 0, said(r));
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'virtualservice.networking.istio.io "ratings-route" deleted',
      'service "ratings" deleted',
      'endpoints "ratings" deleted',
      'pod "ratings-v1" deleted',
      'destinationrule.networking.istio.io "ratings" deleted',
    ]);
    assert.equal(await status(VS), 404);
    assert.equal(await status(DR), 404);
    const again = await ricochet(['delete', '-f', `${EXAMPLE}/ratings-route.yaml`], { server: server.url });
    assert.equal(again.status, 1, said(again));
    assert.equal(again.stderr, `Error from server (NotFound): error when deleting "${EXAMPLE}/ratings-route.yaml": virtualservices.networking.istio.io "ratings-route" not found\n`);
    const quiet = await ricochet(['delete', '-f', EXAMPLE, '--ignore-not-found'], { server: server.url });
    assert.equal(quiet.status, 0, said(quiet));
    assert.equal(quiet.stdout + quiet.stderr, '');
  });

  it('--dry-run=server goes in the DeleteOptions body: printed "(server dry run)", nothing deleted', async () => {
    const r = await ricochet(['delete', 'vs', 'ratings-route', '--dry-run=server'], { server: server.url });
    assert.equal(r.status, 0, said(r));
    assert.equal(r.stdout, 'virtualservice.networking.istio.io "ratings-route" deleted (server dry run)\n');
    assert.equal(await status(VS), 200);
  });

  it('a file that cannot be read as objects deletes nothing and says where the problem is', async () => {
    const r = await ricochet(['delete', '-f', '-'], { server: server.url, input: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ratings-route}\n---\nkind: [\n' });
    assert.equal(r.status, 1, said(r));
    assert.match(r.stderr, /^error: nothing deleted:\nError \[RCO0001\] invalid YAML/);
    assert.equal(await status(VS), 200);
  });

  it('without a kind or names: usage help as an error', async () => {
    const r = await ricochet(['delete', 'vs'], { server: server.url });
    assert.equal(r.status, 1, said(r));
    assert.match(r.stderr, /name the vs to delete/);
  });
});
