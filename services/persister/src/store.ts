import type pg from 'pg';
import { WATERMARK_CHANNEL } from '@tidings/db';
import { isCreated, type CreatedEvent, type StateEvent } from '@tidings/protocol';
import { applyState, insertCreated, type Positioned } from './projection.js';
import type { DeadRecord, GoodRecord } from './records.js';


export interface BatchOutcome {
  inserted: number;
  duplicates: number;
  dead: number;
}

/**
 * Persists one partition's batch in ONE transaction: event-log rows, the
 * inbox projection, dead letters and the partition's watermark. Because the
 * watermark commits with the rows, "watermark = n" always means every record
 * below offset n is in Postgres (or dead-lettered): the gateway relies on it
 * to know how far replay from Postgres is complete.
 *
 * Idempotent: a re-delivered batch (crash before the Kafka offset commit)
 * inserts nothing, applies nothing, and the watermark only moves forward.
 */
export async function persistBatch(
  pool: pg.Pool,
  partition: number,
  good: readonly GoodRecord[],
  dead: readonly DeadRecord[],
  nextOffset: bigint,
): Promise<BatchOutcome> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const fresh = await insertEvents(client, partition, good);
    const created: Positioned<CreatedEvent>[] = [];
    const state: Positioned<StateEvent>[] = [];
    for (const r of good) {
      // Only first-seen ids touch the projection: a repeated id is a retry (G4).
      if (!fresh.has(r.event.id)) continue;
      fresh.delete(r.event.id);
      const p = { partition, offset: r.offset, event: r.event };
      if (isCreated(r.event)) created.push(p as Positioned<CreatedEvent>);
      else state.push(p as Positioned<StateEvent>);
    }
    await insertCreated(client, created);
    await applyState(client, state);
    if (dead.length > 0) await insertDead(client, partition, dead);
    await client.query(
      `INSERT INTO watermarks (partition, next_offset, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (partition) DO UPDATE
       SET next_offset = GREATEST(watermarks.next_offset, EXCLUDED.next_offset), updated_at = now()`,
      [partition, nextOffset.toString()],
    );
    // Delivered at commit, so listeners never see a watermark that could roll back.
    await client.query('SELECT pg_notify($1, $2)', [WATERMARK_CHANNEL, `${partition}:${nextOffset}`]);
    await client.query('COMMIT');
    const inserted = created.length + state.length;
    return { inserted, duplicates: good.length - inserted, dead: dead.length };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new Error(`error persisting partition ${partition} batch`, { cause: error });
  } finally {
    client.release();
  }
}

/** Returns the ids that were not already stored. */
async function insertEvents(client: pg.ClientBase, partition: number, good: readonly GoodRecord[]): Promise<Set<string>> {
  if (good.length === 0) return new Set();
  const cols: unknown[][] = Array.from({ length: 8 }, () => []);
  for (const { offset, event } of good) {
    [event.id, event.userId, partition, offset.toString(), event.type, event.time, event.source, JSON.stringify(event.data)].forEach(
      (v, i) => cols[i]!.push(v),
    );
  }
  const r = await client.query<{ id: string }>(
    `INSERT INTO events (id, user_id, partition, "offset", type, time, source, data)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::timestamptz[], $7::text[], $8::jsonb[])
     ON CONFLICT DO NOTHING
     RETURNING id`,
    cols,
  );
  return new Set(r.rows.map((row) => row.id));
}

async function insertDead(client: pg.ClientBase, partition: number, dead: readonly DeadRecord[]): Promise<void> {
  await client.query(
    `INSERT INTO dead_letters (partition, "offset", key, value, reason)
     SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT DO NOTHING`,
    [partition, dead.map((d) => d.offset.toString()), dead.map((d) => d.key), dead.map((d) => d.value), dead.map((d) => d.reason)],
  );
}

/** Moves a watermark over records with nothing to store (transaction markers, aborted writes). */
export async function advanceWatermark(pool: pg.Pool, partition: number, nextOffset: bigint): Promise<void> {
  await pool.query(
    `WITH w AS (
       INSERT INTO watermarks (partition, next_offset, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (partition) DO UPDATE
       SET next_offset = GREATEST(watermarks.next_offset, EXCLUDED.next_offset), updated_at = now()
       RETURNING next_offset)
     SELECT pg_notify($3, $1 || ':' || (SELECT next_offset FROM w))`,
    [partition, nextOffset.toString(), WATERMARK_CHANNEL],
  );
}
