/**
 * RING_HASH load balancing, as Envoy's RingHashLoadBalancer builds and walks its ring
 * (source/extensions/load_balancing_policies/ring_hash/ring_hash_lb.cc; docs
 * intro/arch_overview/upstream/load_balancing/load_balancers.rst "Ring hash"):
 *
 * - weights are normalised over the hosts served from (healthy ones, or all in panic);
 * - scale = min(ceil(min_weight × minimum_ring_size) / min_weight, maximum_ring_size) and each host
 *   gets entries while a running count stays below the running target scale × weight, so hosts
 *   fill the ring in order with whole entries;
 * - entry i of a host hashes `<address:port>_<i>` (or `<hostname>_<i>` with
 *   use_hostname_for_hashing) with XXH64, and the ring is sorted by hash;
 * - a request hash picks the first entry at or after it (ketama's binary search, wrapping to the
 *   start); retry attempt n (a host predicate rejected the pick) moves n entries further.
 */
import type { Host } from './host';
import { xxHash64 } from './xxhash64';

export interface RingHashSettings {
  minimumRingSize: number;
  maximumRingSize: number;
  useHostnameForHashing: boolean;
}

interface RingEntry {
  hash: bigint;
  host: Host;
}

export class Ring {
  private readonly entries: RingEntry[] = [];

  constructor(hosts: readonly Host[], settings: RingHashSettings) {
    if (hosts.length === 0) return;
    const sum = hosts.reduce((s, h) => s + h.weight, 0);
    const weights = hosts.map((h) => h.weight / sum);
    const minWeight = Math.min(...weights);
    const scale = Math.min(Math.ceil(minWeight * settings.minimumRingSize) / minWeight, settings.maximumRingSize);
    let current = 0;
    let target = 0;
    hosts.forEach((host, k) => {
      const key = settings.useHostnameForHashing && host.hostname ? host.hostname : host.addressString;
      target += scale * weights[k];
      for (let i = 0; current < target; i++, current++) this.entries.push({ hash: xxHash64(`${key}_${i}`), host });
    });
    this.entries.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  }

  get size(): number {
    return this.entries.length;
  }

  /** Ring::chooseHost(h, attempt): the entry for hash `h`, `attempt` entries further on retries. */
  choose(h: bigint, attempt: number): Host | undefined {
    const ring = this.entries;
    if (ring.length === 0) return undefined;
    // ketama_get_server with signed indices, ported as is.
    let lowp = 0;
    let highp = ring.length;
    let midp = 0;
    for (;;) {
      midp = Math.trunc((lowp + highp) / 2);
      if (midp === ring.length) {
        midp = 0;
        break;
      }
      const midval = ring[midp].hash;
      const midval1 = midp === 0 ? 0n : ring[midp - 1].hash;
      if (h <= midval && h > midval1) break;
      if (midval < h) lowp = midp + 1;
      else highp = midp - 1;
      if (lowp > highp) {
        midp = 0;
        break;
      }
    }
    if (attempt > 0) midp = (midp + attempt) % ring.length;
    return ring[midp].host;
  }
}

/** A uniformly random 64-bit hash (Envoy's random_.random() when no hash policy produced one). */
export function randomHash(random: () => number = Math.random): bigint {
  const hi = BigInt(Math.floor(random() * 2 ** 32));
  const lo = BigInt(Math.floor(random() * 2 ** 32));
  return (hi << 32n) | lo;
}
