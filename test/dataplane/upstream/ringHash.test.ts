/**
 * RING_HASH pieces on their own: XXH64 against the published test vectors, the ring's layout and
 * walk (Envoy's ring_hash_lb.cc), and the hash policies (Http::HashPolicyImpl). The differential
 * suite checks the same ring against a real Envoy (upstreamScenarios.ts, group `ring`).
 */
import * as assert from 'node:assert/strict';
import { computeRequestHash } from '../../../src/dataplane/router/hashPolicy';
import type { Host } from '../../../src/dataplane/upstream/host';
import { Ring } from '../../../src/dataplane/upstream/ringHash';
import { xxHash64 } from '../../../src/dataplane/upstream/xxhash64';

const host = (addressString: string, weight = 1): Host => ({ addressString, weight, hostname: '' }) as unknown as Host;
const settings = { minimumRingSize: 1024, maximumRingSize: 8_388_608, useHostnameForHashing: false };

describe('dataplane ring hash (Envoy ring_hash_lb.cc, HashPolicyImpl)', () => {
  it('XXH64 with seed 0 matches the reference vectors (short, tail and 32-byte stripe paths)', () => {
    assert.equal(xxHash64('').toString(16), 'ef46db3751d8e999');
    assert.equal(xxHash64('a').toString(16), 'd24ec4f1a98c6e5b');
    assert.equal(xxHash64('abc').toString(16), '44bc2cf5ad770999');
    assert.equal(xxHash64('Nobody inspects the spammish repetition').toString(16), 'fbcea83c8a378bf1');
  });

  it('builds min_ring_size entries split by weight, host keys "address_i", sorted by hash', () => {
    const equal = new Ring([host('10.0.0.1:80'), host('10.0.0.2:80')], settings);
    assert.equal(equal.size, 1024);
    const weighted = new Ring([host('10.0.0.1:80', 1), host('10.0.0.2:80', 2)], settings);
    assert.equal(weighted.size, 1026, 'scale = ceil(1/3 × 1024) / (1/3): the lightest host gets a whole number of entries');
    const capped = new Ring([host('10.0.0.1:80', 1), host('10.0.0.2:80', 2)], { ...settings, maximumRingSize: 1000 });
    assert.equal(capped.size, 1000);
    const one = new Ring([host('10.0.0.1:80')], { ...settings, minimumRingSize: 4 });
    const h = xxHash64('10.0.0.1:80_0');
    assert.equal(one.choose(h, 0)?.addressString, '10.0.0.1:80');
  });

  it('a hash picks the first entry at or after it, wrapping; attempt n moves n entries on', () => {
    const a = host('a:1');
    const b = host('b:1');
    const ring = new Ring([a, b], { ...settings, minimumRingSize: 2 });
    const ha = xxHash64('a:1_0');
    const hb = xxHash64('b:1_0');
    const [low, high] = ha < hb ? [a, b] : [b, a];
    const lowHash = ha < hb ? ha : hb;
    assert.equal(ring.choose(lowHash, 0), low);
    assert.equal(ring.choose(lowHash + 1n, 0), high);
    assert.equal(ring.choose((1n << 64n) - 1n, 0), low, 'past the last entry: wraps to the first');
    assert.equal(ring.choose(0n, 0), low);
    assert.equal(ring.choose(lowHash, 1), high);
    assert.equal(ring.choose(lowHash, 2), low);
    assert.equal(new Ring([], settings).choose(1n, 0), undefined);
  });

  it('hash policies: header values sorted and joined, rotl-xor combination, terminal stops, absent values skipped', () => {
    const input = (headers: Record<string, string | string[]>, path = '/') => ({ headers, path, downstreamRemoteIp: '127.0.0.1', downstreamRemoteAddress: '127.0.0.1:5000', downstreamLocalAddress: '127.0.0.1:10000' });
    const header = (name: string, terminal = false) => ({ kind: 'header' as const, name, terminal });
    assert.equal(computeRequestHash([header('x')], input({ x: ['b', 'a'] })).hash, xxHash64('ab'));
    assert.equal(computeRequestHash([header('x')], input({})).hash, undefined);
    const a = xxHash64('1');
    const rotl = ((a << 1n) | (a >> 63n)) & ((1n << 64n) - 1n);
    assert.equal(computeRequestHash([header('x'), header('y')], input({ x: '1', y: '2' })).hash, rotl ^ xxHash64('2'));
    assert.equal(computeRequestHash([header('x', true), header('y')], input({ x: '1', y: '2' })).hash, xxHash64('1'));
    assert.equal(computeRequestHash([header('x', true), header('y')], input({ y: '2' })).hash, xxHash64('2'), 'a terminal policy without a hash does not stop');
    assert.equal(computeRequestHash([{ kind: 'query_parameter', name: 'u', terminal: false }], input({}, '/p?v=1&u=a%20b')).hash, xxHash64('a%20b'), 'not percent-decoded');
    assert.equal(computeRequestHash([{ kind: 'source_ip', terminal: false }], input({})).hash, xxHash64('127.0.0.1'));
  });

  it('a cookie policy hashes the cookie; without it and with a ttl it makes one up from the connection and sets it', () => {
    const policy = { kind: 'cookie' as const, name: 's', ttlMs: 3_600_000, path: '/x', attributes: [], terminal: false };
    const base = { path: '/', downstreamRemoteIp: '127.0.0.1', downstreamRemoteAddress: '127.0.0.1:5000', downstreamLocalAddress: '127.0.0.1:10000' };
    assert.equal(computeRequestHash([policy], { ...base, headers: { cookie: 'a=1; s="abc"' } }).hash, xxHash64('abc'));
    const made = computeRequestHash([policy], { ...base, headers: {} });
    const value = xxHash64('127.0.0.1:5000127.0.0.1:10000').toString(16).padStart(16, '0');
    assert.equal(made.hash, xxHash64(value));
    assert.deepEqual(made.setCookies, [`s="${value}"; Max-Age=3600; Path=/x; HttpOnly`]);
    assert.equal(computeRequestHash([{ ...policy, ttlMs: undefined }], { ...base, headers: {} }).hash, undefined, 'no ttl: no cookie is made up');
  });
});
