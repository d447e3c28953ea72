import { untilPersisted } from './wait.js';

/**
 * Resolves once the persister's watermark of every partition in `ends`
 * reached that offset (e.g. the topic's end offsets after the last write):
 * from then on Postgres holds everything written before, duplicates and
 * dead letters included.
 */
export async function waitForWatermarks(databaseUrl: string, ends: Record<number, string>, timeoutMs = 60000): Promise<void> {
  await untilPersisted(
    databaseUrl,
    async (client) => {
      const r = await client.query<{ partition: number; next_offset: string }>('SELECT partition, next_offset::text FROM watermarks');
      const at = new Map(r.rows.map((row) => [row.partition, BigInt(row.next_offset)]));
      const behind = Object.entries(ends).filter(([p, end]) => BigInt(end) > 0n && (at.get(Number(p)) ?? 0n) < BigInt(end));
      return behind.length === 0 ? null : `watermarks behind: ${behind.map(([p, end]) => `p${p} ${at.get(Number(p)) ?? 0n}/${end}`).join(', ')}`;
    },
    timeoutMs,
  );
}
