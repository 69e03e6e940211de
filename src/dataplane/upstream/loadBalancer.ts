/**
 * Load balancers over the hosts a cluster serves from (its healthy hosts, or all of them in panic
 * mode, see `lbSource`). ROUND_ROBIN (weighted: smooth weighted
 * round-robin when weights differ), LEAST_REQUEST (Envoy's power of two choices on active
 * requests; with unequal weights, the weight divides the active count), RANDOM.
 *
 * `chooseHost` implements retry host selection (envoy-retry.md §4.3): with a retry host predicate
 * the balancer is asked up to `maxAttempts` times and the first host the predicate accepts wins,
 * otherwise the last candidate anyway.
 */
import type { Host } from './host';

export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM';

export interface LoadBalancer {
  pick(): Host | undefined;
}

/**
 * The hosts Envoy's load balancer picks from (LoadBalancerBase::isHostSetInPanic): the healthy
 * ones, unless fewer than `panicThresholdPercent` percent of all hosts are healthy — then every
 * host ("panic mode"; an empty cluster is in panic too). A threshold of 0 never panics; with
 * `failTrafficOnPanic` panic means no host at all.
 */
export function lbSource(hosts: readonly Host[], panicThresholdPercent: number, failTrafficOnPanic = false): { source: readonly Host[]; panic: boolean } {
  const healthy = hosts.filter((h) => h.healthy);
  const healthyPercent = hosts.length === 0 ? 0 : (100 * healthy.length) / hosts.length;
  const panic = healthyPercent < Math.min(100, panicThresholdPercent);
  if (!panic) return { source: healthy, panic };
  return { source: failTrafficOnPanic ? [] : hosts, panic };
}

export function createLoadBalancer(policy: LbPolicy, source: readonly Host[], random: () => number = Math.random): LoadBalancer {
  const healthy = source;
  if (healthy.length === 0) return { pick: () => undefined };
  if (healthy.length === 1) {
    const only = healthy[0];
    return { pick: () => only };
  }
  const weighted = healthy.some((h) => h.weight !== healthy[0].weight);
  switch (policy) {
    case 'RANDOM':
      return { pick: () => healthy[Math.floor(random() * healthy.length)] };
    case 'LEAST_REQUEST':
      return {
        pick() {
          const a = healthy[Math.floor(random() * healthy.length)];
          const b = healthy[Math.floor(random() * healthy.length)];
          const la = weighted ? a.rqActive / Math.max(1, a.weight) : a.rqActive;
          const lb = weighted ? b.rqActive / Math.max(1, b.weight) : b.rqActive;
          return lb < la ? b : a;
        },
      };
    default:
      return weighted ? new SmoothWeightedRoundRobin(healthy) : new RoundRobin(healthy);
  }
}

class RoundRobin implements LoadBalancer {
  private index = 0;
  constructor(private readonly hosts: readonly Host[]) {}
  pick(): Host {
    const h = this.hosts[this.index];
    this.index = (this.index + 1) % this.hosts.length;
    return h;
  }
}

class SmoothWeightedRoundRobin implements LoadBalancer {
  private readonly current: number[];
  private readonly total: number;
  constructor(private readonly hosts: readonly Host[]) {
    this.current = hosts.map(() => 0);
    this.total = hosts.reduce((s, h) => s + Math.max(1, h.weight), 0);
  }
  pick(): Host {
    let best = 0;
    for (let i = 0; i < this.hosts.length; i++) {
      this.current[i] += Math.max(1, this.hosts[i].weight);
      if (this.current[i] > this.current[best]) best = i;
    }
    this.current[best] -= this.total;
    return this.hosts[best];
  }
}

/**
 * Host selection for an attempt. `reject` is the retry host predicate (e.g. previous_hosts); it
 * is only consulted for retries, and after `maxAttempts` rejected picks the last pick is used.
 */
export function chooseHost(lb: LoadBalancer, reject: ((h: Host) => boolean) | undefined, maxAttempts: number): Host | undefined {
  let host = lb.pick();
  if (!host || !reject) return host;
  for (let i = 1; i < maxAttempts && reject(host); i++) {
    const next = lb.pick();
    if (!next) break;
    host = next;
  }
  return host;
}
