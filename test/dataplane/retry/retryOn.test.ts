/** §1.1 / §9 item 1: retry_on parsing exactly like Envoy. */
import * as assert from 'node:assert/strict';
import { parseRetryGrpcOn, parseRetryOn, parseRouteRetryOn, retryOnNames } from '../../../src/dataplane/retry';

describe('retry engine: retry_on parsing (§1.1)', () => {
  const cases: Array<[string, string, string[]]> = [
    ['§1.1 every HTTP token', '5xx,gateway-error,reset,reset-before-request,connect-failure,envoy-ratelimited,retriable-4xx,refused-stream,retriable-status-codes,retriable-headers,http3-post-connect-failure',
      ['5xx', 'gateway-error', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx', 'refused-stream', 'retriable-status-codes', 'retriable-headers', 'reset', 'reset-before-request', 'http3-post-connect-failure']],
    ['§1.1 every gRPC token', 'cancelled,deadline-exceeded,internal,resource-exhausted,unavailable', ['cancelled', 'deadline-exceeded', 'resource-exhausted', 'unavailable', 'internal']],
    ['§1.1 both families mixed in route config', '5xx,unavailable', ['5xx', 'unavailable']],
    ['§1.1 whitespace around tokens is trimmed (ASCII: space, tab, CR, LF, VT, FF)', ' 5xx ,\treset\r\n,\v\fcancelled ', ['5xx', 'reset', 'cancelled']],
    ['§1.1 empty and whitespace-only pieces are skipped', ',,5xx, ,', ['5xx']],
    ['§1.1 tokens are case-sensitive', '5XX,Reset,GATEWAY-ERROR', []],
    ['§1.1 Istio-style codes are unknown and ignored', '503,5xx', ['5xx']],
    ['§1.1 underscores are not hyphens', 'gateway_error,connect_failure,retriable_4xx', []],
    ['§1.1 only "," separates (no ";" or spaces)', '5xx;reset,gateway-error reset', []],
    ['§1.1 non-ASCII whitespace is not trimmed', '\u00a05xx', []],
    ['§1.1 object prototype names are not tokens', 'constructor,__proto__,toString', []],
    ['§1.1 duplicate tokens are harmless', '5xx,5xx', ['5xx']],
  ];
  for (const [title, value, want] of cases) {
    it(title, () => assert.deepEqual(retryOnNames(parseRouteRetryOn(value)), want));
  }

  it('§1.1 header variants: x-envoy-retry-on parses HTTP tokens only, x-envoy-retry-grpc-on gRPC only', () => {
    assert.deepEqual(retryOnNames(parseRetryOn('5xx,unavailable').flags), ['5xx']);
    assert.deepEqual(retryOnNames(parseRetryGrpcOn('5xx,unavailable').flags), ['unavailable']);
  });

  it('§1.1 allValid reports unknown tokens (unknown tokens are still ignored)', () => {
    assert.deepEqual(parseRetryOn('5xx,bogus'), { flags: parseRetryOn('5xx').flags, allValid: false });
    assert.equal(parseRetryOn('5xx, reset').allValid, true);
  });
});
