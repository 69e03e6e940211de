/** Shared helpers used by the Istio reader: exact Go durations, DNS names, host matching. */
import * as assert from 'node:assert/strict';
import { parseGoDurationNanos } from '../../src/lib/duration';
import { fqdnError, isCidr, labelKeyError, wildcardDomainError } from '../../src/sources/names';
import { hostCovers, resolveHost } from '../../src/sources/istio/hosts';

describe('istio helpers', () => {
  describe("Go's time.ParseDuration, in exact nanoseconds", () => {
    const ok: Array<[string, bigint]> = [
      ['0', 0n], ['20s', 20_000_000_000n], ['5ms', 5_000_000n], ['1.1s', 1_100_000_000n], ['1m30s', 90_000_000_000n],
      ['1h', 3_600_000_000_000n], ['1500us', 1_500_000n], ['1500µs', 1_500_000n], ['1500μs', 1_500_000n], ['7ns', 7n],
      ['.5s', 500_000_000n], ['5.s', 5_000_000_000n], ['-2s', -2_000_000_000n], ['+1ms', 1_000_000n], ['0.005s', 5_000_000n],
    ];
    for (const [text, nanos] of ok) it(`${text} = ${nanos}ns`, () => assert.equal(parseGoDurationNanos(text), nanos));
    for (const bad of ['', '2x', '10', '1.5', 's', '.s', '1 s', '1s ', '-', 'P1D']) {
      it(`${JSON.stringify(bad)} is not a duration`, () => assert.equal(parseGoDurationNanos(bad), undefined));
    }
  });

  describe('DNS names (Istio ValidateFQDN / ValidateWildcardDomain)', () => {
    it('accepts lower-case names, short names and a trailing dot', () => {
      for (const h of ['httpstat.us', 'reviews', 'a-b.example.com', 'istio.io.']) assert.equal(fqdnError(h), undefined, h);
    });
    it('rejects upper case, underscores, all-numeric TLDs and empty names', () => {
      for (const h of ['Upper.com', 'a_b.com', '10.0.0.1', '', 'a..b']) assert.notEqual(fqdnError(h), undefined, h);
    });
    it('wildcards only in the first label', () => {
      assert.equal(wildcardDomainError('*.example.com'), undefined);
      assert.equal(wildcardDomainError('*'), undefined);
      assert.notEqual(wildcardDomainError('a.*.example.com'), undefined);
      assert.notEqual(fqdnError('*.example.com'), undefined);
    });
    it('CIDR blocks', () => {
      assert.ok(isCidr('10.0.0.0/8'));
      assert.ok(isCidr('2001:db8::/32'));
      assert.ok(!isCidr('10.0.0.0/33'));
      assert.ok(!isCidr('10.0.0/8'));
    });
    it('label keys with prefixes', () => {
      assert.equal(labelKeyError('app.kubernetes.io/name'), undefined);
      assert.notEqual(labelKeyError('-bad'), undefined);
    });
  });

  describe('host resolution and coverage', () => {
    it('short names resolve in the namespace unless declared as such', () => {
      assert.equal(resolveHost('reviews', 'shop', new Set()), 'reviews.shop.svc.cluster.local');
      assert.equal(resolveHost('reviews', 'shop', new Set(['reviews'])), 'reviews');
      assert.equal(resolveHost('reviews.shop', 'x', new Set()), 'reviews.shop');
      assert.equal(resolveHost('10.0.0.1', 'x', new Set()), '10.0.0.1');
      assert.equal(resolveHost('*', 'x', new Set()), '*');
    });
    it('wildcards cover names under them, and narrower wildcards', () => {
      assert.ok(hostCovers('*.example.com', 'a.example.com'));
      assert.ok(hostCovers('*.example.com', '*.a.example.com'));
      assert.ok(hostCovers('*.example.com', '*.example.com'));
      assert.ok(!hostCovers('*.example.com', 'example.com'));
      assert.ok(!hostCovers('*.a.example.com', '*.example.com'));
      assert.ok(!hostCovers('a.example.com', 'b.example.com'));
    });
  });
});
