/**
 * Counters and gauges with Envoy's names, so `curl :9901/stats | grep upstream_rq_retry` works the
 * same on this proxy. Hot paths hold a `Counter` object (resolved once per cluster/listener) and
 * increment a number; nothing is looked up by string per request.
 */
export class Counter {
  value = 0;
  constructor(readonly name: string) {}
  inc(n = 1): void {
    this.value += n;
  }
}

export class Gauge {
  value = 0;
  constructor(readonly name: string) {}
  add(n: number): void {
    this.value += n;
  }
  set(n: number): void {
    this.value = n;
  }
}

export class StatsStore {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();

  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (!c) {
      c = new Counter(name);
      this.counters.set(name, c);
    }
    return c;
  }

  gauge(name: string): Gauge {
    let g = this.gauges.get(name);
    if (!g) {
      g = new Gauge(name);
      this.gauges.set(name, g);
    }
    return g;
  }

  /** `POST /reset_counters`: counters to zero, gauges keep their values (as Envoy does). */
  resetCounters(): void {
    for (const c of this.counters.values()) c.value = 0;
  }

  /** Every counter and gauge, sorted by name. */
  entries(): Array<{ name: string; value: number; type: 'counter' | 'gauge' }> {
    const out: Array<{ name: string; value: number; type: 'counter' | 'gauge' }> = [];
    for (const c of this.counters.values()) out.push({ name: c.name, value: c.value, type: 'counter' });
    for (const g of this.gauges.values()) out.push({ name: g.name, value: g.value, type: 'gauge' });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
