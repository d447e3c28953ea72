/** A per-key token-bucket budget: `burst` units at once, refilled at `perSec`. */
export interface BudgetOptions {
  perSec: number;
  burst: number;
  /** Called for every refused spend (metrics). */
  onRefused?: () => void;
}

/** `ok`, or how long until the same request would be allowed. */
export type Spend = { ok: true } | { ok: false; retryAfterMs: number };

export interface Budgets {
  /**
   * Spends `cost` units of `key`'s budget. A request costing more than the
   * burst is allowed once the bucket is full and leaves it in debt, so every
   * valid request can pass eventually; over any window of T seconds a key is
   * granted at most `burst + perSec·T` units plus one request's cost.
   */
  spend(key: string, cost: number, now?: number): Spend;
  /** Forgets keys whose bucket has refilled (nothing to remember); returns how many remain. */
  sweep(now?: number): number;
  readonly size: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-user budgets of one node (not shared across nodes: a user spread over
 * N nodes may spend up to N budgets). Memory is bounded by the users active
 * within the last `burst / perSec` seconds: full buckets are swept.
 */
export function createBudgets(opts: BudgetOptions): Budgets {
  const buckets = new Map<string, Bucket>();
  const refill = (b: Bucket, now: number) => {
    b.tokens = Math.min(opts.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * opts.perSec);
    b.at = now;
  };
  return {
    spend(key, cost, now = Date.now()) {
      let b = buckets.get(key);
      if (!b) {
        b = { tokens: opts.burst, at: now };
        buckets.set(key, b);
      } else {
        refill(b, now);
      }
      const needed = Math.min(cost, opts.burst);
      // The epsilon absorbs float error, so waiting exactly retryAfterMs always suffices.
      if (b.tokens + 1e-9 >= needed) {
        b.tokens -= cost;
        return { ok: true };
      }
      opts.onRefused?.();
      return { ok: false, retryAfterMs: Math.ceil(((needed - b.tokens) / opts.perSec) * 1000) };
    },
    sweep(now = Date.now()) {
      for (const [key, b] of buckets) {
        refill(b, now);
        if (b.tokens >= opts.burst) buckets.delete(key);
      }
      return buckets.size;
    },
    get size() {
      return buckets.size;
    },
  };
}
