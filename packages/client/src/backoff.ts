/**
 * Reconnect delays: exponential with full jitter and a cap ("Exponential
 * Backoff And Jitter", AWS Architecture Blog). Full jitter spreads a
 * reconnect storm after a node dies evenly over the window instead of in
 * synchronized waves.
 */
export interface BackoffOptions {
  /** Window of the first retry, ms. */
  baseMs: number;
  /** Largest window, ms. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ baseMs: 500, capMs: 30000 });

/** Upper bound of the delay before retry number `attempt` (0-based): min(cap, base·2^attempt). */
export function backoffWindow(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  // 2^31 overflows nothing in floats, but capping the exponent keeps the math obviously finite.
  const exp = Math.min(Math.max(0, Math.floor(attempt)), 30);
  return Math.min(opts.capMs, opts.baseMs * 2 ** exp);
}

/** A delay drawn uniformly from [0, window): `random` is injectable for tests. */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  return Math.floor(random() * backoffWindow(attempt, opts));
}
