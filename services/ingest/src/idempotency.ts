import { createHash } from 'node:crypto';
import type pg from 'pg';
import { isUnavailable } from '@tidings/db';
import { ApiError } from '@tidings/runtime';

/**
 * `Idempotency-Key` bookkeeping (docs/contract.md §10). Each (producer, key)
 * is remembered with a fingerprint of the request it was first used for; a
 * retry of that request proceeds (it derives the same ids, and the persister
 * stores them once), a different request under the same key is refused.
 */

/** JSON with every object's keys sorted: two bodies that differ only in key order are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What makes two requests "the same": method, route and canonical body (recipients included). Only this hash is stored. */
export function requestFingerprint(method: string, route: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${route}\n${canonicalJson(body)}`).digest('base64url');
}

/**
 * Records the key for this request, or reads the request it was recorded
 * for, in one round trip. A row older than `retentionSec` is forgotten: it
 * is taken over by this request as if the key were new.
 */
const CLAIM = `INSERT INTO idempotency_keys AS k (source, key, fingerprint) VALUES ($1, $2, $3)
  ON CONFLICT (source, key) DO UPDATE SET
    fingerprint = CASE WHEN k.created_at < now() - make_interval(secs => $4) THEN EXCLUDED.fingerprint ELSE k.fingerprint END,
    created_at = CASE WHEN k.created_at < now() - make_interval(secs => $4) THEN now() ELSE k.created_at END
  RETURNING fingerprint`;

/**
 * Throws 422 TIDINGS_ERR_IDEMPOTENCY_MISMATCH when `key` was used by this
 * producer for a different request within the retention; 503 when Postgres
 * cannot answer (nothing was sent, so a retry is safe).
 */
export async function claimIdempotencyKey(pool: pg.Pool, source: string, key: string, fingerprint: string, retentionSec: number): Promise<void> {
  let stored: string | undefined;
  try {
    const r = await pool.query<{ fingerprint: string }>(CLAIM, [source, key, fingerprint, retentionSec]);
    stored = r.rows[0]?.fingerprint;
  } catch (error) {
    if (isUnavailable(error)) throw new ApiError('TIDINGS_ERR_UNAVAILABLE', 'the idempotency store is unavailable; nothing was accepted', undefined, { cause: error });
    throw new Error('error recording an idempotency key', { cause: error });
  }
  if (stored !== fingerprint) {
    throw new ApiError('TIDINGS_ERR_IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was already used for a different request', [
      { path: '/headers/idempotency-key', message: 'already used for a different request (another body or recipients); use a new key' },
    ]);
  }
}

/**
 * Deletes keys older than the retention, `batch` rows per statement (short
 * transactions, short locks) until none is left; returns how many went.
 */
export async function expireIdempotencyKeys(pool: pg.Pool, retentionSec: number, batch = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await pool.query(
      `DELETE FROM idempotency_keys WHERE (source, key) IN (
         SELECT source, key FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1) LIMIT $2)`,
      [retentionSec, batch],
    );
    const n = r.rowCount ?? 0;
    total += n;
    if (n < batch) return total;
  }
}
