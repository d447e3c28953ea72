import type pg from 'pg';
import { cpuSeconds } from '@tidings/testkit';

/**
 * CPU seconds the ops service's Postgres backends have used so far, read
 * from /proc — only possible when Postgres runs on this machine (the local
 * launcher or the shared test infrastructure), null otherwise. On a busy
 * shared machine wall-clock rates swing with the neighbours' load; CPU per
 * event does not, so the bench reports both.
 */
export async function opsBackendCpu(pool: pg.Pool): Promise<Map<number, number> | null> {
  const r = await pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'tidings-ops'`);
  const out = new Map<number, number>();
  for (const { pid } of r.rows) {
    try {
      out.set(pid, cpuSeconds(pid));
    } catch {
      return null;
    }
  }
  return out;
}

/** CPU seconds used between two readings (backends that appeared in between count from zero). */
export function cpuBetween(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (!before || !after) return null;
  let s = 0;
  for (const [pid, t] of after) s += t - (before.get(pid) ?? 0);
  return Math.round(s * 100) / 100;
}
