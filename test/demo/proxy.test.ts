import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseDataPlane, describeDataPlane, parseStats } from '../../src/demo/proxy';

/** Which data plane the demo says it uses, and how it reads the proxy's /stats. */
describe('demo: choosing and reading the data plane (src/demo/proxy.ts)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-demo-proxy-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** An executable that answers `--version` the way Envoy 1.40.0 does (`envoy  version: <sha>/1.40.0/Clean/RELEASE/BoringSSL`). */
  const fakeEnvoy = (name: string, versionLine: string, status = 0): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\necho '${versionLine}'\nexit ${status}\n`, { mode: 0o755 });
    return file;
  };

  it('ENVOY_BIN first, checked with --version, and said with its version and path', () => {
    const bin = fakeEnvoy('envoy-ok', `${path.join(dir, 'envoy-ok')}  version: 9e5580933739775e8bce696a57a2e1bc99368f23/1.40.0/Clean/RELEASE/BoringSSL`);
    const dp = chooseDataPlane('auto', { ENVOY_BIN: bin, PATH: '' });
    assert.deepEqual(dp, { kind: 'envoy', bin, version: '1.40.0', from: 'ENVOY_BIN', skipped: [] });
    assert.equal(describeDataPlane(dp), `Data plane: Envoy 1.40.0 (${bin})`);
  });

  it('a binary that does not answer like Envoy is not taken for one, and is named', () => {
    const bin = fakeEnvoy('not-envoy', 'hello', 0);
    const dp = chooseDataPlane('auto', { ENVOY_BIN: bin, PATH: '' });
    if (dp.kind === 'envoy') assert.deepEqual(dp.skipped, [`ENVOY_BIN ${bin}: \`${bin} --version\` exited 0 without an Envoy version`]);
    else assert.match(dp.why, new RegExp(`^no Envoy found: .*ENVOY_BIN ${bin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });

  it('--proxy ricochet never looks for Envoy', () => {
    const dp = chooseDataPlane('ricochet', { ENVOY_BIN: '/nonexistent' });
    assert.deepEqual(dp, { kind: 'ricochet', why: '--proxy ricochet' });
    assert.equal(describeDataPlane(dp), 'Data plane: Ricochet\'s own (--proxy ricochet)');
  });

  it('/stats: counters by name prefix; histogram lines skipped; names with | and dots kept whole', () => {
    const text = [
      'cluster.outbound|80||httpstat.us.upstream_rq_retry: 38',
      'cluster.outbound|80||httpstat.us.upstream_rq_retry_limit_exceeded: 2',
      'cluster.outbound|80||httpstat.us.upstream_rq_time: P0(nan,1) P25(nan,1.05)',
      'cluster.outbound|80||other.upstream_rq_retry: 7',
    ].join('\n');
    assert.deepEqual([...parseStats(text, 'cluster.outbound|80||httpstat.us.upstream_rq_retry')], [
      ['cluster.outbound|80||httpstat.us.upstream_rq_retry', 38],
      ['cluster.outbound|80||httpstat.us.upstream_rq_retry_limit_exceeded', 2],
    ]);
  });
});
