import * as assert from 'node:assert/strict';
import { evaluate, type PhaseExpectation, type PhaseObservation } from '../../src/demo/promise';
import { WALKTHROUGHS } from '../../src/demo/walkthroughs';

/**
 * The demo's verdict (issue 6, item 3: "exits non-zero if a walkthrough does not show its promised
 * effect"): the evaluator passes a run that shows the effect and names what is missing otherwise.
 */

const phase = (label: string, calls: number, successes: number, stats: Record<string, number>): PhaseObservation => ({ label, calls, successes, stats });

/** Istio's external-service walkthrough: ~70 % without retries, ≥ 97 % with, retries counted. */
const EXTERNAL: PhaseExpectation[] = [
  { successPercent: { max: 90 }, stats: { upstream_rq_retry: { equals: 0 } } },
  { successPercent: { min: 97 }, moreSuccessfulThan: 0, stats: { upstream_rq_retry: { atLeast: 1 } } },
];

/** FSM's Retry: one call, the exact counters of the OSM/FSM e2e test (sources-kuma-fsm.md §2.1). */
const FSM: PhaseExpectation[] = [
  { stats: { upstream_rq_retry: { equals: 0 } } },
  { stats: { upstream_rq_retry: { equals: 5 }, upstream_rq_retry_limit_exceeded: { equals: 1 }, upstream_rq_retry_backoff_exponential: { equals: 5 } } },
];

describe('demo: did a walkthrough show its promised effect (src/demo/promise.ts)', () => {
  it('passes a run that shows the effect', () => {
    const v = evaluate(EXTERNAL, [phase('before', 100, 71, { upstream_rq_retry: 0 }), phase('after', 100, 100, { upstream_rq_retry: 38 })]);
    assert.deepEqual(v, { ok: true, problems: [] });
  });

  it('fails when after is not better than before, naming the phases and the rates', () => {
    const v = evaluate(
      [{ successPercent: { max: 90 } }, { moreSuccessfulThan: 0 }],
      [phase('before (no VirtualService)', 100, 71, {}), phase('after (attempts 3)', 100, 70, {})],
    );
    assert.equal(v.ok, false);
    assert.deepEqual(v.problems, ['expected after (attempts 3) better than before (no VirtualService), saw 70.0 % vs 71.0 % 2xx']);
  });

  it('fails when success stays under the promised rate, with the number seen', () => {
    const v = evaluate(EXTERNAL, [phase('before', 100, 71, { upstream_rq_retry: 0 }), phase('after', 100, 95, { upstream_rq_retry: 12 })]);
    assert.deepEqual(v.problems, ['expected after: ≥ 97.0 % 2xx, saw 95.0 %']);
  });

  it('fails when the "before" already succeeds (the doc\'s no-retry baseline did not show)', () => {
    const v = evaluate(EXTERNAL, [phase('before', 100, 99, { upstream_rq_retry: 0 }), phase('after', 100, 100, { upstream_rq_retry: 3 })]);
    assert.deepEqual(v.problems, ['expected before: ≤ 90.0 % 2xx, saw 99.0 %']);
  });

  it('fails on a missing retry stat, naming it (a missing counter never reads as 0)', () => {
    const v = evaluate(FSM, [
      phase('before', 1, 0, { upstream_rq_retry: 0 }),
      phase('after', 1, 0, { upstream_rq_retry: 5, upstream_rq_retry_limit_exceeded: 1 }),
    ]);
    assert.deepEqual(v.problems, ['expected after: stat upstream_rq_retry_backoff_exponential = 5, saw no such stat on the proxy']);
  });

  it('fails on a wrong counter, and on retries where none were promised', () => {
    const v = evaluate(FSM, [
      phase('before', 1, 0, { upstream_rq_retry: 2 }),
      phase('after', 1, 0, { upstream_rq_retry: 4, upstream_rq_retry_limit_exceeded: 1, upstream_rq_retry_backoff_exponential: 4 }),
    ]);
    assert.deepEqual(v.problems, [
      'expected before: upstream_rq_retry = 0, saw 2',
      'expected after: upstream_rq_retry = 5, saw 4',
      'expected after: upstream_rq_retry_backoff_exponential = 5, saw 4',
    ]);
  });

  it('fails a phase with no calls and a run with a phase missing', () => {
    assert.deepEqual(evaluate(EXTERNAL, [phase('before', 0, 0, { upstream_rq_retry: 0 }), phase('after', 100, 100, { upstream_rq_retry: 1 })]).problems,
      ['expected calls in before, saw none']);
    assert.deepEqual(evaluate(EXTERNAL, [phase('before', 100, 70, { upstream_rq_retry: 0 })]).problems, ['expected 2 phases measured, saw 1']);
  });

  it('every walkthrough\'s promise is checkable: a retry stat or a success bound in each phase, earlier phases referenced only', () => {
    for (const w of WALKTHROUGHS) {
      w.phases.forEach((p, i) => {
        const e = p.expect;
        assert.ok(e.successPercent || Object.keys(e.stats ?? {}).length > 0, `${w.id} phase ${i + 1} promises nothing`);
        if (e.moreSuccessfulThan !== undefined) assert.ok(e.moreSuccessfulThan < i, `${w.id} phase ${i + 1} compares with a later phase`);
      });
      assert.ok(w.phases[0].apply.length > 0, `${w.id}: the first phase applies something`);
    }
  });
});
