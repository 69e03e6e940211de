/**
 * `ricochet load` as a user runs it (bin/ricochet.js, a real process) against the flaky upstream:
 * fortio's flags as fortio users type them, fortio's table on stdout, `-json -` alone on stdout,
 * the progress line on stderr only, exit 2 naming a bad flag (issue 6, item 2).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LoadResult } from '../../src/load';
import { startUpstream, type Upstream } from '../../src/upstream';
import { repoPath } from '../support/paths';
import { freePort, sleep, spawnProcess } from '../support/processes';
import { ricochet, said } from './cliHarness';

/** `Code 200 : 89 (89.0 %)` lines of a report, as {code: [count, percent]}. */
function codeTable(text: string): Map<number, [number, string]> {
  const out = new Map<number, [number, string]>();
  for (const m of text.matchAll(/^Code (-?\d+) : (\d+) \((\d+\.\d) %\)$/gm)) out.set(Number(m[1]), [Number(m[2]), m[3]]);
  return out;
}

describe('cli: ricochet load', function () {
  this.timeout(30_000);
  let upstream: Upstream;

  before(async () => {
    upstream = await startUpstream({ host: '127.0.0.1', port: 0, seed: 11 });
  });
  beforeEach(() => upstream.reset());
  after(async () => upstream.close());

  it('-c 1 -n 50 -qps 0 prints fortio\'s table, agreeing with what the upstream served', async () => {
    const r = await ricochet(['load', '-c', '1', '-n', '50', '-qps', '0', `${upstream.url}/echo?status=503:20`]);
    assert.equal(r.status, 0, said(r));
    const codes = codeTable(r.stdout);
    assert.equal([...codes.values()].reduce((n, [c]) => n + c, 0), 50, said(r));
    for (const [code, [count, pct]] of codes) {
      assert.equal(count, upstream.countsByStatus.get(code), `Code ${code}`);
      assert.equal(pct, ((100 * count) / 50).toFixed(1));
    }
    assert.match(r.stdout, /^Ended after [\d.]+(ms|s) : 50 calls\. qps=[\d.]+$/m);
    assert.match(r.stdout, /^Aggregated Function Time : count 50 avg /m);
    assert.match(r.stdout, /^# target 99% [\d.e-]+$/m);
    assert.match(r.stdout, /^Sockets used: 1 \(for perfect keepalive, would be 1\)$/m);
    assert.match(r.stdout, /^All done 50 calls [\d.]+ ms avg, [\d.]+ qps$/m);
    assert.equal(r.stderr, '', 'a short run prints no progress line');
  });

  it('-X POST sends that method (fortio\'s -X), e.g. to show a retry policy limited to GET; a bad method exits 2 naming -X', async () => {
    const r = await ricochet(['load', '-c', '1', '-n', '3', '-qps', '0', '-X', 'post', `${upstream.url}/echo`]);
    assert.equal(r.status, 0, said(r));
    assert.deepEqual(upstream.log.map((q) => q.method), ['POST', 'POST', 'POST']);
    const bad = await ricochet(['load', '-n', '1', '-X', 'NO METHOD', `${upstream.url}/echo`]);
    assert.equal(bad.status, 2, said(bad));
    assert.match(bad.stderr, /-X NO METHOD: an HTTP method/);
  });

  it('-json - prints only the JSON result on stdout (the table goes to stderr); --json is the same', async () => {
    for (const flags of [['-json', '-'], ['--json']]) {
      const r = await ricochet(['load', '-c', '2', '-n', '10', '-qps', '0', ...flags, `${upstream.url}/echo`]);
      assert.equal(r.status, 0, said(r));
      const result = JSON.parse(r.stdout) as LoadResult;
      assert.equal(result.calls, 10);
      assert.deepEqual(result.codes, [{ code: 200, count: 10, percent: 100 }]);
      assert.equal(result.shape.connections, 2);
      assert.equal(result.latency.count, 10);
      assert.match(r.stderr, /^Code 200 : 10 \(100\.0 %\)$/m);
    }
  });

  it('-json <file> writes the result there and still prints the table; --timeout and -timeout both work', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-load-')), 'out.json');
    try {
      const r = await ricochet(['load', '-c', '1', '-n', '3', '--qps', '0', '-timeout', '200ms', '-json', file, `${upstream.url}/echo?delay=2s`]);
      assert.equal(r.status, 0, said(r));
      assert.match(r.stdout, /^Code -1 : 3 \(100\.0 %\)$/m);
      assert.match(r.stdout, /^Code -1 reason timeout after 200ms : 3$/m);
      const result = JSON.parse(fs.readFileSync(file, 'utf8')) as LoadResult;
      assert.equal(result.shape.timeoutMs, 200);
      assert.deepEqual(result.socketErrors, [{ message: 'timeout after 200ms', count: 3 }]);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('a refused port completes with exit 0 and code -1 ECONNREFUSED, as fortio does', async () => {
    const port = await freePort();
    const r = await ricochet(['load', '-c', '1', '-n', '2', '-qps', '0', `127.0.0.1:${port}/`]);
    assert.equal(r.status, 0, said(r));
    assert.match(r.stdout, /^Code -1 : 2 \(100\.0 %\)$/m);
    assert.match(r.stdout, /^Code -1 reason ECONNREFUSED : 2$/m);
  });

  it('a bad flag exits 2 naming it', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['-c', '0'], /-c 0: an integer >= 1/],
      [['-n', 'ten'], /-n ten: an integer >= 0/],
      [['-qps', 'fast'], /-qps fast: a number/],
      [['-t', '10parsecs'], /-t 10parsecs: a Go duration/],
      [['-timeout', '0'], /-timeout 0: a Go duration/],
      [['-p', '50,200'], /-p 50,200: "200" is not a percentile/],
      [['-H', 'no-colon'], /-H no-colon: write 'Name: value'/],
      [['--proxy', 'nowhere'], /--proxy nowhere: write host:port/],
      [['--bogus'], /unknown option '--bogus'/],
    ];
    for (const [flags, message] of cases) {
      const r = await ricochet(['load', ...flags, `${upstream.url}/echo`]);
      assert.equal(r.status, 2, `${flags.join(' ')}\n${said(r)}`);
      assert.match(r.stderr, message, flags.join(' '));
      assert.equal(upstream.requests, 0, 'nothing was sent');
    }
  });

  it('a run of about 3 s shows a progress line on stderr, never on stdout', async () => {
    const r = await ricochet(['load', '-c', '1', '-n', '30', '-qps', '10', `${upstream.url}/echo?status=503:10`]);
    assert.equal(r.status, 0, said(r));
    assert.match(r.stderr, /^ +\d+\.\ds {2}\d+\/30 calls {2}Code 200: \d+/m, said(r));
    assert.doesNotMatch(r.stdout, /\/30 calls/);
    assert.match(r.stdout, /^Ended after (2\.9|[34]\.)\d*s : 30 calls/m);
  });

  it('-t 0 runs until Ctrl-C, then prints what it measured and exits 0, as fortio does', async () => {
    const proc = spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'load', '-c', '2', '-qps', '20', '-t', '0', `${upstream.url}/echo`], { name: 'ricochet load' });
    await sleep(1500);
    assert.ok(upstream.requests > 5, `${upstream.requests} requests so far`);
    proc.child.kill('SIGINT');
    const status = await proc.exited;
    assert.equal(status.code, 0, proc.output());
    const out = proc.output();
    assert.match(out, /until interrupted: http/);
    assert.match(out, /^Interrupted after [\d.]+s : \d+ calls/m);
    // A call cut by the Ctrl-C is not counted (at most one per connection); every other one is.
    const counted = codeTable(out).get(200)?.[0] ?? 0;
    assert.ok(counted <= upstream.requests && counted >= upstream.requests - 2, `${counted} counted, ${upstream.requests} served\n${out}`);
  });
});
