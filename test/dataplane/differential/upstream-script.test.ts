import * as assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { parseScript, ScriptBook, ScriptError, startUpstream, stepFor, type Upstream } from '../../../src/upstream';
import { request } from '../../support/http';

/** The scripted upstream the differential suite relies on (src/upstream/script.ts), without any proxy. */

describe('upstream script: parsing', () => {
  it('reads statuses, repeats, parameters and verbs', () => {
    const steps = parseScript('503*2;h=retry-after:1;h=x-envoy-ratelimited:yes, 200;delay=50ms;body=a%2Cb , hang,close,garbage,rst,rst:INTERNAL_ERROR,rst:8,200;t=grpc-status:14;abort');
    assert.deepEqual(steps.map((s) => s.verb), ['status', 'status', 'status', 'hang', 'close', 'garbage', 'rst', 'rst', 'rst', 'status']);
    assert.deepEqual(steps[0].headers, [['retry-after', '1'], ['x-envoy-ratelimited', 'yes']]);
    assert.equal(steps[0], steps[1], 'a repeat is the same step');
    assert.equal(steps[2].status, 200);
    assert.equal(steps[2].delayMs, 50);
    assert.equal(steps[2].body, 'a,b');
    assert.deepEqual(steps.slice(6, 9).map((s) => s.rstCode), [7, 2, 8]);
    assert.deepEqual(steps[9].trailers, [['grpc-status', '14']]);
    assert.equal(steps[9].abort, true);
    assert.equal(parseScript('200;delay=150')[0].delayMs, 150, 'a bare delay is milliseconds');
  });

  it('repeats the last step past the end', () => {
    const steps = parseScript('503,200');
    assert.deepEqual([1, 2, 3, 9].map((n) => stepFor(steps, n).status), [503, 200, 200, 200]);
  });

  for (const [text, fragment] of [
    ['', 'empty'],
    ['099', 'final HTTP status'],
    ['99', 'is not a step'],
    ['teapot', 'is not a step'],
    ['rst:NOPE', 'HTTP/2 error code'],
    ['200;delay=soon', 'is not a duration'],
    ['200;h=novalue', '<name>:<value>'],
    ['200;x=1', 'unknown parameter'],
    ['hang;abort', 'only applies to a status'],
    ['503*0', 'repeat count'],
  ] as const) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseScript(text), (e: unknown) => e instanceof ScriptError && e.message.includes(fragment));
    });
  }
});

describe('upstream script: HTTP/1.1', () => {
  let up: Upstream;
  before(async () => {
    up = await startUpstream();
  });
  after(() => up.close());

  const send = (id: string, script: string, body?: string) =>
    request(`${up.url}/p?q=1`, { method: body ? 'POST' : 'GET', body, headers: { 'x-scenario-id': id, 'x-script': script } });

  it('answers attempt by attempt per scenario id and records what it saw', async () => {
    const script = '503;h=retry-after:2,200;body=done';
    const a = await send('h1-a', script, 'payload');
    const other = await send('h1-b', script);
    const b = await send('h1-a', script, 'payload');
    assert.deepEqual([a.status, other.status, b.status], [503, 503, 200]);
    assert.equal(a.headers['retry-after'], '2');
    assert.equal(a.headers['x-upstream-attempt'], '1');
    assert.equal(b.body, 'done');
    const rec = up.attempts('h1-a');
    assert.deepEqual(rec.map((r) => [r.attempt, r.result, r.body, r.method, r.url, r.protocol]), [
      [1, 'responded', 'payload', 'POST', '/p?q=1', 'HTTP/1.1'],
      [2, 'responded', 'payload', 'POST', '/p?q=1', 'HTTP/1.1'],
    ]);
    assert.equal(rec[0].headers['x-script'], script);
    assert.ok(rec[1].at >= rec[0].at);
    assert.equal(up.log.at(-1)?.script, rec[1], 'the plain request log links the scripted attempt');
  });

  it('a scripted header replaces the default of the same name', async () => {
    const res = await send('h1-ct', '200;h=content-type:application/grpc;h=grpc-status:14');
    assert.equal(res.headers['content-type'], 'application/grpc');
    assert.equal(res.headers['grpc-status'], '14');
  });

  it('close and garbage drop the connection without a valid response', async () => {
    await assert.rejects(send('h1-close', 'close'), /socket hang up|ECONNRESET/);
    await assert.rejects(send('h1-garbage', 'garbage'), /Parse Error|HPE_|ECONNRESET|socket hang up/);
    assert.deepEqual([up.attempts('h1-close')[0].result, up.attempts('h1-garbage')[0].result], ['closed', 'garbage']);
  });

  it('hang never answers; the attempt is marked aborted when the client leaves', async () => {
    const sock = net.connect(up.port, up.host);
    sock.write('GET / HTTP/1.1\r\nhost: x\r\nx-scenario-id: h1-hang\r\nx-script: hang\r\n\r\n');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(up.attempts('h1-hang')[0]?.result, 'pending');
    sock.destroy();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(up.attempts('h1-hang')[0]?.result, 'aborted');
  });

  it('delay waits after the request body; abort sends headers then cuts the body', async () => {
    const t0 = Date.now();
    assert.equal((await send('h1-delay', '204;delay=120')).status, 204);
    assert.ok(Date.now() - t0 >= 115);
    await assert.rejects(send('h1-abort', '200;abort'), /aborted|ECONNRESET|socket hang up/);
    assert.equal(up.attempts('h1-abort')[0].result, 'responded');
  });

  it('a bad script gets a 400 with the reason', async () => {
    const res = await send('h1-bad', '5000');
    assert.equal(res.status, 400);
    assert.match(res.body, /bad x-script: "5000" is not a step/);
  });

  it('a shared ScriptBook counts attempts across upstreams', async () => {
    const book = new ScriptBook();
    const [a, b] = [await startUpstream({ scripts: book }), await startUpstream({ scripts: book })];
    try {
      const h = { 'x-scenario-id': 'shared', 'x-script': '503,200' };
      assert.equal((await request(a.url, { headers: h })).status, 503);
      assert.equal((await request(b.url, { headers: h })).status, 200);
      assert.deepEqual(book.attempts('shared').map((x) => x.server), [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
      a.reset();
      assert.equal(book.attempts('shared').length, 2, 'reset() leaves a shared book alone');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('upstream script: HTTP/2 (h2c)', () => {
  let up: Upstream;
  let client: http2.ClientHttp2Session;
  before(async () => {
    up = await startUpstream({ http2: true });
    client = http2.connect(up.url);
  });
  after(async () => {
    client.close();
    await up.close();
  });

  interface H2Result { status?: number; headers: http2.IncomingHttpHeaders; trailers?: http2.IncomingHttpHeaders; body: string; rstCode: number }
  const send = (id: string, script: string, on = client): Promise<H2Result> =>
    new Promise((resolve) => {
      const out: H2Result = { headers: {}, body: '', rstCode: 0 };
      const s = on.request({ ':path': '/x', ':method': 'POST', 'x-scenario-id': id, 'x-script': script });
      s.on('response', (h) => {
        out.status = Number(h[':status']);
        out.headers = h;
      });
      s.on('trailers', (t) => (out.trailers = t));
      s.on('data', (c: Buffer) => (out.body += c.toString()));
      s.on('error', () => undefined);
      s.on('close', () => resolve({ ...out, rstCode: s.rstCode ?? 0 }));
      s.end('b');
    });

  it('answers statuses with headers and trailers per attempt', async () => {
    const script = '503;h=grpc-status:14,200;t=grpc-status:0';
    const a = await send('h2-a', script);
    const b = await send('h2-a', script);
    assert.equal(a.status, 503);
    assert.equal(a.headers['grpc-status'], '14');
    assert.equal(b.status, 200);
    assert.equal(b.trailers?.['grpc-status'], '0');
    assert.deepEqual(up.attempts('h2-a').map((r) => [r.protocol, r.method, r.url, r.body]), [
      ['HTTP/2', 'POST', '/x', 'b'],
      ['HTTP/2', 'POST', '/x', 'b'],
    ]);
  });

  it('rst resets the stream with the given code (REFUSED_STREAM by default)', async () => {
    assert.equal((await send('h2-rst', 'rst')).rstCode, http2.constants.NGHTTP2_REFUSED_STREAM);
    assert.equal((await send('h2-rst2', 'rst:INTERNAL_ERROR')).rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR);
    assert.equal(up.attempts('h2-rst')[0].result, 'rst');
  });

  it('close tears the connection down', async () => {
    const c = http2.connect(up.url);
    c.on('error', () => undefined);
    const r = await send('h2-close', 'close', c);
    assert.equal(r.status, undefined);
    assert.equal(up.attempts('h2-close')[0].result, 'closed');
    c.destroy();
  });
});
