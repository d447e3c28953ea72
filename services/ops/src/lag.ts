import type { Admin } from 'kafkajs';
import type pg from 'pg';
import type { PartitionLag } from '@tidings/protocol';

/**
 * Per partition: Kafka log end vs the persister's committed offset vs the
 * Postgres watermark, and — for the gateway URLs configured — each node's
 * live-feed lag as its own metrics report it.
 */
export async function partitionLag(
  admin: Admin,
  pool: pg.Pool,
  topic: string,
  groupId: string,
  gatewayUrls: readonly string[] = [],
): Promise<PartitionLag[]> {
  const [ends, committed, marks, gateways] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
    pool.query<{ partition: number; next_offset: string }>('SELECT partition, next_offset::text FROM watermarks'),
    Promise.all(gatewayUrls.map(async (url) => ({ url, lag: await gatewayFeedLag(url) }))),
  ]);
  const committedBy = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]));
  const markBy = new Map(marks.rows.map((r) => [r.partition, r.next_offset]));
  return ends
    .map((e) => {
      const c = committedBy.get(e.partition);
      const w = markBy.get(e.partition) ?? null;
      const behind = BigInt(e.high) - (w !== null ? BigInt(w) : 0n);
      return {
        partition: e.partition,
        logEnd: e.high,
        persisterCommitted: c !== undefined && c !== '-1' ? c : null,
        watermark: w,
        persisterLag: (behind > 0n ? behind : 0n).toString(),
        gateways: gateways.map((g) => ({ node: g.url, lag: g.lag?.get(e.partition) ?? null })),
      };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** A gateway's `tidings_gateway_feed_lag_records` per partition, or null when it does not answer within 2 s. */
async function gatewayFeedLag(baseUrl: string): Promise<Map<number, string> | null> {
  try {
    const res = await fetch(`${baseUrl.replace(/\/$/, '')}/metrics`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return null;
    return parseFeedLag(await res.text());
  } catch {
    return null;
  }
}

/** Reads `tidings_gateway_feed_lag_records{partition="N",…} value` lines out of a Prometheus text exposition. */
export function parseFeedLag(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^tidings_gateway_feed_lag_records\{([^}]*)\}\s+(\S+)/.exec(line);
    const partition = m ? /(?:^|,)partition="(\d+)"/.exec(m[1]!) : null;
    if (!m || !partition) continue;
    const value = Number(m[2]);
    if (Number.isFinite(value)) out.set(Number(partition[1]), String(Math.max(0, Math.round(value))));
  }
  return out;
}
