import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import type { DemoResult } from '../../src/demo';
import { WALKTHROUGHS } from '../../src/demo/walkthroughs';
import { requireEnvoy } from '../support/envoy';
import { repoPath } from '../support/paths';
import { spawnProcess, type ManagedProcess } from '../support/processes';

/**
 * `ricochet demo` end to end (issue 6, item 3): the real CLI as `npm run demo` runs it, starting
 * its own control plane, flaky upstream and proxies on free ports. With a real Envoy every seed
 * walkthrough must show its promised effect (exit 0, ✔ per walkthrough, the before/after tables,
 * "Data plane: Envoy"); with Ricochet's data plane too. The seed is the default one, so the
 * first-try failures are the same each run; the promises are thresholds, not recorded numbers.
 */

const DEMO_TIMEOUT_MS = 180_000;

function demo(args: string[], env: Record<string, string | undefined> = {}): ManagedProcess {
  return spawnProcess(process.execPath, [repoPath('bin', 'ricochet.js'), 'demo', ...args], { name: 'ricochet demo', env });
}

async function finished(p: ManagedProcess): Promise<{ code: number | null; seconds: number; output: string }> {
  const t0 = Date.now();
  const status = await p.exited;
  return { code: status.code, seconds: (Date.now() - t0) / 1000, output: p.output() };
}

/** The JSON document on stdout (--json): the text report goes to stderr and is interleaved in output(). */
function jsonResult(output: string): DemoResult {
  const start = output.indexOf('{\n  "ok"');
  assert.ok(start >= 0, `no JSON result in the output:\n${output.slice(-3000)}`);
  const end = output.indexOf('\n}\n', start);
  return JSON.parse(output.slice(start, end + 2)) as DemoResult;
}

function assertEveryWalkthroughShown(output: string, result: DemoResult, ids: readonly string[]): void {
  assert.equal(result.ok, true, output.slice(-4000));
  assert.deepEqual(result.walkthroughs.map((w) => w.id), ids);
  for (const w of result.walkthroughs) {
    assert.equal(w.ok, true, `${w.id}: ${w.problems.join('; ')}`);
    const labels = WALKTHROUGHS.find((x) => x.id === w.id)?.phases.map((p) => p.label);
    assert.deepEqual(w.phases.map((p) => p.label), labels);
  }
  assert.equal((output.match(/✔ promised:/g) ?? []).length, ids.length, 'one ✔ per walkthrough');
  assert.doesNotMatch(output, /✘/);
  // The table: a header row naming the phases, Code rows, latency, the retry counter.
  assert.match(output, /^ {2}Code 200 {2,}\d+ \(\d+\.\d %\)/m);
  assert.match(output, /^ {2}avg \/ p99 {2,}[\d.]+ m?s \/ [\d.]+ m?s/m);
  assert.match(output, /^ {2}upstream_rq_retry {2,}0 {2,}\d+/m);
  assert.match(output, /^ {2}\$ ricochet load -c 1 -n 100 -qps 0 /m);
  assert.match(output, /━━ Summary/);
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

describe('e2e: ricochet demo (npm run demo)', function () {
  this.timeout(DEMO_TIMEOUT_MS + 20_000);

  it('with a real Envoy: every seed walkthrough shows its promised effect, exit 0', async function () {
    const envoy = requireEnvoy(this);
    const run = await finished(demo(['--json'], { ENVOY_BIN: envoy }));
    assert.equal(run.code, 0, run.output.slice(-4000));
    assert.match(run.output, /^Data plane: Envoy 1\.\d+\.\d+ \(/m);
    assertEveryWalkthroughShown(run.output, jsonResult(run.output), WALKTHROUGHS.map((w) => w.id));
    process.stdout.write(`      (demo with Envoy: ${run.seconds.toFixed(1)} s)\n`);
  });

  it('with Ricochet\'s data plane (--proxy ricochet --only istio-appflaky,kuma-retry): the promises hold too', async () => {
    const run = await finished(demo(['--json', '--proxy', 'ricochet', '--only', 'istio-appflaky,kuma-retry']));
    assert.equal(run.code, 0, run.output.slice(-4000));
    assert.match(run.output, /^Data plane: Ricochet's own \(--proxy ricochet\)/m);
    assertEveryWalkthroughShown(run.output, jsonResult(run.output), ['istio-appflaky', 'kuma-retry']);
    process.stdout.write(`      (two walkthroughs with Ricochet's data plane: ${run.seconds.toFixed(1)} s)\n`);
  });

  it('Ctrl-C mid-walkthrough stops the proxy and the control plane (their ports are free again), exit 130', async () => {
    const p = demo(['--proxy', 'ricochet', '--only', 'fsm-retry']);
    const [, admin, egress] = (await p.waitForOutput(/admin API http:\/\/127\.0\.0\.1:(\d+), ADS 127\.0\.0\.1:\d+, sidecar egress listener 127\.0\.0\.1:(\d+)/, 30_000)).map(Number);
    await p.waitForOutput(/━━ 1\/1 fsm-retry/, 30_000);
    // The proxy is up once its egress listener accepts connections.
    const deadline = Date.now() + 30_000;
    while (await refuses(egress)) {
      assert.ok(Date.now() < deadline, 'the proxy never bound the egress listener');
      await new Promise((r) => setTimeout(r, 50));
    }
    p.child.kill('SIGINT');
    const run = await finished(p);
    assert.equal(run.code, 130, run.output.slice(-3000));
    assert.ok(await refuses(egress), 'the proxy still holds the egress listener');
    assert.ok(await refuses(admin), 'ricochet serve still holds the admin port');
  });

  it('--list names every walkthrough; an unknown --only id is refused before anything starts (exit 2)', async () => {
    const list = await finished(demo(['--list']));
    assert.equal(list.code, 0);
    for (const w of WALKTHROUGHS) assert.match(list.output, new RegExp(`^${w.id} `, 'm'));
    const bad = await finished(demo(['--only', 'istio-external,nope']));
    assert.equal(bad.code, 2);
    assert.match(bad.output, /--only .*nope: no such walkthrough \(there are: istio-external, istio-appflaky, fsm-retry, fsm-gateway, kuma-retry\)/);
    assert.doesNotMatch(bad.output, /Data plane/);
  });
});
