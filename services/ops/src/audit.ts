import type pg from 'pg';
import type { AuditPage } from '@tidings/protocol';
import { redactDeep, type Logger } from '@tidings/runtime';

export interface AuditEntry {
  /** The `sub` of the ops token; `anonymous` when the request carried none that verified. */
  actor: string;
  action: string;
  params: unknown;
  ok: boolean;
  result?: unknown;
}

/**
 * Every ops action leaves a row (who, what, parameters, result) and a log
 * line (G5) — reads included: looking at a user's history is the
 * privacy-relevant act. The log line comes first so an action is on record
 * even when Postgres is the thing that is down. Parameters and results pass
 * the one redactor first: a token pasted into any field is never stored.
 */
export async function audit(pool: pg.Pool, logger: Logger, entry: AuditEntry): Promise<void> {
  const params = redactDeep(entry.params ?? {});
  const result = entry.result === undefined ? undefined : redactDeep(entry.result);
  logger.info({ audit: { actor: entry.actor, action: entry.action, params, ok: entry.ok, result } }, 'ops action');
  await pool.query('INSERT INTO audit_log (actor, action, params, result, ok) VALUES ($1, $2, $3, $4, $5)', [
    entry.actor,
    entry.action,
    JSON.stringify(params),
    result === undefined ? null : JSON.stringify(result),
    entry.ok,
  ]);
}

export interface AuditQuery {
  limit: number;
  /** Page token: rows with a smaller id (the previous page's `next`). */
  before?: string | undefined;
  action?: string | undefined;
  actor?: string | undefined;
}

/** The audit log, newest first, keyset-paged by id. */
export async function listAudit(pool: pg.Pool, q: AuditQuery): Promise<AuditPage> {
  const cond: string[] = [];
  const params: unknown[] = [q.limit + 1];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    cond.push(sql.replace('?', `$${params.length}`));
  };
  if (q.before !== undefined) add('id < ?', q.before);
  if (q.action !== undefined) add('action = ?', q.action);
  if (q.actor !== undefined) add('actor = ?', q.actor);
  const r = await pool.query<{ id: string; at: Date; actor: string; action: string; params: unknown; result: unknown; ok: boolean }>(
    `SELECT id::text AS id, at, actor, action, params, result, ok FROM audit_log
     ${cond.length > 0 ? `WHERE ${cond.join(' AND ')}` : ''} ORDER BY audit_log.id DESC LIMIT $1`,
    params,
  );
  const rows = r.rows.slice(0, q.limit).map((row) => ({ ...row, at: row.at.toISOString() }));
  return { entries: rows, ...(r.rows.length > q.limit ? { next: rows[rows.length - 1]!.id } : {}) };
}
