import type pg from 'pg';
import { applyState, type Positioned } from '@tidings/persister-service';
import type { StateEvent } from '@tidings/protocol';
import { scheduleState } from './schedule.js';

export interface RangeProgress {
  /** Events applied by this call. */
  events: number;
  /** The next offset to apply from: everything of the partition below it is applied. */
  next: bigint;
}

/**
 * One chunk of the mirror — partition `p`, offsets [lo, hi] — in two steps
 * that touch disjoint rows:
 *
 * 1. The chunk's own notifications, inserted ONCE with their final state:
 *    one INSERT … SELECT folds the chunk's state events into its created
 *    rows inside Postgres (no row leaves it, no row is written twice). The
 *    fold is the projection's semantics in closed form (docs/decisions.md):
 *    a state event counts for a notification of its own user created
 *    earlier in the log (single: by id; `all`: every such one);
 *    seen_at = first read/seen, read_at = first read, archived_at = first
 *    archive after the last unarchive (none: null). Columns are what the
 *    persister's `insertCreated` writes for the same envelope. A plain
 *    INSERT, not ON CONFLICT DO NOTHING (a quarter of the CPU): every event
 *    is applied exactly once (progress only moves forward, ids are unique in
 *    the mirror), so a conflict would be a bug — it fails the rebuild loudly
 *    instead of hiding it, and the live table is untouched.
 * 2. Notifications created before the chunk: the chunk's state events that
 *    can reach them — `all` events, and single ones whose target is not
 *    created in the chunk — go through the persister's own `applyState`,
 *    with their offsets clamped to `lo` so they touch only rows older than
 *    the chunk (which the real offsets would include too).
 *
 * The rebuild tests pin this to the persister: a mirror-rebuilt inbox must
 * equal the live one (and a Kafka rebuild, which uses insertCreated and
 * applyState throughout) checksum over every row and column.
 */
async function applyChunk(client: pg.ClientBase, table: string, partition: number, lo: bigint, hi: bigint): Promise<number> {
  const range = [partition, lo.toString(), hi.toString()];
  const created = await client.query(
    `WITH ev AS MATERIALIZED (
       SELECT id, user_id, "offset", type, time, data FROM events WHERE partition = $1 AND "offset" >= $2 AND "offset" <= $3
     ),
     created AS (SELECT id, user_id, "offset" FROM ev WHERE type = 'notification.created'),
     hits AS (
       SELECT c.id AS nid, s."offset", s.type, s.time
       FROM ev s JOIN created c ON c.id = s.data->>'notificationId' AND c.user_id = s.user_id AND c."offset" < s."offset"
       WHERE s.type <> 'notification.created'
       UNION ALL
       SELECT c.id, s."offset", s.type, s.time
       FROM ev s JOIN created c ON c.user_id = s.user_id AND c."offset" < s."offset"
       WHERE s.type <> 'notification.created' AND s.data->'all' = 'true'::jsonb
     ),
     marked AS (
       SELECT *, max("offset") FILTER (WHERE type = 'notification.unarchived') OVER (PARTITION BY nid) AS last_unarchive FROM hits
     ),
     folded AS (
       SELECT nid,
              (array_agg(time ORDER BY "offset") FILTER (WHERE type IN ('notification.read', 'notification.seen')))[1] AS seen_at,
              (array_agg(time ORDER BY "offset") FILTER (WHERE type = 'notification.read'))[1] AS read_at,
              (array_agg(time ORDER BY "offset") FILTER (WHERE type = 'notification.archived' AND "offset" > COALESCE(last_unarchive, -1)))[1] AS archived_at
       FROM marked GROUP BY nid
     )
     INSERT INTO ${table} (notification_id, user_id, partition, "offset", category, title, body, url, payload, priority, group_key, expires_at, created_at,
                           seen_at, read_at, archived_at)
     SELECT e.id, e.user_id, $1, e."offset", e.data->>'category', e.data->>'title', e.data->>'body', e.data->>'url', e.data->'payload',
            COALESCE(e.data->>'priority', 'normal'), e.data->>'groupKey', (e.data->>'expiresAt')::timestamptz, e.time,
            f.seen_at, f.read_at, f.archived_at
     FROM ev e LEFT JOIN folded f ON f.nid = e.id
     WHERE e.type = 'notification.created'`,
    range,
  );
  const outside = await client.query<{ id: string; type: StateEvent['type']; user_id: string; time: string; source: string; data: StateEvent['data'] }>(
    `SELECT s.id, s.type, s.user_id, s.time::text AS time, s.source, s.data
     FROM events s
     WHERE s.partition = $1 AND s."offset" >= $2 AND s."offset" <= $3 AND s.type <> 'notification.created'
       AND (s.data->'all' = 'true'::jsonb OR NOT EXISTS (
             SELECT 1 FROM events c WHERE c.id = s.data->>'notificationId' AND c.partition = $1 AND c."offset" >= $2 AND c."offset" <= $3))
     ORDER BY s."offset"`,
    range,
  );
  await applyStateScheduled(
    client,
    table,
    outside.rows.map((row) => ({
      partition,
      offset: lo,
      event: { id: row.id, type: row.type, userId: row.user_id, time: row.time, source: row.source, data: row.data },
    })),
  );
  return created.rowCount ?? 0;
}

/** Applies state events with as few statements as their order allows (see scheduleState). */
export async function applyStateScheduled(client: pg.ClientBase, table: string, events: readonly Positioned<StateEvent>[]): Promise<void> {
  for (const group of scheduleState(events)) await applyState(client, group, table);
}

export interface MirrorRangeOptions {
  table: string;
  partition: number;
  /** First offset to apply. */
  from: bigint;
  /** Stop before this offset. */
  until: bigint;
  chunk: number;
  /** Wrap each chunk in its own transaction (false inside the swap transaction). */
  ownTransactions: boolean;
  onChunk?: (p: RangeProgress) => void;
  /** Checked between chunks; throwing from it stops the range. */
  checkAbort?: () => void;
}

/**
 * Applies the mirror's events of one partition in [from, until) to `table`,
 * `chunk` events at a time, in log order (see applyChunk). Chunks follow
 * each other in offset order, so every chunk finds the notifications of
 * all earlier ones in place.
 */
export async function applyMirrorRange(client: pg.ClientBase, o: MirrorRangeOptions): Promise<RangeProgress> {
  let lo = o.from;
  let total = 0;
  while (lo < o.until) {
    o.checkAbort?.();
    // The chunk's last offset: the chunk-th event at or after lo (the unique (partition, offset) index serves it).
    const bound = await client.query<{ offset: string }>(
      `SELECT "offset"::text AS offset FROM events WHERE partition = $1 AND "offset" >= $2 AND "offset" < $3
       ORDER BY events."offset" OFFSET $4 LIMIT 1`,
      [o.partition, lo.toString(), o.until.toString(), o.chunk - 1],
    );
    const hi = bound.rows[0] ? BigInt(bound.rows[0].offset) : o.until - 1n;
    if (o.ownTransactions) await client.query('BEGIN');
    try {
      await applyChunk(client, o.table, o.partition, lo, hi);
      // A full chunk holds exactly `chunk` events; only the last one of a range needs counting.
      const events = bound.rows[0] ? o.chunk : await countEvents(client, o.partition, lo, hi);
      if (o.ownTransactions) await client.query('COMMIT');
      total += events;
      lo = hi + 1n;
      o.onChunk?.({ events, next: lo });
    } catch (error) {
      if (o.ownTransactions) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  return { events: total, next: lo };
}

async function countEvents(client: pg.ClientBase, partition: number, lo: bigint, hi: bigint): Promise<number> {
  const r = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM events WHERE partition = $1 AND "offset" >= $2 AND "offset" <= $3', [
    partition,
    lo.toString(),
    hi.toString(),
  ]);
  return Number(r.rows[0]!.n);
}

/** One past the last offset the mirror holds per partition (what it holds right now). */
export async function mirrorEnds(client: pg.ClientBase): Promise<Map<number, bigint>> {
  const r = await client.query<{ partition: number; end: string }>(
    `SELECT w.partition, COALESCE((SELECT max("offset") + 1 FROM events e WHERE e.partition = w.partition), 0)::text AS end FROM watermarks w`,
  );
  return new Map(r.rows.map((row) => [row.partition, BigInt(row.end)]));
}
