import type pg from 'pg';

/** How fast the persister stored a set of rows, by Postgres' own clock. */
export interface PersistRate {
  events: number;
  /** First to last `persisted_at` of the rows (statement start times of the batch transactions). */
  spanS: number;
  eventsPerSec: number;
}

export async function persistRate(pool: pg.Pool, where: string, params: unknown[]): Promise<PersistRate> {
  const r = await pool.query<{ n: string; span: number | null }>(
    `SELECT count(*)::text AS n, extract(epoch FROM max(persisted_at) - min(persisted_at))::float8 AS span FROM events WHERE ${where}`,
    params,
  );
  const events = Number(r.rows[0]!.n);
  const spanS = r.rows[0]!.span ?? 0;
  return { events, spanS: Math.round(spanS * 100) / 100, eventsPerSec: spanS > 0 ? Math.round(events / spanS) : 0 };
}
