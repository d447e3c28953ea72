import type { Admin, Batch, Kafka } from 'kafkajs';
import type pg from 'pg';
import { insertCreated, type Positioned } from '@tidings/persister-service';
import { isCreated, parseEnvelope, type CreatedEvent, type StateEvent } from '@tidings/protocol';
import { RebuildError } from './errors.js';
import { applyStateScheduled } from './mirror.js';

export interface KafkaLoadOptions {
  kafka: Kafka;
  admin: Admin;
  topic: string;
  /** A throwaway consumer group; deleted afterwards. */
  groupId: string;
  pool: pg.Pool;
  table: string;
  /** Per partition, apply the log below this offset (the watermark when the rebuild started). */
  targets: ReadonlyMap<number, bigint>;
  concurrency: number;
  onProgress: (partition: number, next: bigint, events: number) => void;
  checkAbort: () => void;
}

/** Fetching nothing for this long means Kafka cannot serve the log (down, or the topic is gone). */
const STALL_MS = 60000;

interface PartitionState {
  /** Everything below has been applied. */
  next: bigint;
  /** The last offset below the target that the mirror holds: reading up to it completes the partition. */
  last: bigint;
  target: bigint;
  finished: boolean;
}

/**
 * Re-reads the events topic from the earliest offset and applies, with the
 * persister's own projection functions, exactly the records the mirror
 * holds at their position (partition, offset, same id): records the mirror
 * lacks were duplicates (G4) or dead letters when the persister saw them,
 * so the rebuilt inbox is what the live one would be. Every mirrored
 * position must be matched by Kafka; a gap (records deleted, retention) or
 * a different id fails the rebuild instead of silently skipping history.
 *
 * Reading stops at the last mirrored record below the target, so control
 * records (transaction markers), which read-committed consumers never see,
 * cannot keep it waiting.
 */
export async function loadFromKafka(o: KafkaLoadOptions): Promise<number> {
  const states = await planPartitions(o);
  if ([...states.values()].every((s) => s.finished)) return 0;

  let total = 0;
  let fail: (error: Error) => void = () => undefined;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  // Settled by whichever comes first; later calls are no-ops, and a late failure must not surface as unhandled.
  done.catch(() => undefined);
  let lastProgress = Date.now();
  const consumer = o.kafka.consumer({
    groupId: o.groupId,
    maxWaitTimeInMs: 200,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    readUncommitted: false,
  });
  const watchdog = setInterval(() => {
    try {
      o.checkAbort();
      if (Date.now() - lastProgress > STALL_MS) {
        throw new RebuildError('TIDINGS_ERR_REBUILD_KAFKA_UNAVAILABLE', `no records from ${o.topic} for ${STALL_MS / 1000} s; rebuild from the mirror`);
      }
    } catch (error) {
      fail(error as Error);
    }
  }, 200);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: o.concurrency,
      eachBatch: async ({ batch, heartbeat, pause }) => {
        const st = states.get(batch.partition);
        if (!st || st.finished) return;
        try {
          const applied = await applyBatch(o, batch, st);
          lastProgress = Date.now();
          total += applied;
          o.onProgress(batch.partition, st.finished ? st.target : st.next, applied);
          if (st.finished) {
            pause();
            if ([...states.values()].every((s) => s.finished)) finish();
          }
          await heartbeat();
        } catch (error) {
          // No kafkajs retry: a failed batch fails the rebuild (the scratch table is dropped).
          pause();
          fail(error instanceof RebuildError ? error : new RebuildError('TIDINGS_ERR_REBUILD_FAILED', (error as Error).message, { cause: error }));
        }
      },
    });
    await done;
    return total;
  } finally {
    clearInterval(watchdog);
    await consumer.disconnect().catch(() => undefined);
    await o.admin.deleteGroups([o.groupId]).catch(() => undefined);
  }
}

/** Per partition: the mirrored range below the target, checked against what Kafka still holds. */
async function planPartitions(o: KafkaLoadOptions): Promise<Map<number, PartitionState>> {
  let offsets: { partition: number; low: string; high: string }[];
  try {
    offsets = await o.admin.fetchTopicOffsets(o.topic);
  } catch (error) {
    throw new RebuildError('TIDINGS_ERR_REBUILD_KAFKA_UNAVAILABLE', `cannot read ${o.topic}: ${(error as Error).message}; rebuild from the mirror`, { cause: error });
  }
  const lowOf = new Map(offsets.map((x) => [x.partition, BigInt(x.low)]));
  const states = new Map<number, PartitionState>();
  for (const [partition, target] of o.targets) {
    const r = await o.pool.query<{ first: string | null; last: string | null }>(
      'SELECT min("offset")::text AS first, max("offset")::text AS last FROM events WHERE partition = $1 AND "offset" < $2',
      [partition, target.toString()],
    );
    const { first, last } = r.rows[0]!;
    if (first === null || last === null) {
      states.set(partition, { next: target, last: -1n, target, finished: true });
      continue;
    }
    const low = lowOf.get(partition);
    if (low === undefined) throw new RebuildError('TIDINGS_ERR_REBUILD_KAFKA_UNAVAILABLE', `${o.topic} has no partition ${partition}; rebuild from the mirror`);
    if (low > BigInt(first)) {
      throw new RebuildError(
        'TIDINGS_ERR_REBUILD_KAFKA_TRUNCATED',
        `Kafka holds partition ${partition} from offset ${low} only, but the log starts at ${first}; rebuild from the mirror`,
      );
    }
    states.set(partition, { next: 0n, last: BigInt(last), target, finished: false });
  }
  return states;
}

/**
 * Applies one fetched batch in ONE Postgres transaction. The mirror's
 * positions from the partition's progress up to the batch's last record are
 * the records that count; each must be in the batch with the same id.
 */
async function applyBatch(o: KafkaLoadOptions, batch: Batch, st: PartitionState): Promise<number> {
  const byOffset = new Map<bigint, Buffer | null>();
  let hi = -1n;
  for (const m of batch.messages) {
    const off = BigInt(m.offset);
    if (off < st.next || off > st.last) continue;
    byOffset.set(off, m.value);
    if (off > hi) hi = off;
  }
  if (hi < 0n) return 0;
  const mirror = await o.pool.query<{ offset: string; id: string }>(
    'SELECT "offset"::text AS offset, id FROM events WHERE partition = $1 AND "offset" >= $2 AND "offset" <= $3 ORDER BY events."offset"',
    [batch.partition, st.next.toString(), hi.toString()],
  );
  const created: Positioned<CreatedEvent>[] = [];
  const state: Positioned<StateEvent>[] = [];
  for (const row of mirror.rows) {
    const offset = BigInt(row.offset);
    const value = byOffset.get(offset);
    const parsed = value === undefined ? undefined : parseEnvelope(value);
    if (!parsed?.ok || parsed.value.id !== row.id) {
      throw new RebuildError(
        'TIDINGS_ERR_REBUILD_KAFKA_MISMATCH',
        `Kafka ${value === undefined ? 'lacks the record' : 'holds another record'} at ${o.topic}/${batch.partition}@${offset} where the mirror has ${row.id}; rebuild from the mirror`,
      );
    }
    const p = { partition: batch.partition, offset, event: parsed.value };
    if (isCreated(parsed.value)) created.push(p as Positioned<CreatedEvent>);
    else state.push(p as Positioned<StateEvent>);
  }
  const client = await o.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL synchronous_commit = off');
    await insertCreated(client, created, o.table);
    await applyStateScheduled(client, o.table, state);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  st.next = hi + 1n;
  if (hi >= st.last) st.finished = true;
  return mirror.rows.length;
}
