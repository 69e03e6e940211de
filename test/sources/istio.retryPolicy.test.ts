/** Retry policy translation, spec/sources-istio.md §1.2-§1.9 (Istio ≥1.24). */
import * as assert from 'node:assert/strict';
import {
  goStatusOf,
  isGoKnownStatus,
  istioDefaultRetryPolicy,
  parseRetryOn,
  retryPolicyFromVirtualService,
} from '../../src/sources/istio/retryPolicy';

const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

describe('istio retry policy', () => {
  describe('§1.5 retryOn parsing: every row of the table', () => {
    const rows: Array<[string, string, number[]]> = [
      ['503,connect-failure', 'connect-failure,retriable-status-codes', [503]],
      ['gateway-error,retriable-status-codes,503', 'gateway-error,retriable-status-codes', [503]],
      ['some,fake,5xx,404,conditions,503', 'some,fake,5xx,conditions,retriable-status-codes', [404, 503]],
      ['some,fake,conditions,,,', 'some,fake,conditions', []],
      ['some,fake,conditions,1000', 'some,fake,conditions,1000', []],
      // The leading-comma quirk, reproduced on purpose: Istio appends to an empty string.
      ['503', ',retriable-status-codes', [503]],
      [' some,\t,fake ,\tconditions, ,', 'some,fake,conditions', []],
    ];
    for (const [input, retryOn, codes] of rows) {
      it(`${JSON.stringify(input)} → ${JSON.stringify(retryOn)}, [${codes.join(', ')}]`, () => {
        assert.deepEqual(parseRetryOn(input), { retryOn, retriableStatusCodes: codes });
      });
    }
    it('§1.5: gRPC tokens pass through unchanged', () => {
      const grpc = 'unavailable,cancelled,deadline-exceeded,resource-exhausted,internal';
      assert.deepEqual(parseRetryOn(grpc), { retryOn: grpc, retriableStatusCodes: [] });
    });
    it('§1.5 step 2: unknown numbers such as 499 stay in the string, in order', () => {
      assert.deepEqual(parseRetryOn('499,5xx,502'), { retryOn: '499,5xx,retriable-status-codes', retriableStatusCodes: [502] });
    });
    it('§1.5 step 2: strconv.Atoi accepts a sign and leading zeros', () => {
      assert.deepEqual(parseRetryOn('+503,0504'), { retryOn: ',retriable-status-codes', retriableStatusCodes: [503, 504] });
    });
  });

  describe("§1.5 Go's http.StatusText table", () => {
    const known = [100, 103, 200, 208, 226, 300, 305, 307, 308, 400, 418, 421, 426, 428, 429, 431, 451, 500, 508, 510, 511];
    const unknown = [0, 99, 104, 209, 225, 306, 309, 419, 420, 427, 430, 450, 452, 499, 509, 512, 600, 1000];
    it('knows the listed codes', () => known.forEach((c) => assert.ok(isGoKnownStatus(c), String(c))));
    it('does not know the others', () => unknown.forEach((c) => assert.ok(!isGoKnownStatus(c), String(c))));
    it('parses tokens as integers only', () => {
      assert.equal(goStatusOf('503'), 503);
      assert.equal(goStatusOf('503.0'), undefined);
      assert.equal(goStatusOf('5xx'), undefined);
      assert.equal(goStatusOf(''), undefined);
    });
  });

  describe('§1.2 default policy (≥1.24)', () => {
    it('is the exact hard-coded default, with no retriable status codes', () => {
      assert.deepEqual(istioDefaultRetryPolicy(), {
        retryOn: DEFAULT_RETRY_ON,
        numRetries: 2,
        retriableStatusCodes: [],
        previousHostsPredicate: true,
        hostSelectionRetryMaxAttempts: 5,
      });
    });
    it('§1.2: has no perTryTimeout, backoff or retry priority', () => {
      const p = istioDefaultRetryPolicy();
      assert.equal(p.perTryTimeoutMs, undefined);
      assert.equal(p.backoff, undefined);
      assert.equal(p.previousPrioritiesUpdateFrequency, undefined);
    });
    it('returns a fresh object each time', () => {
      const a = istioDefaultRetryPolicy();
      a.retriableStatusCodes.push(503);
      assert.deepEqual(istioDefaultRetryPolicy().retriableStatusCodes, []);
    });
    it('§1.1: no retries block gives the default', () => {
      assert.deepEqual(retryPolicyFromVirtualService(undefined), istioDefaultRetryPolicy());
    });
  });

  describe('§1.3 attempts', () => {
    it('attempts 0 means no retry policy at all', () => {
      assert.equal(retryPolicyFromVirtualService({ attempts: 0 }), null);
    });
    it('any attempts ≤ 0 means no retry policy (ConvertPolicy)', () => {
      assert.equal(retryPolicyFromVirtualService({ attempts: -1 }), null);
    });
    it('attempts N is numRetries N', () => {
      assert.equal(retryPolicyFromVirtualService({ attempts: 3 })?.numRetries, 3);
    });
  });

  it('§1.4 attempts without retryOn keeps the default retryOn and predicate (seed 002)', () => {
    assert.deepEqual(retryPolicyFromVirtualService({ attempts: 10, perTryTimeoutMs: 5 }), {
      retryOn: DEFAULT_RETRY_ON,
      numRetries: 10,
      retriableStatusCodes: [],
      previousHostsPredicate: true,
      hostSelectionRetryMaxAttempts: 5,
      perTryTimeoutMs: 5,
    });
  });

  it('§1.5 retryOn replaces the default wholesale; codes are replaced, not merged', () => {
    const p = retryPolicyFromVirtualService({ attempts: 3, perTryTimeoutMs: 20_000, retryOn: 'connect-failure,refused-stream,503' });
    assert.equal(p?.retryOn, 'connect-failure,refused-stream,retriable-status-codes');
    assert.deepEqual(p?.retriableStatusCodes, [503]);
    assert.deepEqual(retryPolicyFromVirtualService({ attempts: 1, retryOn: '5xx' })?.retriableStatusCodes, []);
  });

  it('§1.6 perTryTimeout is copied', () => {
    assert.equal(retryPolicyFromVirtualService({ attempts: 1, perTryTimeoutMs: 2000 })?.perTryTimeoutMs, 2000);
  });

  it('§1.7 retryRemoteLocalities true adds previous priorities with updateFrequency 2; false adds nothing', () => {
    assert.equal(retryPolicyFromVirtualService({ attempts: 1, retryRemoteLocalities: true })?.previousPrioritiesUpdateFrequency, 2);
    assert.equal(retryPolicyFromVirtualService({ attempts: 1, retryRemoteLocalities: false })?.previousPrioritiesUpdateFrequency, undefined);
  });

  it('§1.8 retryIgnorePreviousHosts false removes the predicate but keeps hostSelectionRetryMaxAttempts', () => {
    const p = retryPolicyFromVirtualService({ attempts: 1, retryIgnorePreviousHosts: false });
    assert.equal(p?.previousHostsPredicate, false);
    assert.equal(p?.hostSelectionRetryMaxAttempts, 5);
    assert.equal(retryPolicyFromVirtualService({ attempts: 1, retryIgnorePreviousHosts: true })?.previousHostsPredicate, true);
  });

  it('§1.9 backoff sets the base interval only', () => {
    assert.deepEqual(retryPolicyFromVirtualService({ attempts: 1, backoffMs: 2000 })?.backoff, { baseIntervalMs: 2000 });
  });
});
