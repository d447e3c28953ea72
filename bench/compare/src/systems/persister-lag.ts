import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

/**
 * How far Postgres is behind Kafka, sampled: per tick, the event topic's end
 * offsets minus the persister's watermarks, summed over partitions. This is
 * what a resuming client waits on (replay only goes up to the watermark), so
 * it explains slow resumes under load.
 */
export interface LagSampler {
  /** Lag (events) since the last call: max, median, last; then starts over. */
  take(): { samples: number; maxEvents: number; p50Events: number; lastEvents: number };
  stop(): Promise<void>;
}

export async function sampleLag(brokers: string, topic: string, databaseUrl: string, everyMs = 500): Promise<LagSampler> {
  const admin = new Kafka({ clientId: 'bench-compare-lag', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  let samples: number[] = [];
  let stopped = false;
  const tick = async () => {
    const [ends, marks] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      db.query<{ partition: number; next_offset: string }>('SELECT partition, next_offset::text FROM watermarks'),
    ]);
    const at = new Map(marks.rows.map((r) => [r.partition, Number(r.next_offset)]));
    samples.push(ends.reduce((sum, e) => sum + Math.max(0, Number(e.high) - (at.get(e.partition) ?? 0)), 0));
  };
  const loop = (async () => {
    while (!stopped) {
      await tick().catch(() => undefined);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    take() {
      const s = [...samples].sort((a, b) => a - b);
      const out = { samples: s.length, maxEvents: s.at(-1) ?? 0, p50Events: s[Math.floor(s.length / 2)] ?? 0, lastEvents: samples.at(-1) ?? 0 };
      samples = [];
      return out;
    },
    async stop() {
      stopped = true;
      await loop;
      await admin.disconnect();
      await db.end();
    },
  };
}
