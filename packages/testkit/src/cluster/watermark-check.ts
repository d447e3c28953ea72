/**
 * The persister's watermark contract (docs/pipeline.md, packages/db schema):
 * for each partition it only moves forward, and every record below it has
 * been processed — stored in `events`, or dead-lettered. Records the
 * persister has nothing to store for are exempt: transaction markers and
 * aborted records (a read-committed reader never sees them) and repeats of
 * an id already stored (G4). This module judges samples of the watermarks
 * taken during a run against the log read from Kafka afterwards.
 */

/** One partition's watermark as seen in one Postgres snapshot. */
export interface WatermarkSample {
  /** When the snapshot was taken, ms since the start of the run. */
  atMs: number;
  partition: number;
  watermark: bigint;
  /**
   * The sample vouches for `[from, watermark)`: `from` is the highest
   * watermark an earlier sample saw, so each offset is checked at the first
   * snapshot that claims it (rows are never deleted, so it stays stored).
   */
  from: bigint;
  /** Offsets in `[from, watermark)` in `events` or `dead_letters`, in the same snapshot as the watermark. */
  stored: readonly bigint[];
}

/** What the persister must have stored below a watermark, from the committed log. */
export interface PartitionLog {
  /** The partition's end offset after the run: no watermark may pass it. */
  end: bigint;
  /** Offsets of committed records that must be stored once below the watermark, ascending. */
  required: readonly bigint[];
}

export interface WatermarkFinding {
  atMs: number;
  partition: number;
  watermark: string;
  detail: string;
}

export interface WatermarkVerdict {
  /** Partition readings judged. */
  samples: number;
  /** Readings below an earlier reading of the same partition. */
  regressions: WatermarkFinding[];
  /** Readings claiming records Postgres did not hold in that snapshot, or positions past the log end. */
  overshoots: WatermarkFinding[];
}

/** Committed records (position and envelope id) as a read-committed consumer delivered them. */
export interface LogRecord {
  partition: number;
  offset: bigint;
  id: string;
}

/**
 * Per partition, the offsets that must be stored. An id that occurs more
 * than once is stored at one of its offsets only (the first the persister
 * processed), so none of its offsets is required; nothing in the cluster
 * load repeats ids, so this is a guard, not a loophole.
 */
export function partitionLogs(records: readonly LogRecord[], ends: ReadonlyMap<number, bigint>): Map<number, PartitionLog> {
  const seen = new Map<string, number>();
  for (const r of records) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
  const out = new Map<number, PartitionLog>();
  for (const [partition, end] of ends) out.set(partition, { end, required: [] });
  const required = new Map<number, bigint[]>();
  for (const r of records) {
    if (seen.get(r.id) !== 1) continue;
    const list = required.get(r.partition) ?? [];
    list.push(r.offset);
    required.set(r.partition, list);
  }
  for (const [partition, list] of required) {
    list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    out.set(partition, { end: out.get(partition)?.end ?? 0n, required: list });
  }
  return out;
}

/** Index of the first element >= x in an ascending list. */
function lowerBound(list: readonly bigint[], x: bigint): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const MAX_LISTED = 5;

export function checkWatermarks(samples: readonly WatermarkSample[], logs: ReadonlyMap<number, PartitionLog>): WatermarkVerdict {
  const verdict: WatermarkVerdict = { samples: 0, regressions: [], overshoots: [] };
  const highest = new Map<number, bigint>();
  const ordered = [...samples].sort((a, b) => a.atMs - b.atMs);
  for (const s of ordered) {
    verdict.samples += 1;
    const finding = (detail: string): WatermarkFinding => ({ atMs: s.atMs, partition: s.partition, watermark: s.watermark.toString(), detail });
    const before = highest.get(s.partition);
    if (before !== undefined && s.watermark < before) {
      verdict.regressions.push(finding(`moved back from ${before}`));
      continue;
    }
    highest.set(s.partition, s.watermark);
    const log = logs.get(s.partition) ?? { end: 0n, required: [] };
    if (s.watermark > log.end) {
      verdict.overshoots.push(finding(`past the log end ${log.end}`));
      continue;
    }
    const stored = new Set(s.stored);
    const missing: bigint[] = [];
    for (let i = lowerBound(log.required, s.from); i < log.required.length && log.required[i]! < s.watermark; i++) {
      if (!stored.has(log.required[i]!)) missing.push(log.required[i]!);
    }
    if (missing.length > 0) {
      const listed = missing.slice(0, MAX_LISTED).join(', ');
      verdict.overshoots.push(finding(`${missing.length} record(s) below it not stored: ${listed}${missing.length > MAX_LISTED ? ', …' : ''}`));
    }
  }
  return verdict;
}

/** The longest a partition's watermark stood still between readings (persister outages, rebalances). */
export interface Standstill {
  partition: number;
  fromMs: number;
  toMs: number;
}

/**
 * The longest interval between a reading and the next reading of the same
 * partition with a higher watermark. Only intervals that end in an advance
 * count, so the quiet after the load (nothing left to persist) is not one.
 */
export function longestStandstill(samples: readonly WatermarkSample[]): Standstill | undefined {
  const since = new Map<number, { atMs: number; watermark: bigint }>();
  let longest: Standstill | undefined;
  for (const s of [...samples].sort((a, b) => a.atMs - b.atMs)) {
    const last = since.get(s.partition);
    if (last !== undefined && s.watermark <= last.watermark) continue;
    if (last !== undefined && (!longest || s.atMs - last.atMs > longest.toMs - longest.fromMs)) longest = { partition: s.partition, fromMs: last.atMs, toMs: s.atMs };
    since.set(s.partition, { atMs: s.atMs, watermark: s.watermark });
  }
  return longest;
}
