/**
 * A cluster's retry circuit (envoy-retry.md §4.1, §4.2): outstanding retries across all requests
 * against `max_retries` (default 3) or, when `retry_budget` is set, against
 * max(floor(budget_percent% × (active + pending requests)), min_retry_concurrency), computed live
 * (ResourceManagerImpl::RetryBudgetImpl). It never counts `upstream_rq_retry_overflow`: the retry
 * state does, when tryStartRetry() refuses (RetryStateImpl::shouldRetry).
 *
 * The runtime's upstream/resources.ts RetryResource implements the same rules on its own counters;
 * this one takes callbacks and is what the engine's tests use.
 */
import type { RetryCircuit } from './api';

export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_BUDGET_PERCENT = 20;
export const DEFAULT_MIN_RETRY_CONCURRENCY = 3;

export interface RetryCircuitOptions {
  /** circuit_breakers max_retries; default 3. Ignored when a budget is set. */
  maxRetries?: number;
  /** retry_budget; `{}` gets the defaults 20 % / 3 (Envoy ≥ 1.18). */
  budget?: { budgetPercent?: number; minRetryConcurrency?: number };
  /** Live counts the budget is a percentage of. */
  activeRequests?: () => number;
  pendingRequests?: () => number;
  /** rq_retry_open gauge: called with true when the circuit becomes full, false when not. */
  onOpenChange?: (open: boolean) => void;
}

export class ClusterRetryCircuit implements RetryCircuit {
  /** Retries currently holding a slot (scheduled, not yet decided/finished). */
  outstanding = 0;
  private open = false;

  constructor(private readonly options: RetryCircuitOptions = {}) {}

  /** The concurrent-retry limit right now. */
  limit(): number {
    const o = this.options;
    if (!o.budget) return o.maxRetries ?? DEFAULT_MAX_RETRIES;
    const percent = o.budget.budgetPercent ?? DEFAULT_BUDGET_PERCENT;
    const min = o.budget.minRetryConcurrency ?? DEFAULT_MIN_RETRY_CONCURRENCY;
    const active = (o.activeRequests?.() ?? 0) + (o.pendingRequests?.() ?? 0);
    // std::max<uint64_t>(budget_percent / 100 * current_active, min): the double truncates.
    return Math.max(Math.floor((percent / 100) * active), min);
  }

  tryStartRetry(): boolean {
    if (this.outstanding >= this.limit()) return false;
    this.outstanding++;
    this.refreshOpen();
    return true;
  }

  retryFinished(): void {
    if (this.outstanding > 0) this.outstanding--;
    this.refreshOpen();
  }

  private refreshOpen(): void {
    const open = this.outstanding >= this.limit();
    if (open === this.open) return;
    this.open = open;
    this.options.onOpenChange?.(open);
  }
}
