import type pg from 'pg';
import type { DeadRecord, GoodRecord } from './records.js';
import { persistBatch, type BatchOutcome } from './store.js';

/**
 * SQLSTATE classes meaning "this data cannot be stored", as opposed to
 * "Postgres is unavailable": 22 data exception (a value out of range, bad
 * encoding), 23 integrity violation, 54 program limit (e.g. an index row
 * too large). Retrying the same batch can never succeed.
 */
export function isDataError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}

function reasonOf(error: unknown): string {
  let e: unknown = error;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  const code = (e as { code?: unknown }).code;
  return `postgres refused the record: ${String(code ?? '')} ${e instanceof Error ? e.message : String(e)}`.trim();
}

type Item = { good: GoodRecord } | { dead: DeadRecord };
const offsetOf = (i: Item) => ('good' in i ? i.good.offset : i.dead.offset);

/**
 * A batch Postgres refused for its data (see isDataError): validation let
 * through a record Postgres cannot store. Instead of failing the partition
 * forever, bisect the batch in log order until the offending records stand
 * alone, dead-letter them with Postgres' reason, and store the rest.
 *
 * Each part is its own transaction with the watermark at its end, so the
 * watermark still only covers records stored or dead-lettered. Returns the
 * combined outcome and every dead letter (for the DLQ topic).
 */
export async function salvageBatch(
  pool: pg.Pool,
  partition: number,
  good: readonly GoodRecord[],
  dead: readonly DeadRecord[],
  nextOffset: bigint,
): Promise<{ outcome: BatchOutcome; dead: DeadRecord[] }> {
  const items: Item[] = [...good.map((g) => ({ good: g })), ...dead.map((d) => ({ dead: d }))].sort((a, b) =>
    offsetOf(a) < offsetOf(b) ? -1 : offsetOf(a) > offsetOf(b) ? 1 : 0,
  );
  const total: BatchOutcome = { inserted: 0, duplicates: 0, dead: 0 };
  const allDead: DeadRecord[] = [];
  const add = (o: BatchOutcome) => {
    total.inserted += o.inserted;
    total.duplicates += o.duplicates;
    total.dead += o.dead;
    // Found by the batch itself (see BatchOutcome): returned with the rest, for the DLQ topic.
    if (o.impostors) allDead.push(...o.impostors);
  };

  async function part(slice: Item[]): Promise<void> {
    const g = slice.flatMap((i) => ('good' in i ? [i.good] : []));
    const d = slice.flatMap((i) => ('dead' in i ? [i.dead] : []));
    const end = offsetOf(slice[slice.length - 1]!) + 1n;
    try {
      add(await persistBatch(pool, partition, g, d, end));
      allDead.push(...d);
      return;
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (slice.length === 1 && g.length === 1) {
        const r = g[0]!;
        const poison: DeadRecord = { offset: r.offset, key: r.key ?? r.event.userId, value: r.value ?? JSON.stringify(r.event), reason: reasonOf(error) };
        add(await persistBatch(pool, partition, [], [poison], end));
        allDead.push(poison);
        return;
      }
      if (slice.length === 1) throw error;
    }
    const mid = Math.ceil(slice.length / 2);
    await part(slice.slice(0, mid));
    await part(slice.slice(mid));
  }

  if (items.length > 0) await part(items);
  // Transaction markers after the last record: move the watermark over them too.
  add(await persistBatch(pool, partition, [], [], nextOffset));
  return { outcome: total, dead: allDead };
}
