/**
 * `?watch=true` over a real socket (spec/kubectl-1.20.md §6, §7, §11 pitfalls 14–16, 20): one JSON
 * event per line as changes are committed; `resourceVersion=0` (or none) first sends ADDED for
 * what exists, `N` only what came after, a too-old N an ERROR event with a 410 Expired Status;
 * Table events when a Table is asked for; a client that goes away stops its store watch.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { JSON_HEADERS, startApi, type ApiHarness } from './apiHarness';

const VS = '/apis/networking.istio.io/v1alpha3/namespaces/prod/virtualservices';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

interface WatchEvent {
  type: string;
  object: { kind: string; code?: number; reason?: string; metadata?: { name?: string; resourceVersion?: string }; rows?: Array<{ cells: unknown[] }> };
}

/** An open watch: events as they arrive, and a way to hang up. */
class Watch {
  readonly events: WatchEvent[] = [];
  ended = false;
  contentType = '';
  private buffer = '';
  private waiters: Array<() => void> = [];
  private readonly req: http.ClientRequest;

  constructor(port: number, path: string, accept = 'application/json') {
    this.req = http.get({ host: '127.0.0.1', port, path, headers: { accept } }, (res) => {
      this.contentType = String(res.headers['content-type']);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        this.buffer += chunk;
        let nl: number;
        while ((nl = this.buffer.indexOf('\n')) >= 0) {
          this.events.push(JSON.parse(this.buffer.slice(0, nl)) as WatchEvent);
          this.buffer = this.buffer.slice(nl + 1);
        }
        this.wake();
      });
      res.on('end', () => {
        this.ended = true;
        this.wake();
      });
    });
    this.req.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async until(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  close(): void {
    this.req.destroy();
  }
}

function vs(name: string, hosts = ['ratings.prod.svc.cluster.local']): string {
  return JSON.stringify({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name }, spec: { hosts, http: [{ route: [{ destination: { host: hosts[0] } }] }] } });
}

describe('admin API watch (spec/kubectl-1.20.md §6)', function () {
  this.timeout(20_000);
  let h: ApiHarness;
  let port: number;
  const open: Watch[] = [];

  const watch = (path: string, accept?: string): Watch => {
    const w = new Watch(port, path, accept);
    open.push(w);
    return w;
  };
  const inject = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: string, type = 'application/json') =>
    h.app.inject({ method, url, payload, headers: { ...JSON_HEADERS, 'content-type': type } });

  beforeEach(async () => {
    h = await startApi({ store: { historyLimit: 3 } });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    port = (h.app.server.address() as { port: number }).port;
  });
  afterEach(async () => {
    for (const w of open.splice(0)) w.close();
    await h.close();
  });

  it('§6, §11 pitfall 15: `get NAME -w` (fieldSelector, resourceVersion=0) gets the initial ADDED first, then MODIFIED and DELETED', async () => {
    await inject('POST', VS, vs('reviews'));
    await inject('POST', VS, vs('other'));
    const w = watch(`${VS}?fieldSelector=metadata.name%3Dreviews&resourceVersion=0&watch=true`);
    await w.until(() => w.events.length >= 1, 'the initial ADDED');
    assert.match(w.contentType, /^application\/json/);
    assert.deepEqual(w.events.map((e) => [e.type, e.object.metadata?.name]), [['ADDED', 'reviews']]);
    await inject('PATCH', `${VS}/reviews`, JSON.stringify({ metadata: { labels: { a: 'b' } } }), 'application/merge-patch+json');
    await inject('PATCH', `${VS}/other`, JSON.stringify({ metadata: { labels: { a: 'b' } } }), 'application/merge-patch+json');
    await inject('DELETE', `${VS}/reviews`, '{"propagationPolicy":"Background"}\n');
    await w.until(() => w.events.length >= 3, 'MODIFIED and DELETED');
    assert.deepEqual(w.events.map((e) => [e.type, e.object.metadata?.name]), [['ADDED', 'reviews'], ['MODIFIED', 'reviews'], ['DELETED', 'reviews']]);
    assert.ok(Number(w.events[2].object.metadata?.resourceVersion) > Number(w.events[1].object.metadata?.resourceVersion));
  });

  it('§6, §11 pitfalls 14, 16: `get -w` watches from the list\'s resourceVersion: no replay, Table events like the Table list', async () => {
    await inject('POST', VS, vs('a'));
    const list = await h.app.inject({ method: 'GET', url: `${VS}?limit=500`, headers: { accept: TABLE } });
    const rv = list.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    assert.notEqual(rv, '0');
    const w = watch(`${VS}?resourceVersion=${rv}&watch=true`, TABLE);
    await new Promise((r) => setTimeout(r, 100));
    await inject('POST', VS, vs('b'));
    await w.until(() => w.events.length >= 1, 'the ADDED of b');
    assert.equal(w.events.length, 1, 'nothing replayed from before the list');
    assert.equal(w.events[0].type, 'ADDED');
    assert.equal(w.events[0].object.kind, 'Table');
    assert.equal(w.events[0].object.rows?.[0].cells[0], 'b');
  });

  it('an empty store lists resourceVersion "00", never "0": watching from it replays nothing (§6)', async () => {
    const list = await h.app.inject({ method: 'GET', url: VS });
    const rv = list.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    assert.notEqual(rv, '0');
    const w = watch(`${VS}?resourceVersion=${rv}&watch=true`);
    await new Promise((r) => setTimeout(r, 100));
    await inject('POST', VS, vs('first'));
    await w.until(() => w.events.length >= 1, 'ADDED');
    assert.deepEqual(w.events.map((e) => [e.type, e.object.metadata?.name]), [['ADDED', 'first']]);
  });

  it('§6: a resourceVersion older than the kept history gets one ERROR event with a 410 Expired Status, then the stream ends', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) await inject('POST', VS, vs(n));
    const w = watch(`${VS}?resourceVersion=1&watch=true`);
    await w.until(() => w.ended, 'the end of the stream');
    assert.equal(w.events.length, 1);
    assert.equal(w.events[0].type, 'ERROR');
    assert.equal(w.events[0].object.kind, 'Status');
    assert.equal(w.events[0].object.code, 410);
    assert.equal(w.events[0].object.reason, 'Expired');
    const bad = await h.app.inject({ method: 'GET', url: `${VS}?resourceVersion=abc&watch=true` });
    assert.equal(bad.statusCode, 400);
  });

  it('§11 pitfall 20: a client that hangs up stops its store watch; timeoutSeconds ends the stream', async () => {
    let closed = 0;
    const original = h.store.watch.bind(h.store);
    h.store.watch = (from, listener) => {
      const sub = original(from, listener);
      return { close: () => { closed++; sub.close(); } };
    };
    const w = watch(`${VS}?watch=true`);
    await new Promise((r) => setTimeout(r, 100));
    await inject('POST', VS, vs('x'));
    await w.until(() => w.events.length >= 1, 'ADDED');
    w.close();
    const deadline = Date.now() + 3000;
    while (closed === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(closed, 1, 'the store watch is closed when the client goes away');
    const timed = watch(`${VS}?watch=true&timeoutSeconds=1`);
    await timed.until(() => timed.ended, 'the timeout', 4000);
    assert.deepEqual(timed.events.map((e) => e.type), ['ADDED'], 'current state first, then the end');
  });
});
