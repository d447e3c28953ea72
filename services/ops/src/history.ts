import type pg from 'pg';
import { decodeCursor, encodeCursor, timestampProblem, type HistoryPage } from '@tidings/protocol';
import { ApiError } from '@tidings/runtime';

/**
 * A bound of a history range: an RFC 3339 time or a cursor (as clients and
 * history pages hand them out). The two never look alike: a time always has
 * a `:`, a cursor is base64url.
 */
export type Bound = { time: string } | { partition: number; offset: bigint };

export interface HistoryQuery {
  userId: string;
  /** Inclusive for a time; exclusive for a cursor ("events after it"), so a page's `next` continues the listing. */
  from?: Bound | undefined;
  /** Exclusive for a time; inclusive for a cursor ("up to and including it"). */
  to?: Bound | undefined;
  limit: number;
}

/** Parses a `from`/`to` parameter, refusing cursors of another epoch (another database or log incarnation). */
export function parseBound(value: string, epoch: string, field: string): Bound {
  if (value.includes(':')) {
    const problem = timestampProblem(value);
    if (problem) throw invalid(field, `${problem} (a time bound; or pass a cursor)`);
    return { time: value };
  }
  const decoded = decodeCursor(value);
  if (!decoded.ok) throw invalid(field, 'is neither an RFC 3339 time nor a cursor');
  if (decoded.position.epoch !== epoch) throw invalid(field, 'is a cursor from another epoch (another database or log incarnation)');
  return { partition: decoded.position.partition, offset: decoded.position.offset };
}

const invalid = (field: string, message: string) => new ApiError('TIDINGS_ERR_VALIDATION', `${field} ${message}`, [{ path: `/querystring/${field}`, message }]);

/**
 * A user's events from the mirror, in log order. All of a user's events are
 * in one partition, so (partition, offset) orders them and a cursor bound is
 * a row comparison the (user_id, partition, offset) index serves.
 */
export async function userHistory(pool: pg.Pool, epoch: string, q: HistoryQuery): Promise<HistoryPage> {
  const cond = ['user_id = $1'];
  const params: unknown[] = [q.userId, q.limit + 1];
  const add = (sql: string, ...values: unknown[]) => {
    let text = sql;
    for (const v of values) {
      params.push(v);
      text = text.replace('?', `$${params.length}`);
    }
    cond.push(text);
  };
  if (q.from) {
    if ('time' in q.from) add('time >= ?', q.from.time);
    else add('(partition, "offset") > (?, ?)', q.from.partition, q.from.offset.toString());
  }
  if (q.to) {
    if ('time' in q.to) add('time < ?', q.to.time);
    else add('(partition, "offset") <= (?, ?)', q.to.partition, q.to.offset.toString());
  }
  const r = await pool.query<{ id: string; type: string; user_id: string; time: Date; source: string; data: unknown; partition: number; offset: string }>(
    `SELECT id, type, user_id, time, source, data, partition, "offset"::text AS offset
       FROM events WHERE ${cond.join(' AND ')} ORDER BY events.partition, events."offset" LIMIT $2`,
    params,
  );
  const rows = r.rows.slice(0, q.limit);
  const events = rows.map((row) => ({
    partition: row.partition,
    offset: row.offset,
    cursor: encodeCursor({ epoch, partition: row.partition, offset: BigInt(row.offset) }),
    event: { id: row.id, type: row.type, userId: row.user_id, time: row.time.toISOString(), source: row.source, data: row.data },
  }));
  return { events, ...(r.rows.length > q.limit ? { next: events[events.length - 1]!.cursor } : {}) };
}
