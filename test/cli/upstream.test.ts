/**
 * `ricochet upstream` (issue 6, item 1): the flaky service the examples point at, run as a user
 * runs it (a real process) and hit on real sockets: fortio's echo syntax as percentages
 * (`status=503:10,500:5`), `delay=50ms:10`, `close=`, httpbin's `/status/<code>`, and the seed
 * (same seed, same requests in the same order → same answers).
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { FORTIO_DEFAULTS, runLoad, type LoadResult } from '../../src/load';
import { repoPath } from '../support/paths';
import { freePort, spawnProcess, waitForHttp, type ManagedProcess } from '../support/processes';
import { get } from '../support/http';

async function startCli(seed: number, extra: string[] = []): Promise<{ proc: ManagedProcess; url: string }> {
  const port = await freePort();
  const proc = spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'upstream', '--address', `127.0.0.1:${port}`, '--seed', String(seed), ...extra], { name: 'ricochet upstream' });
  await proc.waitForOutput(/upstream listening on/, 10_000);
  return { proc, url: `http://127.0.0.1:${port}` };
}

/** What `-c C -n N -qps 0` gets from a URL. */
function load(url: string, connections: number, calls: number, percentiles = FORTIO_DEFAULTS.percentiles): Promise<LoadResult> {
  return runLoad({ ...FORTIO_DEFAULTS, url, connections, calls, qps: 0, percentiles });
}

function share(r: LoadResult, code: number): number {
  return r.codes.find((c) => c.code === code)?.percent ?? 0;
}

/** Statuses of `n` requests sent one after another on one fresh connection. */
async function sequence(url: string, n: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const out: number[] = [];
  try {
    for (let i = 0; i < n; i++) out.push((await get(url, { agent })).status);
  } finally {
    agent.destroy();
  }
  return out;
}

describe('cli: ricochet upstream', function () {
  this.timeout(30_000);
  const procs: ManagedProcess[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill();
  });
  const started = async (seed: number, extra: string[] = []): Promise<string> => {
    const u = await startCli(seed, extra);
    procs.push(u.proc);
    return u.url;
  };

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

  it('status=503:10,500:5 answers about 10 % 503 and 5 % 500 (fortio\'s percentages), the rest 200', async () => {
    const url = await started(21);
    const r = await load(`${url}/echo?status=503:10,500:5`, 4, 1000);
    assert.deepEqual(r.codes.map((c) => c.code), [200, 500, 503]);
    // Within 3 standard deviations of binomial(1000, p): ±2.85 % for 10 %, ±2.07 % for 5 %.
    assert.ok(Math.abs(share(r, 503) - 10) <= 2.85, `503: ${share(r, 503)} %`);
    assert.ok(Math.abs(share(r, 500) - 5) <= 2.07, `500: ${share(r, 500)} %`);
  });

  it('/status/<code> always answers that code', async () => {
    const url = await started(22);
    const r = await load(`${url}/status/503`, 2, 20);
    assert.deepEqual(r.codes, [{ code: 503, count: 20, percent: 100 }]);
  });

  it('delay=50ms:10 delays about one call in ten by 50 ms', async () => {
    const url = await started(23);
    const r = await load(`${url}/echo?delay=50ms:10`, 4, 200, [80, 97]);
    assert.deepEqual(r.codes, [{ code: 200, count: 200, percent: 100 }]);
    const [p80, p97] = r.latency.percentiles.map((p) => p.ms);
    assert.ok(p80 < 50, `p80 ${p80} ms: more than 20 % were delayed`);
    assert.ok(p97 >= 50, `p97 ${p97} ms: fewer than 3 % were delayed`);
    assert.ok(r.latency.maxMs < 500, `max ${r.latency.maxMs} ms`);
  });

  it('close=20 drops about a fifth of the connections without a response; on SIGINT it prints what it served', async () => {
    const { proc, url } = await startCli(24);
    procs.push(proc);
    const r = await load(`${url}/echo?close=20`, 1, 200);
    const dropped = r.codes.find((c) => c.code === -1)?.count ?? 0;
    assert.ok(dropped >= 17 && dropped <= 63, `${dropped} dropped`);
    assert.ok(r.socketErrors.every((e) => /ECONNRESET/.test(e.message)), JSON.stringify(r.socketErrors));
    proc.child.kill('SIGINT');
    const status = await proc.exited;
    assert.equal(status.code, 0, proc.output());
    assert.match(proc.output(), /^served 200 requests \(seed 24\)$/m);
    assert.match(proc.output(), new RegExp(`^Code 200 : ${200 - dropped} \\(${((100 * (200 - dropped)) / 200).toFixed(1)} %\\)$`, 'm'));
    assert.match(proc.output(), new RegExp(`^Closed without a response : ${dropped} \\(`, 'm'));
  });

  it('--max-delay caps ?delay= (fortio\'s -maxdelay)', async () => {
    const url = await started(25, ['--max-delay', '100ms']);
    const r = await load(`${url}/echo?delay=5s`, 1, 2);
    assert.deepEqual(r.codes, [{ code: 200, count: 2, percent: 100 }]);
    assert.ok(r.latency.maxMs >= 95 && r.latency.maxMs < 1000, `max ${r.latency.maxMs} ms`);
  });

  it('the same --seed answers the same sequence of codes to the same requests; another seed differs', async () => {
    const [a, b, c] = await Promise.all([started(5), started(5), started(6)]);
    const path = '/echo?status=503:30,500:20';
    const [sa, sb, sc] = await Promise.all([sequence(`${a}${path}`, 40), sequence(`${b}${path}`, 40), sequence(`${c}${path}`, 40)]);
    assert.ok(new Set(sa).size > 1, `a mix of codes: ${sa.join(',')}`);
    assert.deepEqual(sb, sa);
    assert.notDeepEqual(sc, sa);
  });

  it('refuses a bad address with a message naming the flag', async () => {
    const proc = spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'upstream', '--address', 'nonsense'], { name: 'ricochet upstream' });
    const status = await proc.exited;
    assert.equal(status.code, 2);
    assert.match(proc.output(), /--address nonsense: write host:port/);
  });

  it('refuses a bad --max-delay naming the flag', async () => {
    const proc = spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'upstream', '--max-delay', 'soon'], { name: 'ricochet upstream' });
    const status = await proc.exited;
    assert.equal(status.code, 2);
    assert.match(proc.output(), /--max-delay soon: a Go duration/);
  });
});
