import type pg from 'pg';

export interface TableStorage {
  table: string;
  rows: number;
  /** Heap + TOAST, without indexes. */
  tableBytes: number;
  indexes: Record<string, number>;
  /** (table + all its indexes) ÷ rows; null for an empty table. */
  bytesPerRow: number | null;
}

/**
 * What the mirror and the inbox cost on disk, per row and per index, for the
 * capacity model (docs/capacity.md). VACUUM first so the free-space and
 * visibility maps exist and the figures are those of a settled table, as a
 * long-running deployment's autovacuum would leave it (dead tuples of the
 * inbox's state updates are left in: they are what a live inbox carries).
 */
export async function measureStorage(pool: pg.Pool, tables: readonly string[] = ['events', 'inbox']): Promise<TableStorage[]> {
  const out: TableStorage[] = [];
  for (const table of tables) {
    await pool.query(`VACUUM ANALYZE ${table}`);
    const t = await pool.query<{ rows: string; table_bytes: string }>(
      `SELECT (SELECT count(*) FROM ${table})::text AS rows, pg_table_size($1::regclass)::text AS table_bytes`,
      [table],
    );
    const ix = await pool.query<{ name: string; bytes: string }>(
      `SELECT indexrelid::regclass::text AS name, pg_relation_size(indexrelid)::text AS bytes FROM pg_index WHERE indrelid = $1::regclass ORDER BY 1`,
      [table],
    );
    const rows = Number(t.rows[0]!.rows);
    const tableBytes = Number(t.rows[0]!.table_bytes);
    const indexes = Object.fromEntries(ix.rows.map((r) => [r.name, Number(r.bytes)]));
    const total = tableBytes + Object.values(indexes).reduce((a, b) => a + b, 0);
    out.push({ table, rows, tableBytes, indexes, bytesPerRow: rows > 0 ? Math.round(total / rows) : null });
  }
  return out;
}

export function storageLines(label: string, storage: readonly TableStorage[]): string[] {
  return storage.map((s) => {
    const ix = Object.entries(s.indexes)
      .map(([name, bytes]) => `${name} ${(bytes / Math.max(1, s.rows)).toFixed(0)}`)
      .join(', ');
    return `${label.padEnd(22)} ${s.table.padEnd(7)} ${String(s.rows).padStart(8)} rows  ${String(s.bytesPerRow ?? '-').padStart(5)} B/row (heap ${(s.tableBytes / Math.max(1, s.rows)).toFixed(0)}; indexes B/row: ${ix})`;
  });
}
