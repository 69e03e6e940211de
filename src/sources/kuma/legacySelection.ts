/**
 * Which legacy Retry applies to one destination of one proxy (spec sources-kuma-fsm.md §1.1.3;
 * kumahq/kuma v2.14.3 pkg/core/policy/connection_matcher.go). Policies are sorted by name; a
 * policy is a candidate when one of its `sources` matches the proxy's tags (its best-ranked
 * such source counts); per destination the best aggregate rank (destination + source) wins,
 * then the later creationTime, then the name that sorts first. Exactly one policy, never merged.
 */
import type { ProxyIdentity } from '../../ir/model';
import { selectorMatches } from '../../ir/proxy';
import type { SourceObject } from '../object';
import { compareStrings } from '../provenance';
import { createdOf } from './dialect';
import type { LegacyRetrySpec } from './legacyRetry';
import { addRanks, compareRanks, rankOf, type Rank, type Selector } from './selectors';

export interface LegacyRetry {
  object: SourceObject;
  spec: LegacyRetrySpec;
}

export interface LegacyCandidate extends LegacyRetry {
  sourceRank: Rank;
}

/** Policies with a source matching the proxy, sorted by name, each with its best source rank. */
export function legacyCandidates(retries: readonly LegacyRetry[], proxy: ProxyIdentity): LegacyCandidate[] {
  const out: LegacyCandidate[] = [];
  for (const retry of [...retries].sort((a, b) => compareStrings(a.object.name, b.object.name))) {
    const ranks = retry.spec.sources.filter((match) => selectorMatches({ kind: 'labels', match }, proxy)).map(rankOf);
    if (ranks.length === 0) continue;
    out.push({ ...retry, sourceRank: ranks.reduce((best, r) => (compareRanks(r, best) > 0 ? r : best)) });
  }
  return out;
}

export interface LegacyPick {
  winner: LegacyCandidate;
  /** Every other candidate whose destinations matched, in name order. */
  losers: LegacyCandidate[];
}

/** The one policy for a destination; `matches` says whether a destination selector names it. */
export function pickLegacy(candidates: readonly LegacyCandidate[], matches: (selector: Selector) => boolean): LegacyPick | undefined {
  let best: { candidate: LegacyCandidate; rank: Rank } | undefined;
  const matched: LegacyCandidate[] = [];
  for (const candidate of candidates) {
    const ranks = candidate.spec.destinations.filter(matches).map(rankOf);
    if (ranks.length === 0) continue;
    matched.push(candidate);
    const destination = ranks.reduce((b, r) => (compareRanks(r, b) > 0 ? r : b));
    const rank = addRanks(destination, candidate.sourceRank);
    const byRank = best ? compareRanks(rank, best.rank) : 1;
    if (byRank > 0 || (byRank === 0 && best && createdLater(candidate.object, best.candidate.object))) best = { candidate, rank };
  }
  if (!best) return undefined;
  const winner = best.candidate;
  return { winner, losers: matched.filter((c) => c !== winner) };
}

/** Strictly later creationTime; an object without one counts as the earliest possible. */
function createdLater(a: SourceObject, b: SourceObject): boolean {
  const ta = Date.parse(createdOf(a) ?? '');
  const tb = Date.parse(createdOf(b) ?? '');
  const va = Number.isNaN(ta) ? -Infinity : ta;
  const vb = Number.isNaN(tb) ? -Infinity : tb;
  return va > vb;
}
