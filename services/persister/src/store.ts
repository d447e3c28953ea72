import type pg from 'pg';
import { WATERMARK_CHANNEL } from '@tidings/db';
import { isCreated, type StateEvent } from '@tidings/protocol';
import { applyState, type Positioned } from './projection.js';
import type { DeadRecord, GoodRecord } from './records.js';


export interface BatchOutcome {
  inserted: number;
  duplicates: number;
  dead: number;
  /**
   * Dead letters the batch found itself, beyond the `dead` it was given (an
   * id already stored for another producer or user); present only when
   * there are some. They are in `dead_letters` already and, like the given
   * ones, still go to the DLQ topic.
   */
  impostors?: DeadRecord[];
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
  // A connection dropped mid-batch (Postgres restart) fails the query in flight, which the
  // catch below handles; the client's own 'error' event, unhandled, killed the process
  // (found by the chaos Postgres-restart scenario).
  let lost: Error | undefined;
  const onError = (error: Error) => (lost = error);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const fresh = await insertEventsAndInbox(client, partition, good);
    const state: Positioned<StateEvent>[] = [];
    const repeats: GoodRecord[] = [];
    let created = 0;
    for (const r of good) {
      // Only first-seen ids touch the projection: a repeated id is a retry (G4), or an impostor.
      if (!fresh.has(r.event.id)) {
        repeats.push(r);
        continue;
      }
      fresh.delete(r.event.id);
      if (isCreated(r.event)) created += 1;
      else state.push({ partition, offset: r.offset, event: r.event });
    }
    await applyState(client, state);
    const impostors = await foreignRepeats(client, repeats);
    const allDead = impostors.length > 0 ? [...dead, ...impostors] : dead;
    if (allDead.length > 0) await insertDead(client, partition, allDead);
    // NOTIFY is delivered at commit, so listeners never hear of a watermark that could roll back.
    await client.query(MOVE_WATERMARK, [partition, nextOffset.toString(), WATERMARK_CHANNEL]);
    await client.query('COMMIT');
    const inserted = created + state.length;
    const outcome: BatchOutcome = { inserted, duplicates: good.length - inserted - impostors.length, dead: allDead.length };
    return impostors.length > 0 ? { ...outcome, impostors } : outcome;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new Error(`error persisting partition ${partition} batch`, { cause: error });
  } finally {
    client.off('error', onError);
    // A broken connection is destroyed instead of going back to the pool.
    client.release(lost);
  }
}

/**
 * Inserts the event-log rows and, in the same statement, the inbox rows of
 * the `notification.created` events among them that were not stored before
 * (derived from the inserted rows, so the data crosses the wire and is
 * parsed once). Returns the ids that were not already stored.
 *
 * Only a repeated id is a duplicate (`ON CONFLICT (id)`): a NEW id at a
 * position already stored with another id means the log was replaced under
 * this database, and fails loudly (unique violation → dead letter via
 * salvage) instead of being dropped as a "duplicate".
 */
async function insertEventsAndInbox(client: pg.ClientBase, partition: number, good: readonly GoodRecord[]): Promise<Set<string>> {
  if (good.length === 0) return new Set();
  const cols: string[][] = Array.from({ length: 7 }, () => []);
  for (const { offset, event } of good) {
    cols[0]!.push(event.id);
    cols[1]!.push(event.userId);
    cols[2]!.push(offset.toString());
    cols[3]!.push(event.type);
    cols[4]!.push(event.time);
    cols[5]!.push(event.source);
    cols[6]!.push(JSON.stringify(event.data));
  }
  const r = await client.query<{ id: string }>(
    `WITH ins AS (
       INSERT INTO events (id, user_id, partition, "offset", type, time, source, data)
       SELECT id, user_id, $1, o, type, time, source, data
       FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[], $7::text[], $8::jsonb[]) AS u(id, user_id, o, type, time, source, data)
       ON CONFLICT (id) DO NOTHING
       RETURNING id, user_id, "offset", type, time, data
     ), inbox_rows AS (
       INSERT INTO inbox (notification_id, user_id, partition, "offset", category, title, body, url, payload, priority, group_key, expires_at, created_at)
       SELECT id, user_id, $1, "offset", data->>'category', data->>'title', data->>'body', data->>'url', data->'payload',
              COALESCE(data->>'priority', 'normal'), data->>'groupKey', (data->>'expiresAt')::timestamptz, time
       FROM ins WHERE type = 'notification.created'
       ON CONFLICT DO NOTHING
     )
     SELECT id FROM ins`,
    [partition, ...cols],
  );
  return new Set(r.rows.map((row) => row.id));
}

/**
 * Of the records whose id was already stored, those that are not retries:
 * the stored event has another `source` (producer) or `userId`. Ids are
 * scoped to the producer and recipient (docs/contract.md §10), so such a
 * record is someone else's event under a taken id; it is dead-lettered with
 * the reason instead of dropped as a duplicate, so it is neither lost
 * silently nor allowed to shadow the stored one. One query, and only for
 * batches that hold repeats at all.
 */
async function foreignRepeats(client: pg.ClientBase, repeats: readonly GoodRecord[]): Promise<DeadRecord[]> {
  if (repeats.length === 0) return [];
  const r = await client.query<{ id: string; user_id: string; source: string }>('SELECT id, user_id, source FROM events WHERE id = ANY($1)', [
    [...new Set(repeats.map((x) => x.event.id))],
  ]);
  const stored = new Map(r.rows.map((row) => [row.id, row]));
  const out: DeadRecord[] = [];
  for (const x of repeats) {
    const first = stored.get(x.event.id);
    if (!first || (first.source === x.event.source && first.user_id === x.event.userId)) continue;
    const what = first.source !== x.event.source ? 'source' : 'userId';
    out.push({
      offset: x.offset,
      key: x.key ?? x.event.userId,
      value: x.value ?? JSON.stringify(x.event),
      reason: `/id is already stored for another ${what}: not a retry of that event`,
    });
  }
  return out;
}

async function insertDead(client: pg.ClientBase, partition: number, dead: readonly DeadRecord[]): Promise<void> {
  await client.query(
    `INSERT INTO dead_letters (partition, "offset", key, value, reason)
     SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT DO NOTHING`,
    [partition, dead.map((d) => d.offset.toString()), dead.map((d) => d.key), dead.map((d) => d.value), dead.map((d) => d.reason)],
  );
}

/**
 * Moves a partition's watermark forward (never back) and announces where it
 * now is on WATERMARK_CHANNEL as `partition:nextOffset`; one round trip.
 */
const MOVE_WATERMARK = `WITH w AS (
    INSERT INTO watermarks (partition, next_offset, updated_at) VALUES ($1, $2, now())
    ON CONFLICT (partition) DO UPDATE
    SET next_offset = GREATEST(watermarks.next_offset, EXCLUDED.next_offset), updated_at = now()
    RETURNING next_offset)
  SELECT pg_notify($3, $1 || ':' || (SELECT next_offset FROM w))`;

/** Moves a watermark over records with nothing to store (transaction markers, aborted writes). */
export async function advanceWatermark(pool: pg.Pool, partition: number, nextOffset: bigint): Promise<void> {
  await pool.query(MOVE_WATERMARK, [partition, nextOffset.toString(), WATERMARK_CHANNEL]);
}
