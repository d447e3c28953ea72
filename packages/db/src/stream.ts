import type pg from 'pg';

/**
 * NOTIFY channel the persister signals watermark moves on, payload
 * `partition:nextOffset`. Sent inside the batch transaction, so a listener
 * only ever hears of watermarks that are committed.
 */
export const WATERMARK_CHANNEL = 'tidings_watermarks';

/** The stream epoch created by migrate; cursors carry it. */
export async function readEpoch(db: pg.Pool | pg.ClientBase): Promise<string> {
  const r = await db.query<{ value: string }>(`SELECT value FROM meta WHERE key = 'epoch'`);
  const epoch = r.rows[0]?.value;
  if (!epoch) throw new Error('no stream epoch in meta: run migrations first');
  return epoch;
}
