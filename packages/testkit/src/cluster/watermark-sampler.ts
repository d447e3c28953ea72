import type pg from 'pg';
import type { WatermarkSample } from './watermark-check.js';

/**
 * Reads every partition's watermark, and which offsets Postgres holds in
 * the range each reading newly claims, in ONE statement — one snapshot —
 * so a watermark committed before its rows (the bug this looks for) cannot
 * hide behind rows that arrived a moment later. The ranges are small
 * (what the persister did since the previous sample), so a sample costs a
 * few index range scans.
 */
const SNAPSHOT = `
  SELECT w.partition, w.next_offset::text AS watermark, f.lo::text AS "from",
    ARRAY(
      SELECT e."offset"::text FROM events e WHERE e.partition = w.partition AND e."offset" >= f.lo AND e."offset" < w.next_offset
      UNION
      SELECT d."offset"::text FROM dead_letters d WHERE d.partition = w.partition AND d."offset" >= f.lo AND d."offset" < w.next_offset
    ) AS stored
  FROM watermarks w
  CROSS JOIN LATERAL (
    SELECT COALESCE((SELECT lo FROM unnest($1::int[], $2::bigint[]) AS x(p, lo) WHERE x.p = w.partition), 0) AS lo
  ) f`;

export interface WatermarkSampler {
  samples: WatermarkSample[];
  /** Snapshots that failed (Postgres busy or restarting); reported, not fatal. */
  errors: number;
  /** Takes one last snapshot and stops sampling (once; later calls do nothing). */
  stop(): Promise<void>;
}

/** Samples every `intervalMs`, one snapshot at a time; times are ms since `t0`. */
export function startWatermarkSampler(pool: pg.Pool, intervalMs: number, t0: number): WatermarkSampler {
  const highest = new Map<number, bigint>();
  const sampler: WatermarkSampler = { samples: [], errors: 0, stop };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<void> = Promise.resolve();

  async function snapshot(): Promise<void> {
    const parts = [...highest.keys()];
    const atMs = Date.now() - t0;
    try {
      const r = await pool.query<{ partition: number; watermark: string; from: string; stored: string[] }>(SNAPSHOT, [parts, parts.map((p) => highest.get(p)!.toString())]);
      for (const row of r.rows) {
        const watermark = BigInt(row.watermark);
        sampler.samples.push({ atMs, partition: row.partition, watermark, from: BigInt(row.from), stored: row.stored.map(BigInt) });
        if (watermark > (highest.get(row.partition) ?? -1n)) highest.set(row.partition, watermark);
      }
    } catch {
      sampler.errors += 1;
    }
  }

  const tick = () => {
    inflight = snapshot().finally(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  tick();

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    await inflight;
    await snapshot();
  }
  return sampler;
}
