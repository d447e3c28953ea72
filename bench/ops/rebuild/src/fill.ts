import type pg from 'pg';
import { toMessage, type AtomicSender } from '@tidings/kafka';
import type { Envelope } from '@tidings/protocol';

const PARTITIONS = 12;

/**
 * A synthetic log straight into the mirror, in one INSERT … SELECT over
 * generate_series: event i sits at partition i % 12, offset i / 12; a user
 * owns every `users`-th offset of one partition. Per user, in rounds of 5
 * events: 3 notifications created, then a `read` of the last one and a
 * `seen` (or, every 7th round, an `archived`) of it; every 97th state event
 * is a `read all` instead. About 40 % state events, as a busy inbox has.
 * Watermarks are set to the end, as the persister would have left them.
 */
export async function fillMirror(pool: pg.Pool, events: number, users: number): Promise<{ created: number; state: number }> {
  await pool.query(
    `INSERT INTO events (id, user_id, partition, "offset", type, time, source, data)
     SELECT 'e-' || p || '-' || o,
            'u-' || p || '-' || (o % $2),
            p, o,
            CASE WHEN k < 3 THEN 'notification.created'
                 WHEN k = 3 THEN 'notification.read'
                 WHEN (o / $2) % 7 = 0 THEN 'notification.archived'
                 ELSE 'notification.seen' END,
            timestamptz '2025-01-01T00:00:00Z' + (i * interval '1 millisecond'),
            'bench',
            CASE WHEN k < 3 THEN jsonb_build_object('category', 'bench', 'title', 'Order ' || i || ' has shipped', 'body', 'Tracking 1Z999AA1' || i, 'url', 'https://example.com/o/' || i)
                 WHEN i % 97 = 0 THEN jsonb_build_object('all', true)
                 ELSE jsonb_build_object('notificationId', 'e-' || p || '-' || (o - $2 * (k - 2))) END
     FROM (SELECT i, i % ${PARTITIONS} AS p, i / ${PARTITIONS} AS o, ((i / ${PARTITIONS}) / $2) % 5 AS k FROM generate_series(0, $1::bigint - 1) AS i) s`,
    [events, users],
  );
  await pool.query(
    `INSERT INTO watermarks (partition, next_offset) SELECT partition, max("offset") + 1 FROM events GROUP BY partition
     ON CONFLICT (partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`,
  );
  await pool.query('ANALYZE events');
  const r = await pool.query<{ created: string; state: string }>(
    `SELECT count(*) FILTER (WHERE type = 'notification.created')::text AS created, count(*) FILTER (WHERE type <> 'notification.created')::text AS state FROM events`,
  );
  return { created: Number(r.rows[0]!.created), state: Number(r.rows[0]!.state) };
}

/**
 * The same shape through Kafka (for the Kafka-source run): batches of
 * envelopes keyed by user, each batch one transaction. The persister then
 * mirrors them as it would any traffic.
 */
export async function produceLog(sender: AtomicSender, topic: string, events: number, users: number): Promise<void> {
  const lastCreated = new Map<string, string>();
  const batch: Envelope[] = [];
  const time = new Date().toISOString();
  for (let i = 0; i < events; i++) {
    const userId = `k-${i % users}`;
    const k = Math.floor(i / users) % 5;
    const id = `k-${i}`;
    const target = lastCreated.get(userId);
    if (k < 3 || !target) {
      batch.push({ id, type: 'notification.created', userId, time, source: 'bench', data: { category: 'bench', title: `Order ${i} has shipped`, body: `Tracking 1Z999AA1${i}` } });
      lastCreated.set(userId, id);
    } else {
      batch.push({ id, type: k === 3 ? 'notification.read' : 'notification.seen', userId, time, source: 'bench', data: i % 97 === 0 ? { all: true } : { notificationId: target } });
    }
    if (batch.length === 2000 || i === events - 1) {
      await sender.send([{ topic, messages: batch.map((e) => toMessage(e)) }]);
      batch.length = 0;
    }
  }
}
