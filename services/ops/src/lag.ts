import type { Admin } from 'kafkajs';
import type pg from 'pg';

export interface PartitionLag {
  partition: number;
  logEnd: string;
  persisterCommitted: string | null;
  watermark: string | null;
  /** Records the persister still has to store. */
  persisterLag: string;
}

/** Per partition: Kafka log end vs the persister's committed offset vs the Postgres watermark. */
export async function partitionLag(admin: Admin, pool: pg.Pool, topic: string, groupId: string): Promise<PartitionLag[]> {
  const [ends, committed, marks] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
    pool.query<{ partition: number; next_offset: string }>('SELECT partition, next_offset::text FROM watermarks'),
  ]);
  const committedBy = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]));
  const markBy = new Map(marks.rows.map((r) => [r.partition, r.next_offset]));
  return ends
    .map((e) => {
      const c = committedBy.get(e.partition);
      const w = markBy.get(e.partition) ?? null;
      const done = w !== null ? BigInt(w) : 0n;
      return {
        partition: e.partition,
        logEnd: e.high,
        persisterCommitted: c !== undefined && c !== '-1' ? c : null,
        watermark: w,
        persisterLag: (BigInt(e.high) - done > 0n ? BigInt(e.high) - done : 0n).toString(),
      };
    })
    .sort((a, b) => a.partition - b.partition);
}
