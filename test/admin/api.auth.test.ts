/**
 * Admin API safety (issue 5 "Safety"): off loopback a bearer token is required
 * (`serve --admin-token-file`), `serve` refuses to start without one and says why; with a token,
 * every request (objects, discovery, /debug, /healthz) without it or with a wrong one gets a 401
 * Status; loopback without a token needs none.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isLoopbackHost, listenProblem, readTokenFile, tokenMatches } from '../../src/admin/k8s/auth';
import { get } from '../support/http';
import { freePort, spawnProcess, waitForHttp } from '../support/processes';
import { repoPath } from '../support/paths';
import { assertStatus, startApi, type ApiHarness } from './apiHarness';

const TOKEN = 's3cret-token-0123456789';

describe('admin API authentication (issue 5 "Safety")', function () {
  this.timeout(30_000);

  it('loopback hosts need no token; any other address does, and the refusal says what to do', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com', '::ffff:10.0.0.1']) assert.ok(!isLoopbackHost(h), h);
    assert.equal(listenProblem('127.0.0.1', undefined), undefined);
    assert.equal(listenProblem('0.0.0.0', TOKEN), undefined);
    assert.match(String(listenProblem('0.0.0.0', undefined)), /not loopback.*--admin-token-file/);
  });

  it('token files: the first line, trimmed; an empty or missing file is refused with the reason', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-token-'));
    try {
      fs.writeFileSync(path.join(dir, 'ok'), `  ${TOKEN}  \nsecond line\n`);
      assert.equal(readTokenFile(path.join(dir, 'ok')), TOKEN);
      fs.writeFileSync(path.join(dir, 'empty'), '\n');
      assert.throws(() => readTokenFile(path.join(dir, 'empty')), /empty/);
      assert.throws(() => readTokenFile(path.join(dir, 'missing')), /cannot read/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(tokenMatches(TOKEN, TOKEN));
    assert.ok(!tokenMatches(TOKEN, `${TOKEN}x`));
    assert.ok(!tokenMatches(TOKEN, ''));
  });

  describe('with a token, every request is checked', () => {
    let h: ApiHarness;
    before(async () => {
      h = await startApi({ token: TOKEN });
    });
    after(async () => {
      await h.close();
    });

    for (const url of ['/healthz', '/apis', '/api/v1/namespaces', '/apis/networking.istio.io/v1alpha3/virtualservices', '/debug/syncz', '/openapi/v2', '/nowhere']) {
      it(`${url}: 401 Status without a token and with a wrong one; answered with the right one`, async () => {
        const none = assertStatus(await h.app.inject({ method: 'GET', url }), 401, 'Unauthorized');
        assert.match(none.message, /Authorization: Bearer/);
        assertStatus(await h.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer wrong' } }), 401, 'Unauthorized');
        assertStatus(await h.app.inject({ method: 'GET', url, headers: { authorization: `Basic ${TOKEN}` } }), 401, 'Unauthorized');
        const ok = await h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } });
        assert.notEqual(ok.statusCode, 401, ok.body);
      });
    }

    it('a write without the token changes nothing', async () => {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
      assertStatus(await h.app.inject({ method: 'POST', url: '/api/v1/namespaces/default/services', payload: body, headers: { 'content-type': 'application/json' } }), 401, 'Unauthorized');
      assert.equal(h.store.all().length, 0);
      const ok = await h.app.inject({ method: 'POST', url: '/api/v1/namespaces/default/services', payload: body, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
      assert.equal(ok.statusCode, 201, ok.body);
    });
  });

  describe('ricochet serve', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-serve-auth-'));
      fs.mkdirSync(path.join(dir, 'sources'));
      fs.writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const serve = async (admin: string, extra: string[] = []) => {
      const xds = await freePort();
      return spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'serve', '--sources', path.join(dir, 'sources'), '--data', path.join(dir, `data-${xds}`),
        '--xds-address', `127.0.0.1:${xds}`, '--admin-address', admin, '--log-level', 'warn', ...extra], { name: 'ricochet serve (auth)', cwd: dir });
    };

    it('refuses to start off loopback without --admin-token-file, and says why', async () => {
      const proc = await serve(`0.0.0.0:${await freePort()}`);
      const exit = await proc.exited;
      assert.equal(exit.code, 1, proc.output());
      assert.match(proc.output(), /refusing to start: the admin API would listen on 0\.0\.0\.0.*--admin-token-file/);
    });

    it('off loopback with a token file: 401 without the token, 200 with it', async () => {
      const port = await freePort();
      const proc = await serve(`0.0.0.0:${port}`, ['--admin-token-file', path.join(dir, 'token')]);
      try {
        const url = `http://127.0.0.1:${port}`;
        await waitForHttp(`${url}/healthz`, { process: proc, headers: { authorization: `Bearer ${TOKEN}` }, timeoutMs: 15_000 });
        const denied = await get(`${url}/api/v1/namespaces`);
        assert.equal(denied.status, 401);
        assert.equal(JSON.parse(denied.body).reason, 'Unauthorized');
        const allowed = await get(`${url}/api/v1/namespaces`, { headers: { authorization: `Bearer ${TOKEN}` } });
        assert.equal(allowed.status, 200, allowed.body);
      } finally {
        await proc.kill();
      }
    });
  });
});
