import type pg from 'pg';
import type { CreatedEvent, StateEvent } from '@tidings/protocol';

/** An event with its log position, as the projection needs it. */
export interface Positioned<E> {
  partition: number;
  offset: bigint;
  event: E;
}

/**
 * Inserts inbox rows for `notification.created` events. Idempotent: a row
 * that exists is left alone.
 */
export async function insertCreated(client: pg.ClientBase, rows: Positioned<CreatedEvent>[], table = 'inbox'): Promise<void> {
  if (rows.length === 0) return;
  const cols: unknown[][] = Array.from({ length: 13 }, () => []);
  for (const { partition, offset, event } of rows) {
    const d = event.data;
    const values = [
      event.id,
      event.userId,
      partition,
      offset.toString(),
      d.category,
      d.title,
      d.body ?? null,
      d.url ?? null,
      d.payload === undefined ? null : JSON.stringify(d.payload),
      d.priority ?? 'normal',
      d.groupKey ?? null,
      d.expiresAt ?? null,
      event.time,
    ];
    values.forEach((v, i) => cols[i]!.push(v));
  }
  await client.query(
    `INSERT INTO ${table} (notification_id, user_id, partition, "offset", category, title, body, url, payload, priority, group_key, expires_at, created_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[],
                          $9::jsonb[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[])
     ON CONFLICT DO NOTHING`,
    cols,
  );
}

/**
 * Per state type: the column it sets and how. read/seen/archived keep the
 * first time (COALESCE), so applying one twice changes nothing; unarchived
 * clears. `read` also marks seen: nobody reads what they have not seen.
 */
const SET: Record<StateEvent['type'], { single: string; all: string }> = {
  'notification.read': {
    single: 'read_at = COALESCE(t.read_at, v.time), seen_at = COALESCE(t.seen_at, v.time)',
    all: 'read_at = $3, seen_at = COALESCE(seen_at, $3)',
  },
  'notification.seen': { single: 'seen_at = COALESCE(t.seen_at, v.time)', all: 'seen_at = $3' },
  'notification.archived': { single: 'archived_at = COALESCE(t.archived_at, v.time)', all: 'archived_at = $3' },
  'notification.unarchived': { single: 'archived_at = NULL', all: 'archived_at = NULL' },
};
const ALL_FILTER: Record<StateEvent['type'], string> = {
  'notification.read': 'read_at IS NULL',
  'notification.seen': 'seen_at IS NULL',
  'notification.archived': 'archived_at IS NULL',
  'notification.unarchived': 'archived_at IS NOT NULL',
};

/**
 * Applies state events in log order. Consecutive single-notification events
 * of the same type commute (first time wins, or clear), so each such run is
 * one UPDATE; an `all` event is a barrier applied on its own. Every state
 * event only touches its own user's notifications created EARLIER in the log
 * than itself (`offset` comparison; a user's events share one partition), so
 * the result never depends on how the log was cut into batches, and
 * replaying the log always rebuilds the same state.
 */
export async function applyState(client: pg.ClientBase, events: Positioned<StateEvent>[], table = 'inbox'): Promise<void> {
  let i = 0;
  while (i < events.length) {
    const first = events[i]!;
    if ('all' in first.event.data) {
      const set = SET[first.event.type].all;
      // Postgres refuses a parameter it cannot type, so the time is only passed where it is used (not by unarchive).
      const params = [first.event.userId, first.offset.toString(), ...(set.includes('$3') ? [first.event.time] : [])];
      await client.query(`UPDATE ${table} SET ${set} WHERE user_id = $1 AND "offset" < $2 AND ${ALL_FILTER[first.event.type]}`, params);
      i += 1;
      continue;
    }
    let j = i;
    while (j < events.length && events[j]!.event.type === first.event.type && !('all' in events[j]!.event.data)) j += 1;
    const run = events.slice(i, j);
    // Per notification, the earliest event of the run that follows its creation.
    await client.query(
      `UPDATE ${table} AS t SET ${SET[first.event.type].single}
       FROM (
         SELECT DISTINCT ON (u.id) u.id, u.time
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[]) AS u(id, user_id, time, off)
         JOIN ${table} AS c ON c.notification_id = u.id AND c.user_id = u.user_id AND c."offset" < u.off
         ORDER BY u.id, u.off
       ) AS v
       WHERE t.notification_id = v.id`,
      [
        run.map((e) => (e.event.data as { notificationId: string }).notificationId),
        run.map((e) => e.event.userId),
        run.map((e) => e.event.time),
        run.map((e) => e.offset.toString()),
      ],
    );
    i = j;
  }
}
