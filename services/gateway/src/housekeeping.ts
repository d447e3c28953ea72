import { Phase, type Connection } from './conn.js';

/** What the node's periodic sweep must do for one connection now. */
export type Chore = 'none' | 'hello_timeout' | 'token_warning' | 'token_expired';

/**
 * Pure: hello deadline, token warning and token expiry as a function of the
 * clock. One sweep over all sockets replaces three timers per socket (and
 * cannot overflow setTimeout's 24.8-day limit for long-lived tokens).
 */
export function choreFor(c: Pick<Connection, 'phase' | 'helloDeadline' | 'expiresAt' | 'warned'>, now: number, warningMs: number): Chore {
  if (c.phase === Phase.awaitingHello) return now >= c.helloDeadline ? 'hello_timeout' : 'none';
  if (c.phase !== Phase.open || c.expiresAt === 0) return 'none';
  // `token_expiring` precedes every expiry close: a token that reached its
  // expiry unwarned (it was issued or refreshed with less than `warningMs`
  // left) is warned first and closed at a later sweep.
  if (!c.warned && now >= c.expiresAt - warningMs) return 'token_warning';
  if (now >= c.expiresAt) return c.warned ? 'token_expired' : 'none';
  return 'none';
}

/**
 * Sweep period: a quarter of the tightest deadline it enforces, between
 * 50 ms and 1 s — so a deadline is met within 25 % (and within 1 s at most),
 * while a node with 50k sockets walks them at most once a second by default.
 */
export function sweepPeriodMs(helloTimeoutMs: number, tokenWarningMs: number, heartbeatMs: number): number {
  return Math.max(50, Math.min(1000, Math.floor(Math.min(helloTimeoutMs, tokenWarningMs, heartbeatMs) / 4)));
}
