/**
 * The cluster's circuit breakers (Envoy's ResourceManager for the default priority): connections,
 * pending requests, active requests and outstanding retries, each a live count against a
 * threshold, with the `circuit_breakers.default.*_open` gauges Envoy exports. With a
 * `retry_budget` the retry limit is computed live from active + pending requests
 * (envoy-retry.md §4.1, §4.2).
 */
import type { DpCircuitBreakers } from '../config/model';
import type { RetryCircuit } from '../retry/api';
import type { Gauge } from '../stats/store';

export class Resource {
  count = 0;
  constructor(public max: number, private readonly open: Gauge | undefined) {}

  canCreate(): boolean {
    return this.count < this.max;
  }

  inc(): void {
    this.count++;
    this.refresh();
  }

  dec(): void {
    if (this.count > 0) this.count--;
    this.refresh();
  }

  refresh(): void {
    if (this.open) this.open.set(this.count >= this.max ? 1 : 0);
  }
}

/** Retries: a fixed max, or Envoy's RetryBudgetImpl (max(percent × (active + pending), min concurrency)). */
export class RetryResource extends Resource implements RetryCircuit {
  budget: { budgetPercent: number; minRetryConcurrency: number } | undefined;

  constructor(max: number, open: Gauge | undefined, private readonly requests: Resource, private readonly pending: Resource) {
    super(max, open);
  }

  override canCreate(): boolean {
    return this.count < this.limit();
  }

  limit(): number {
    const b = this.budget;
    if (!b) return this.max;
    const active = this.requests.count + this.pending.count;
    return Math.max(Math.floor((b.budgetPercent / 100) * active), b.minRetryConcurrency);
  }

  tryStartRetry(): boolean {
    if (!this.canCreate()) return false;
    this.inc();
    return true;
  }

  retryFinished(): void {
    this.dec();
  }

  override refresh(): void {
    // The gauge is best effort with a budget: it depends on live traffic.
    super.refresh();
  }
}

export interface ResourceGauges {
  cx: Gauge;
  pending: Gauge;
  rq: Gauge;
  retry: Gauge;
}

export class ResourceManager {
  readonly connections: Resource;
  readonly pendingRequests: Resource;
  readonly requests: Resource;
  readonly retries: RetryResource;

  constructor(cb: DpCircuitBreakers, gauges?: ResourceGauges) {
    this.connections = new Resource(cb.maxConnections, gauges?.cx);
    this.pendingRequests = new Resource(cb.maxPendingRequests, gauges?.pending);
    this.requests = new Resource(cb.maxRequests, gauges?.rq);
    this.retries = new RetryResource(cb.maxRetries, gauges?.retry, this.requests, this.pendingRequests);
    this.retries.budget = cb.retryBudget ? { ...cb.retryBudget } : undefined;
    this.refreshAll();
  }

  /** New thresholds from a config update; live counts are kept. */
  update(cb: DpCircuitBreakers): void {
    this.connections.max = cb.maxConnections;
    this.pendingRequests.max = cb.maxPendingRequests;
    this.requests.max = cb.maxRequests;
    this.retries.max = cb.maxRetries;
    this.retries.budget = cb.retryBudget ? { ...cb.retryBudget } : undefined;
    this.refreshAll();
  }

  private refreshAll(): void {
    this.connections.refresh();
    this.pendingRequests.refresh();
    this.requests.refresh();
    this.retries.refresh();
  }
}
