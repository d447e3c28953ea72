import pg from 'pg';
import { WATERMARK_CHANNEL } from '@tidings/db';

/**
 * Resolves once the persister's watermark of every partition in `ends`
 * reached that offset (e.g. the topic's end offsets after the last write):
 * from then on Postgres holds everything written before, duplicates and
 * dead letters included. Wakes on watermark notifications, with a 500 ms
 * re-check as a net. Rejects with the lagging partitions after `timeoutMs`.
 */
export async function waitForWatermarks(databaseUrl: string, ends: Record<number, string>, timeoutMs = 60000): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`LISTEN ${WATERMARK_CHANNEL}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await client.query<{ partition: number; next_offset: string }>('SELECT partition, next_offset::text FROM watermarks');
      const at = new Map(r.rows.map((row) => [row.partition, BigInt(row.next_offset)]));
      const behind = Object.entries(ends).filter(([p, end]) => BigInt(end) > 0n && (at.get(Number(p)) ?? 0n) < BigInt(end));
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`watermarks behind after ${timeoutMs} ms: ${behind.map(([p, end]) => `p${p} ${at.get(Number(p)) ?? 0n}/${end}`).join(', ')}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t);
          client.off('notification', wake);
          resolve();
        };
        const t = setTimeout(wake, 500);
        client.on('notification', wake);
      });
    }
  } finally {
    await client.end();
  }
}
