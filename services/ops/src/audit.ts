import type pg from 'pg';
import type { Logger } from '@tidings/runtime';

export interface AuditEntry {
  actor: string;
  action: string;
  params: unknown;
  ok: boolean;
  result?: unknown;
}

/** Every ops action leaves a row (who, what, parameters, result) and a log line (G5). */
export async function audit(pool: pg.Pool, logger: Logger, entry: AuditEntry): Promise<void> {
  logger.info({ audit: { actor: entry.actor, action: entry.action, params: entry.params, ok: entry.ok } }, 'ops action');
  await pool.query('INSERT INTO audit_log (actor, action, params, result, ok) VALUES ($1, $2, $3, $4, $5)', [
    entry.actor,
    entry.action,
    JSON.stringify(entry.params ?? {}),
    entry.result === undefined ? null : JSON.stringify(entry.result),
    entry.ok,
  ]);
}
