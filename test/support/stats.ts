/**
 * Reading a proxy's cluster stats in end-to-end tests: one stat, the retry counter, and how much a
 * stat moved while a load ran (Envoy's counters only grow, so tests compare before and after).
 */
import * as assert from 'node:assert/strict';
import type { EnvoyProcess } from './envoy';

/** Anything with Envoy's /stats reader: a real Envoy or Ricochet's data plane. */
export type StatsSource = Pick<EnvoyProcess, 'stats'>;

/**
 * `cluster.<cluster>.<name>`. Envoy creates every counter of a cluster with the cluster, so a
 * missing stat is a misspelt cluster or stat name: it fails rather than reading as 0 (which would
 * let "no retries" assertions pass for the wrong reason).
 */
export async function clusterStat(proxy: StatsSource, cluster: string, name: string): Promise<number> {
  const key = `cluster.${cluster}.${name}`;
  const stats = await proxy.stats(new RegExp(`^${key.replace(/[.|*+?^${}()[\]\\]/g, '\\$&')}$`));
  const value = stats.get(key);
  assert.ok(value !== undefined, `the proxy has no stat ${key}`);
  return value;
}

/** The retries the proxy made for `cluster` so far (upstream_rq_retry). */
export function retryCount(proxy: StatsSource, cluster: string): Promise<number> {
  return clusterStat(proxy, cluster, 'upstream_rq_retry');
}

/** Runs `run` (usually a load) and returns its result and how much `cluster.<cluster>.<name>` moved meanwhile. */
export async function statDelta<T>(proxy: StatsSource, cluster: string, name: string, run: () => Promise<T>): Promise<{ result: T; delta: number }> {
  const before = await clusterStat(proxy, cluster, name);
  const result = await run();
  return { result, delta: (await clusterStat(proxy, cluster, name)) - before };
}
