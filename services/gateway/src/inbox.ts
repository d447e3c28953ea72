import type pg from 'pg';
import { encodeCursor, type InboxItem, type InboxPage } from '@tidings/protocol';

export interface InboxQuery {
  userId: string;
  partition: number;
  epoch: string;
  limit: number;
  /** Offset (decimal) of the oldest item of the previous page. */
  before?: string | undefined;
  status: 'unread' | 'all';
  archived: boolean;
}

interface Row {
  notification_id: string;
  offset: string;
  category: string;
  title: string;
  body: string | null;
  url: string | null;
  payload: unknown;
  priority: 'low' | 'normal' | 'high';
  group_key: string | null;
  expires_at: Date | null;
  created_at: Date;
  seen_at: Date | null;
  read_at: Date | null;
  archived_at: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toItem(r: Row): InboxItem {
  return {
    id: r.notification_id,
    category: r.category,
    title: r.title,
    ...(r.body !== null ? { body: r.body } : {}),
    ...(r.url !== null ? { url: r.url } : {}),
    ...(r.payload !== null ? { payload: r.payload } : {}),
    priority: r.priority,
    ...(r.group_key !== null ? { groupKey: r.group_key } : {}),
    ...(r.expires_at !== null ? { expiresAt: r.expires_at.toISOString() } : {}),
    createdAt: r.created_at.toISOString(),
    seenAt: iso(r.seen_at),
    readAt: iso(r.read_at),
    archivedAt: iso(r.archived_at),
  };
}

/**
 * An inbox page, newest first, with the stream position it is complete up
 * to. Page, unread count and watermark are read in one REPEATABLE READ
 * snapshot: the persister writes rows and watermark in one transaction, so
 * the page holds exactly the events below the watermark — resuming the socket
 * from `cursor` then yields precisely what the page does not have.
 */
export async function inboxPage(pool: pg.Pool, q: InboxQuery): Promise<InboxPage> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const w = await client.query<{ next_offset: string }>('SELECT next_offset FROM watermarks WHERE partition = $1', [q.partition]);
    const conditions = ['user_id = $1', q.archived ? 'archived_at IS NOT NULL' : 'archived_at IS NULL'];
    const params: unknown[] = [q.userId, q.limit + 1];
    if (q.status === 'unread') conditions.push('read_at IS NULL');
    if (q.before !== undefined) {
      params.push(q.before);
      conditions.push(`"offset" < $${params.length}`);
    }
    const rows = await client.query<Row>(
      `SELECT * FROM inbox WHERE ${conditions.join(' AND ')} ORDER BY "offset" DESC LIMIT $2`,
      params,
    );
    const unread = await client.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM inbox WHERE user_id = $1 AND read_at IS NULL AND archived_at IS NULL',
      [q.userId],
    );
    await client.query('COMMIT');
    const next = BigInt(w.rows[0]?.next_offset ?? '0');
    const page = rows.rows.slice(0, q.limit);
    const more = rows.rows.length > q.limit;
    return {
      items: page.map(toItem),
      ...(more ? { nextBefore: page[page.length - 1]!.offset } : {}),
      cursor: encodeCursor({ epoch: q.epoch, partition: q.partition, offset: next - 1n }),
      unread: Number(unread.rows[0]?.n ?? 0),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function unreadCount(pool: pg.Pool, userId: string): Promise<number> {
  const r = await pool.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM inbox WHERE user_id = $1 AND read_at IS NULL AND archived_at IS NULL',
    [userId],
  );
  return Number(r.rows[0]?.n ?? 0);
}
