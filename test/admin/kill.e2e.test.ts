/**
 * Issue 5, store: every write the admin API acknowledged survives a `kill -9` of the server at
 * any moment. A real `ricochet serve --data DIR` takes a stream of creates and updates from
 * several clients; it is killed with SIGKILL mid-stream, restarted on the same directory, and
 * every acknowledged write must be back with its content (test/store/kill.test.ts does the same
 * one level down, against the store alone, with torn records).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoPath } from '../support/paths';
import { freePort, sleep, spawnProcess, waitForHttp, type ManagedProcess } from '../support/processes';
import { request } from '../support/http';

const COLLECTION = '/apis/networking.istio.io/v1/namespaces/default/serviceentries';

function serviceEntry(name: string, port: number): string {
  return JSON.stringify({
    apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name, namespace: 'default' },
    spec: { hosts: [`${name}.example.com`], resolution: 'DNS', ports: [{ number: port, name: 'http', protocol: 'HTTP' }] },
  });
}

describe('e2e (issue 5): acknowledged API writes survive kill -9 of the server', function () {
  this.timeout(120_000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-kill-'));
  const sources = path.join(root, 'sources');
  const data = path.join(root, 'data');
  fs.mkdirSync(sources);
  let server: ManagedProcess | undefined;
  let url = '';

  const start = async (): Promise<void> => {
    const admin = await freePort();
    const xds = await freePort();
    server = spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'serve', '--sources', sources, '--data', data,
      '--xds-address', `127.0.0.1:${xds}`, '--admin-address', `127.0.0.1:${admin}`, '--log-level', 'warn'], { name: 'ricochet serve (kill -9)' });
    url = `http://127.0.0.1:${admin}`;
    await waitForHttp(`${url}/readyz`, { timeoutMs: 15_000, process: server });
  };

  after(async () => {
    await server?.kill();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('5 rounds of writers killed mid-stream: every acknowledged create and update is back after a restart', async () => {
    // name → last acknowledged port, and ports written after it that were never acknowledged
    // (a write in flight when the server died may or may not have landed: both are correct).
    const acked = new Map<string, number>();
    const inFlight = new Map<string, number[]>();
    const attempt = (name: string, port: number): void => void inFlight.set(name, [...(inFlight.get(name) ?? []), port]);
    const ack = (name: string, port: number): void => {
      acked.set(name, port);
      inFlight.set(name, []);
    };
    for (let round = 0; round < 5; round++) {
      await start();
      let stop = false;
      const writer = async (w: number): Promise<void> => {
        for (let i = 0; !stop; i++) {
          const name = `se-${round}-${w}-${i}`;
          const port = 1000 + i;
          try {
            attempt(name, port);
            const res = await request(`${url}${COLLECTION}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: serviceEntry(name, port), timeoutMs: 5000 });
            if (res.status === 201 || res.status === 200) ack(name, port);
            // Update an earlier object of this writer: the acknowledged new content must survive too.
            if (i > 0 && res.status < 300) {
              const prev = `se-${round}-${w}-${i - 1}`;
              attempt(prev, 2000 + i);
              const upd = await request(`${url}${COLLECTION}/${prev}`, {
                method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' },
                body: JSON.stringify({ spec: { ports: [{ number: 2000 + i, name: 'http', protocol: 'HTTP' }] } }), timeoutMs: 5000,
              });
              if (upd.status === 200) ack(prev, 2000 + i);
            }
          } catch {
            return; // the server died under us: this write was not acknowledged
          }
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      await sleep(300 + Math.floor(Math.random() * 700));
      (server as ManagedProcess).child.kill('SIGKILL');
      stop = true;
      await (server as ManagedProcess).exited;
      await Promise.all(writers);
    }
    assert.ok(acked.size > 20, `only ${acked.size} writes were acknowledged: the test did not exercise the store`);
    await start();
    const list = await request(`${url}${COLLECTION}`);
    assert.equal(list.status, 200, list.body);
    const items = (JSON.parse(list.body) as { items: Array<{ metadata: { name: string }; spec: { ports: Array<{ number: number }> } }> }).items;
    const stored = new Map(items.map((o) => [o.metadata.name, o.spec.ports[0].number]));
    const missing = [...acked].filter(([name, port]) => {
      const got = stored.get(name);
      return got !== port && !(got !== undefined && (inFlight.get(name) ?? []).includes(got));
    });
    assert.deepEqual(missing, [], `acknowledged writes lost or stale after kill -9 (of ${acked.size})`);
  });
});
