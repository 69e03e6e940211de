/** §2.4: local replies, byte-exact, and the response flag of each reset reason. */
import * as assert from 'node:assert/strict';
import type { ResetReason } from '../../../src/dataplane/retry/api';
import {
  localReplyBufferOverflow,
  localReplyForReset,
  localReplyForTimeout,
  localReplyNoHealthyUpstream,
  responseFlagForReset,
} from '../../../src/dataplane/retry';

const FLAGS: Array<[ResetReason, string]> = [
  ['local connection failure', 'UF'],
  ['remote connection failure', 'UF'],
  ['connection timeout', 'UF'],
  ['connection termination', 'UC'],
  ['local reset', 'LR'],
  ['remote reset', 'UR'],
  ['remote refused stream reset', 'UR'],
  ['overflow', 'UO'],
  ['protocol error', 'UPE'],
];

describe('retry engine: local replies (§2.4)', () => {
  for (const [reason, flag] of FLAGS) {
    it(`§1.2 / §2.4 reset "${reason}" → flag ${flag}, status ${reason === 'protocol error' ? 502 : 503}, exact body`, () => {
      assert.equal(responseFlagForReset(reason), flag);
      const r = localReplyForReset(reason, false, []);
      assert.equal(r.status, reason === 'protocol error' ? 502 : 503);
      assert.equal(r.body, `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`);
      assert.deepEqual(r.flags, [flag]);
    });
  }

  it('§2.4 after a retry the body has the "retried and the latest " infix', () => {
    assert.equal(
      localReplyForReset('connection termination', true, ['URX']).body,
      'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection termination',
    );
  });

  it('§2.4 transport failure reason is appended after ", transport failure reason: "', () => {
    assert.equal(
      localReplyForReset('remote connection failure', true, [], 'delayed connect error: Connection refused').body,
      'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure, transport failure reason: delayed connect error: Connection refused',
    );
    assert.equal(localReplyForReset('local reset', false, [], '').body.endsWith('reset reason: local reset'), true);
  });

  it('§2.4 extra flags (URX / UO) follow the reason flag, without duplicates', () => {
    assert.deepEqual(localReplyForReset('connection termination', true, ['URX']).flags, ['UC', 'URX']);
    assert.deepEqual(localReplyForReset('remote reset', false, ['UO']).flags, ['UR', 'UO']);
    assert.deepEqual(localReplyForReset('overflow', false, ['UO']).flags, ['UO']);
  });

  it('§2.4 pool overflow: 503 with x-envoy-overloaded: true and UO; other resets add no header', () => {
    assert.deepEqual(localReplyForReset('overflow', false, []), {
      status: 503,
      body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
      flags: ['UO'],
      headers: { 'x-envoy-overloaded': 'true' },
    });
    assert.deepEqual(localReplyForReset('remote reset', false, []).headers, {});
  });

  it('§2.4 timeouts: 504 "upstream request timeout", UT (+URX/UO for per-try timeouts)', () => {
    assert.deepEqual(localReplyForTimeout(), { status: 504, body: 'upstream request timeout', flags: ['UT'], headers: {} });
    assert.deepEqual(localReplyForTimeout(['URX']).flags, ['UT', 'URX']);
    assert.deepEqual(localReplyForTimeout(['UO']).flags, ['UT', 'UO']);
  });

  it('§2.3 x-envoy-upstream-rq-timeout-alt-response: 204 with an empty body', () => {
    assert.deepEqual(localReplyForTimeout([], true), { status: 204, body: '', flags: ['UT'], headers: {} });
  });

  it('§1.6 no healthy upstream: 503 "no healthy upstream", UH', () => {
    assert.deepEqual(localReplyNoHealthyUpstream(), { status: 503, body: 'no healthy upstream', flags: ['UH'], headers: {} });
  });

  it('§5.1 body over the buffer limit during backoff: 507 "exceeded request buffer limit while retrying upstream", no flag', () => {
    assert.deepEqual(localReplyBufferOverflow(), { status: 507, body: 'exceeded request buffer limit while retrying upstream', flags: [], headers: {} });
  });

  it('§2.4 replies are fresh objects (callers may add headers)', () => {
    const a = localReplyForReset('overflow', false, []);
    a.headers['x-envoy-attempt-count'] = '2';
    assert.deepEqual(localReplyForReset('overflow', false, []).headers, { 'x-envoy-overloaded': 'true' });
  });
});
