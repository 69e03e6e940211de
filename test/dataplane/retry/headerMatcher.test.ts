/** §5.3: Envoy HeaderMatcher semantics (HeaderUtility::matchHeaders). */
import * as assert from 'node:assert/strict';
import type { DpHeaderMatcher } from '../../../src/dataplane/config/model';
import type { HeaderMap } from '../../../src/dataplane/retry/api';
import { headerMatches } from '../../../src/dataplane/retry';

function m(fields: Partial<DpHeaderMatcher>): DpHeaderMatcher {
  return { name: 'x-h', invert: false, ignoreCase: false, ...fields };
}

type Case = [title: string, matcher: DpHeaderMatcher, headers: HeaderMap, want: boolean];

const CASES: Case[] = [
  // exact
  ['exact equal', m({ exact: 'abc' }), { 'x-h': 'abc' }, true],
  ['exact is case-sensitive', m({ exact: 'abc' }), { 'x-h': 'ABC' }, false],
  ['exact ignore_case (ASCII)', m({ exact: 'abc', ignoreCase: true }), { 'x-h': 'AbC' }, true],
  ['exact ignore_case does not fold non-ASCII', m({ exact: 'é', ignoreCase: true }), { 'x-h': 'É' }, false],
  ['exact "" matches only an empty value', m({ exact: '' }), { 'x-h': 'x' }, false],
  ['exact "" matches an empty value', m({ exact: '' }), { 'x-h': '' }, true],
  ['exact over repeated header: values joined with ","', m({ exact: 'a,b' }), { 'x-h': ['a', 'b'] }, true],
  ['exact over repeated header does not see one value', m({ exact: 'a' }), { 'x-h': ['a', 'b'] }, false],
  // prefix / suffix / contains
  ['prefix', m({ prefix: 'ab' }), { 'x-h': 'abc' }, true],
  ['prefix miss', m({ prefix: 'bc' }), { 'x-h': 'abc' }, false],
  ['prefix ignore_case', m({ prefix: 'AB', ignoreCase: true }), { 'x-h': 'abc' }, true],
  ['suffix', m({ suffix: 'bc' }), { 'x-h': 'abc' }, true],
  ['suffix ignore_case', m({ suffix: 'BC', ignoreCase: true }), { 'x-h': 'abc' }, true],
  ['contains', m({ contains: 'b' }), { 'x-h': 'abc' }, true],
  ['contains miss', m({ contains: 'B' }), { 'x-h': 'abc' }, false],
  ['contains ignore_case', m({ contains: 'B', ignoreCase: true }), { 'x-h': 'abc' }, true],
  // safe_regex: full match, ignore_case has no effect
  ['safe_regex full match', m({ safeRegex: 'a.c' }), { 'x-h': 'abc' }, true],
  ['safe_regex is anchored (no partial match)', m({ safeRegex: 'b' }), { 'x-h': 'abc' }, false],
  ['safe_regex alternation is anchored as a whole', m({ safeRegex: 'a|abc' }), { 'x-h': 'abc' }, true],
  ['safe_regex ignores ignore_case', m({ safeRegex: 'abc', ignoreCase: true }), { 'x-h': 'ABC' }, false],
  ['safe_regex that does not compile never matches', m({ safeRegex: '(' }), { 'x-h': '(' }, false],
  // range [start, end)
  ['range start inclusive', m({ range: { start: 10, end: 20 } }), { 'x-h': '10' }, true],
  ['range end exclusive', m({ range: { start: 10, end: 20 } }), { 'x-h': '20' }, false],
  ['range negative values', m({ range: { start: -5, end: 0 } }), { 'x-h': '-3' }, true],
  ['range SimpleAtoi trims whitespace', m({ range: { start: 0, end: 100 } }), { 'x-h': ' 42 ' }, true],
  ['range non-integer never matches', m({ range: { start: 0, end: 100 } }), { 'x-h': '4.2' }, false],
  ['range over int64 never matches', m({ range: { start: 0, end: 100 } }), { 'x-h': '9223372036854775808' }, false],
  // present
  ['present_match true, header present (even empty)', m({ present: true }), { 'x-h': '' }, true],
  ['present_match true, header missing', m({ present: true }), {}, false],
  ['present_match false, header missing', m({ present: false }), {}, true],
  ['present_match false, header present', m({ present: false }), { 'x-h': 'v' }, false],
  ['no specifier = present', m({}), { 'x-h': 'v' }, true],
  ['no specifier, missing', m({}), {}, false],
  // invert
  ['invert exact: other value matches', m({ exact: 'a', invert: true }), { 'x-h': 'b' }, true],
  ['invert exact: same value does not', m({ exact: 'a', invert: true }), { 'x-h': 'a' }, false],
  ['invert exact: missing header does NOT match (only present matchers see missing headers)', m({ exact: 'a', invert: true }), {}, false],
  ['invert prefix: missing header does not match', m({ prefix: 'a', invert: true }), {}, false],
  ['invert range: missing header does not match', m({ range: { start: 0, end: 1 }, invert: true }), {}, false],
  ['invert present true: missing header matches', m({ present: true, invert: true }), {}, true],
  ['invert present true: present header does not', m({ present: true, invert: true }), { 'x-h': 'v' }, false],
  ['invert present false: present header matches', m({ present: false, invert: true }), { 'x-h': 'v' }, true],
  ['invert present false: missing header does not', m({ present: false, invert: true }), {}, false],
  ['empty array counts as missing', m({ present: true }), { 'x-h': [] }, false],
  ['pseudo-headers are ordinary keys', m({ name: ':method', exact: 'GET' }), { ':method': 'GET' }, true],
];

describe('retry engine: header matchers (§5.3)', () => {
  for (const [title, matcher, headers, want] of CASES) {
    it(`§5.3 ${title}`, () => assert.equal(headerMatches(matcher, headers), want));
  }
});
