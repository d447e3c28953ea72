import type pg from 'pg';
import { toMessage, type AtomicSender } from '@tidings/kafka';
import {
  parseEnvelope,
  validateEnvelope,
  type DeadLetter,
  type DeadLetterPage,
  type DeadLetterRetried,
  type DeadLetterRetryAll,
  type Envelope,
} from '@tidings/protocol';
import { ApiError } from '@tidings/runtime';

export interface DlqQuery {
  limit: number;
  /** Page token: rows with a larger id (the previous page's `next`). */
  after?: string | undefined;
  /** Only letters never retried. */
  pending?: boolean | undefined;
}

type Row = { id: string; partition: number; offset: string; key: string | null; value: string | null; reason: string; created_at: Date; retried_at: Date | null; retry_count: number };
const COLUMNS = 'id::text AS id, partition, "offset"::text AS offset, key, value, reason, created_at, retried_at, retry_count';
const toLetter = (r: Row): DeadLetter => ({
  id: r.id,
  partition: r.partition,
  offset: r.offset,
  key: r.key,
  value: r.value,
  reason: r.reason,
  createdAt: r.created_at.toISOString(),
  retriedAt: r.retried_at?.toISOString() ?? null,
  retryCount: r.retry_count,
});

/** Dead letters oldest first, keyset-paged by id, with the reason each was refused. */
export async function listDeadLetters(pool: pg.Pool, q: DlqQuery): Promise<DeadLetterPage> {
  const cond = ['id > $2'];
  if (q.pending) cond.push('retried_at IS NULL');
  const [r, pending] = await Promise.all([
    pool.query<Row>(`SELECT ${COLUMNS} FROM dead_letters WHERE ${cond.join(' AND ')} ORDER BY dead_letters.id LIMIT $1`, [q.limit + 1, q.after ?? '0']),
    pool.query<{ n: string }>('SELECT count(*)::text AS n FROM dead_letters WHERE retried_at IS NULL'),
  ]);
  const letters = r.rows.slice(0, q.limit).map(toLetter);
  return { letters, pending: Number(pending.rows[0]!.n), ...(r.rows.length > q.limit ? { next: letters[letters.length - 1]!.id } : {}) };
}

/**
 * Re-produces one dead letter to the events topic (key = userId) — its
 * stored value, or a corrected `value` — once it validates as an envelope.
 * The persister then stores it like any record; ids are unique in the
 * mirror (G4), so retrying the same letter twice stores it once.
 * Produced before it is marked: a crash between the two leaves a letter
 * that looks unretried, and retrying it again is harmless.
 */
export async function retryDeadLetter(pool: pg.Pool, sender: AtomicSender, eventsTopic: string, id: string, corrected?: unknown): Promise<DeadLetterRetried> {
  const r = await pool.query<Row>(`SELECT ${COLUMNS} FROM dead_letters WHERE id = $1`, [id]);
  const letter = r.rows[0];
  if (!letter) throw new ApiError('TIDINGS_ERR_NOT_FOUND', `no dead letter ${id}`);
  const checked = corrected !== undefined ? validateEnvelope(corrected) : parseEnvelope(letter.value);
  if (!checked.ok) {
    const prefix = corrected !== undefined ? '/value' : '';
    throw new ApiError(
      'TIDINGS_ERR_VALIDATION',
      corrected !== undefined ? 'the corrected value is not a valid envelope' : 'the stored value is still not a valid envelope; pass a corrected value',
      checked.issues.map((i) => ({ path: `${prefix}${i.path === '/' ? '' : i.path}` || '/', message: i.message })),
    );
  }
  await sender.send([{ topic: eventsTopic, messages: [toMessage(checked.value)] }]);
  const marked = await pool.query<{ retry_count: number }>(
    'UPDATE dead_letters SET retried_at = now(), retry_count = retry_count + 1 WHERE id = $1 RETURNING retry_count',
    [id],
  );
  return { id, eventId: checked.value.id, userId: checked.value.userId, retryCount: marked.rows[0]?.retry_count ?? letter.retry_count + 1 };
}

/**
 * Retries every pending letter whose stored value now validates (after a
 * fix to the validator or to the producer's schema), a page at a time: each
 * page is one Kafka transaction, then marked. Letters that still fail are
 * reported and left pending.
 */
export async function retryAllDeadLetters(pool: pg.Pool, sender: AtomicSender, eventsTopic: string, pageSize = 500): Promise<DeadLetterRetryAll> {
  const result: DeadLetterRetryAll = { retried: 0, skipped: [], skippedCount: 0 };
  let after = '0';
  for (;;) {
    const page = await pool.query<Row>(`SELECT ${COLUMNS} FROM dead_letters WHERE retried_at IS NULL AND id > $1 ORDER BY dead_letters.id LIMIT $2`, [after, pageSize]);
    if (page.rows.length === 0) return result;
    after = page.rows[page.rows.length - 1]!.id;
    const good: { id: string; event: Envelope }[] = [];
    for (const row of page.rows) {
      const checked = parseEnvelope(row.value);
      if (checked.ok) good.push({ id: row.id, event: checked.value });
      else {
        result.skippedCount += 1;
        if (result.skipped.length < 100) result.skipped.push({ id: row.id, issues: checked.issues });
      }
    }
    if (good.length > 0) {
      await sender.send([{ topic: eventsTopic, messages: good.map((g) => toMessage(g.event)) }]);
      await pool.query('UPDATE dead_letters SET retried_at = now(), retry_count = retry_count + 1 WHERE id = ANY($1::bigint[])', [good.map((g) => g.id)]);
      result.retried += good.length;
    }
  }
}
