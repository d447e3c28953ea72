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
 * Inbox rows for the created events of one partition's offset range, in one
 * INSERT … SELECT from the mirror: no row leaves Postgres. Column for
 * column this is what the persister's `insertCreated` writes for the same
 * envelope (`data` fields, `priority` defaulting to normal, the event time
 * as created_at); the rebuild tests pin the two together by comparing a
 * mirror-rebuilt inbox with the live one, checksum over every column.
 */
async function insertCreatedFromMirror(client: pg.ClientBase, table: string, partition: number, lo: bigint, hi: bigint): Promise<number> {
  const r = await client.query(
    `INSERT INTO ${table} (notification_id, user_id, partition, "offset", category, title, body, url, payload, priority, group_key, expires_at, created_at)
     SELECT id, user_id, partition, "offset", data->>'category', data->>'title', data->>'body', data->>'url', data->'payload',
            COALESCE(data->>'priority', 'normal'), data->>'groupKey', (data->>'expiresAt')::timestamptz, time
     FROM events
     WHERE partition = $1 AND "offset" >= $2 AND "offset" <= $3 AND type = 'notification.created'
     ON CONFLICT DO NOTHING`,
    [partition, lo.toString(), hi.toString()],
  );
  return r.rowCount ?? 0;
}

/** The state events of the range, as the persister's projection takes them. Times stay Postgres text (microseconds intact). */
async function stateFromMirror(client: pg.ClientBase, partition: number, lo: bigint, hi: bigint): Promise<Positioned<StateEvent>[]> {
  const r = await client.query<{ id: string; type: StateEvent['type']; user_id: string; time: string; source: string; data: StateEvent['data']; offset: string }>(
    `SELECT id, type, user_id, time::text AS time, source, data, "offset"::text AS offset
     FROM events
     WHERE partition = $1 AND "offset" >= $2 AND "offset" <= $3 AND type <> 'notification.created'
     ORDER BY events."offset"`,
    [partition, lo.toString(), hi.toString()],
  );
  return r.rows.map((row) => ({
    partition,
    offset: BigInt(row.offset),
    event: { id: row.id, type: row.type, userId: row.user_id, time: row.time, source: row.source, data: row.data },
  }));
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
 * `chunk` events at a time, in log order: per chunk, first every created
 * row, then the state events. That order is safe because a state event only
 * touches notifications created earlier in the log than itself (the
 * projection's invariant), so created rows later in the chunk are never
 * touched by earlier state events.
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
      const created = await insertCreatedFromMirror(client, o.table, o.partition, lo, hi);
      const state = await stateFromMirror(client, o.partition, lo, hi);
      await applyStateScheduled(client, o.table, state);
      if (o.ownTransactions) await client.query('COMMIT');
      const events = created + state.length;
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

/** One past the last offset the mirror holds per partition (what it holds right now). */
export async function mirrorEnds(client: pg.ClientBase): Promise<Map<number, bigint>> {
  const r = await client.query<{ partition: number; end: string }>(
    `SELECT w.partition, COALESCE((SELECT max("offset") + 1 FROM events e WHERE e.partition = w.partition), 0)::text AS end FROM watermarks w`,
  );
  return new Map(r.rows.map((row) => [row.partition, BigInt(row.end)]));
}
