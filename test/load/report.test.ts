/**
 * formatReport prints fortio's text (lines as in fortio's README and the Istio tasks that show
 * its output: `Code 200 : 89 (89.0 %)`, `# target 99% 0.0091`, `Sockets used: 1 (for perfect
 * keepalive, would be 1)`), with times in seconds in Go's %g forms.
 */
import * as assert from 'node:assert/strict';
import { formatCodeLines, formatReport, summaryLine, type LoadResult } from '../../src/load';
import { formatG, goDuration } from '../../src/load/goFormat';
import { formatProgress, expectedMs } from '../../src/load/progress';
import { DurationRecorder, percentileOf, summarize } from '../../src/load/summary';
import { VERSION } from '../../src/version';

function summaryOf(values: number[], percentiles = [50, 75, 90, 99, 99.9]): ReturnType<typeof summarize> {
  const rec = new DurationRecorder();
  for (const v of values) rec.add(v);
  return summarize(rec, percentiles);
}

/** 89 × 200 and 11 × 503 at 8 qps on 1 connection, the walkthroughs' table. */
function walkthroughResult(): LoadResult {
  const ok = Array.from({ length: 89 }, (_, i) => 2 + i * 0.05);
  const bad = Array.from({ length: 11 }, (_, i) => 2.1 + i * 0.3);
  return {
    url: 'http://fortio.server:8080/echo?status=503:10',
    connectedTo: 'fortio.server:8080',
    shape: { connections: 1, calls: 100, durationMs: 0, qps: 8, timeoutMs: 3000, percentiles: [50, 75, 90, 99, 99.9] },
    startedAt: '2024-01-01T00:00:00.000Z',
    durationMs: 12501,
    calls: 100,
    actualQps: 100 / 12.501,
    codes: [{ code: 200, count: 89, percent: 89 }, { code: 503, count: 11, percent: 11 }],
    latency: summaryOf([...ok, ...bad]),
    errors: summaryOf(bad),
    socketsUsed: 1,
    socketErrors: [],
    interrupted: false,
  };
}

describe('load: formatReport', () => {
  it('prints fortio\'s lines in fortio\'s order', () => {
    const r = walkthroughResult();
    const lines = formatReport(r).trimEnd().split('\n');
    assert.equal(lines[0], `Fortio-style load by Ricochet ${VERSION} running at 8 queries per second, 1 connection(s), for 100 calls: http://fortio.server:8080/echo?status=503:10`);
    assert.equal(lines[1], 'Starting at 8 qps with 1 connection(s) for exactly 100 calls (100 per connection + 0)');
    assert.equal(lines[2], 'Ended after 12.501s : 100 calls. qps=7.9994');
    assert.match(lines[3], /^Aggregated Function Time : count 100 avg 0\.\d+ \+\/- 0\.\d+ min 0\.002 max 0\.\d+ sum 0\.\d+$/);
    assert.deepEqual(lines.slice(4, 9).map((l) => l.replace(/ [\d.e+-]+$/, '')), ['# target 50%', '# target 75%', '# target 90%', '# target 99%', '# target 99.9%']);
    const p50 = r.latency.percentiles[0].ms / 1000;
    assert.equal(lines[4], `# target 50% ${formatG(p50, 6)}`);
    assert.match(lines[9], /^Error cases : count 11 avg /);
    assert.equal(lines[10], 'Sockets used: 1 (for perfect keepalive, would be 1)');
    assert.equal(lines[11], 'Code 200 : 89 (89.0 %)');
    assert.equal(lines[12], 'Code 503 : 11 (11.0 %)');
    assert.match(lines[13], /^All done 100 calls \d+\.\d{3} ms avg, 8\.0 qps$/);
    assert.equal(lines.length, 14);
  });

  it('"Error cases : no data" when every call got a 2xx; -1 reasons after the Code lines', () => {
    const r = walkthroughResult();
    r.errors = summaryOf([]);
    assert.match(formatReport(r), /\nError cases : no data\n/);
    r.codes = [{ code: -1, count: 3, percent: 100 / 3 * 1 }, { code: 200, count: 6, percent: 200 / 3 }];
    r.socketErrors = [{ message: 'ECONNREFUSED', count: 2 }, { message: 'timeout after 3000ms', count: 1 }];
    assert.equal(formatCodeLines(r), 'Code -1 : 3 (33.3 %)\nCode 200 : 6 (66.7 %)\nCode -1 reason ECONNREFUSED : 2\nCode -1 reason timeout after 3000ms : 1\n');
  });

  it('says where it connected when a proxy was used, and how long a -t run was', () => {
    const r = walkthroughResult();
    r.connectedTo = '127.0.0.1:15001';
    r.shape = { ...r.shape, calls: 0, durationMs: 10_000, qps: 0, connections: 4 };
    const [first, second] = formatReport(r).split('\n');
    assert.match(first, /running at 0 queries per second, 4 connection\(s\), for 10s: http:\/\/fortio\.server:8080\/echo\?status=503:10 \(via 127\.0\.0\.1:15001\)$/);
    assert.equal(second, 'Starting at max qps with 4 connection(s) for 10s');
  });

  it('summaryLine: one line per run for side-by-side comparison', () => {
    const r = walkthroughResult();
    assert.match(summaryLine(r), /^100 calls, 89\.0 % 200, 11\.0 % 503, avg \d+\.\d ms, p99 \d+\.\d ms$/);
  });
});

describe('load: Go formats and exact percentiles', () => {
  it('formatG matches Go %g / %.Ng', () => {
    assert.equal(formatG(258.4194, 5), '258.42');
    assert.equal(formatG(472.0, 5), '472');
    assert.equal(formatG(0.0058, 6), '0.0058');
    assert.equal(formatG(0.00283333333, 6), '0.00283333');
    assert.equal(formatG(0.00002, 6), '2e-05');
    assert.equal(formatG(123456789, 4), '1.235e+08');
    assert.equal(formatG(0.001263203), '0.001263203');
    assert.equal(formatG(99.9), '99.9');
    assert.equal(formatG(0), '0');
  });

  it('goDuration matches Go time.Duration.String', () => {
    assert.equal(goDuration(77.394694), '77.394694ms');
    assert.equal(goDuration(12501), '12.501s');
    assert.equal(goDuration(60_500), '1m0.5s');
    assert.equal(goDuration(3_600_000), '1h0m0s');
    assert.equal(goDuration(0.5), '500µs');
    assert.equal(goDuration(5000), '5s');
  });

  it('percentiles are exact (linear between closest ranks), stddev is the population one', () => {
    assert.equal(percentileOf([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentileOf([1, 2, 3, 4], 100), 4);
    assert.equal(percentileOf([1, 2, 3, 4], 0), 1);
    const s = summaryOf([2, 4, 4, 4, 5, 5, 7, 9], [50]);
    assert.equal(s.avgMs, 5);
    assert.equal(s.stddevMs, 2);
    assert.equal(s.percentiles[0].ms, 4.5);
    // The recorder grows past its first block.
    const big = summaryOf(Array.from({ length: 5000 }, (_, i) => 5000 - i), [50, 99.9]);
    assert.equal(big.count, 5000);
    assert.equal(big.minMs, 1);
    assert.equal(big.maxMs, 5000);
    assert.ok(Math.abs(big.percentiles[1].ms - 4995.001) < 1e-6);
  });

  it('progress line: elapsed, calls of total, codes ascending', () => {
    const codes = new Map([[503, 2], [200, 22]]);
    assert.equal(formatProgress({ elapsedMs: 3000, done: 24, total: 100, codes }), '  3.0s  24/100 calls  Code 200: 22  Code 503: 2');
    assert.equal(formatProgress({ elapsedMs: 12_340, done: 7, total: undefined, codes: new Map() }), ' 12.3s  7 calls');
    assert.equal(expectedMs({ connections: 1, calls: 100, durationMs: 0, qps: 8, timeoutMs: 1, percentiles: [] }), 12_500);
    assert.equal(expectedMs({ connections: 1, calls: 100, durationMs: 0, qps: 0, timeoutMs: 1, percentiles: [] }), undefined);
  });
});
