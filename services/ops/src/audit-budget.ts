/**
 * Bounds the audit rows that refused requests cost (docs/operations.md,
 * "Access, audit, CLI"): an unauthenticated flood must not turn into an
 * unbounded stream of Postgres writes. A token bucket per class of caller —
 * `anonymous` (no token that verified) and `authenticated` — so a flood of
 * bad tokens cannot crowd out the refusals of a real operator. What the
 * bucket refuses is counted, and the next row of that class carries the
 * count (`droppedBefore`), so the audit log itself says that rows are missing.
 */
export type AuditClass = 'anonymous' | 'authenticated';

export interface AuditBudget {
  /** `dropped`: rows of this class refused since the last one admitted; `undefined` when this one is refused too. */
  take(cls: AuditClass): { dropped: number } | undefined;
}

export function createAuditBudget(opts: { perSec: number; burst: number; now?: () => number }): AuditBudget {
  const now = opts.now ?? Date.now;
  const buckets = new Map<AuditClass, { tokens: number; at: number; dropped: number }>();
  return {
    take(cls) {
      const t = now();
      const b = buckets.get(cls) ?? { tokens: opts.burst, at: t, dropped: 0 };
      buckets.set(cls, b);
      b.tokens = Math.min(opts.burst, b.tokens + ((t - b.at) / 1000) * opts.perSec);
      b.at = t;
      if (b.tokens < 1) {
        b.dropped += 1;
        return undefined;
      }
      b.tokens -= 1;
      const dropped = b.dropped;
      b.dropped = 0;
      return { dropped };
    },
  };
}
