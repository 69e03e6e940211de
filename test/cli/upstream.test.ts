/** `ricochet upstream`: the flaky service the examples point at (fortio echo syntax, httpbin /status). */
import * as assert from 'node:assert/strict';
import { repoPath } from '../support/paths';
import { freePort, spawnProcess, waitForHttp } from '../support/processes';
import { get } from '../support/http';

describe('cli: ricochet upstream', function () {
  this.timeout(15_000);

  it('serves /status/<code> and /echo?status=, on the address given, until stopped', async () => {
    const port = await freePort();
    const proc = spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'upstream', '--address', `127.0.0.1:${port}`, '--seed', '7'], { name: 'ricochet upstream' });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/echo`, { timeoutMs: 10_000, process: proc });
      assert.equal((await get(`http://127.0.0.1:${port}/status/503`)).status, 503);
      assert.equal((await get(`http://127.0.0.1:${port}/echo?status=418:100`)).status, 418);
      assert.match(proc.output(), /seed 7/);
    } finally {
      await proc.kill();
    }
  });

  it('refuses a bad address with a message naming the flag', async () => {
    const proc = spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'upstream', '--address', 'nonsense'], { name: 'ricochet upstream' });
    const status = await proc.exited;
    assert.notEqual(status.code, 0);
    assert.match(proc.output(), /--address nonsense: write host:port/);
  });
});
