import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startUpstream } from '../../src/upstream/server';
import { freePort, spawnProcess, waitForHttp } from '../support/processes';

const node = process.execPath;

describe('harness: child processes', () => {
  it('captures output and waits for it', async () => {
    const p = spawnProcess(node, ['-e', 'console.log("hello"); setTimeout(() => console.error("listening on 1234"), 50); setTimeout(() => {}, 10000)']);
    const m = await p.waitForOutput(/listening on (\d+)/, 5000);
    assert.equal(m[1], '1234');
    assert.match(p.output(), /hello/);
    await p.kill();
    assert.equal(p.running, false);
  });

  it('fails fast, with the output tail, when the process exits before the output appears', async () => {
    const p = spawnProcess(node, ['-e', 'console.error("config error: bad"); process.exit(3)'], { name: 'doomed' });
    await assert.rejects(p.waitForOutput(/never/, 5000), /doomed \(pid \d+\) exited \(code 3\)[\s\S]*config error: bad/);
  });

  it('kill() escalates to SIGKILL when SIGTERM is ignored', async () => {
    const p = spawnProcess(node, ['-e', 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)']);
    await p.waitForOutput(/ready/);
    const status = await p.kill(200);
    assert.equal(status.signal, 'SIGKILL');
  });

  it('copies output to a log file when asked', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-proc-')), 'out.log');
    const p = spawnProcess(node, ['-e', 'console.log("to the file")'], { logFile: file });
    await p.exited;
    await new Promise((r) => setTimeout(r, 50)); // the write stream closes after 'exit'
    assert.match(fs.readFileSync(file, 'utf8'), /to the file/);
  });

  it('reports a missing binary at spawn time', () => {
    assert.throws(() => spawnProcess('/nonexistent/ricochet-binary', []), /cannot spawn/);
  });

  it('waitForHttp polls until the server answers, and times out with the last error', async () => {
    const port = await freePort();
    const later = new Promise((r) => setTimeout(r, 200)).then(() => startUpstream({ port }));
    assert.equal(await waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 5000 }), 200);
    await (await later).close();
    await assert.rejects(waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 300 }), /not ready within 300ms \(last: .*ECONNREFUSED/);
  });

  it('freePort never hands out the same port twice', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, freePort));
    assert.equal(new Set(ports).size, 20);
  });
});
