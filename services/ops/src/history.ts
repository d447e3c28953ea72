import type pg from 'pg';

export interface HistoryQuery {
  userId: string;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  /** Continue after this offset (decimal) — the previous page's `next`. */
  after?: string | undefined;
}

export interface HistoryEvent {
  partition: number;
  offset: string;
  event: { id: string; type: string; userId: string; time: string; source: string; data: unknown };
}

/** A user's events from the mirror, in log order, paged by offset. */
export async function userHistory(pool: pg.Pool, q: HistoryQuery): Promise<{ events: HistoryEvent[]; next?: string }> {
  const cond = ['user_id = $1'];
  const params: unknown[] = [q.userId, q.limit + 1];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    cond.push(sql.replace('?', `$${params.length}`));
  };
  if (q.from) add('time >= ?', q.from);
  if (q.to) add('time < ?', q.to);
  if (q.after) add('"offset" > ?', q.after);
  const r = await pool.query<{ id: string; type: string; user_id: string; time: Date; source: string; data: unknown; partition: number; offset: string }>(
    `SELECT id, type, user_id, time, source, data, partition, "offset"::text AS offset
       FROM events WHERE ${cond.join(' AND ')} ORDER BY "offset" LIMIT $2`,
    params,
  );
  const rows = r.rows.slice(0, q.limit);
  return {
    events: rows.map((row) => ({
      partition: row.partition,
      offset: row.offset,
      event: { id: row.id, type: row.type, userId: row.user_id, time: row.time.toISOString(), source: row.source, data: row.data },
    })),
    ...(r.rows.length > q.limit ? { next: rows[rows.length - 1]!.offset } : {}),
  };
}
