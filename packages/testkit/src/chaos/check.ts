import type pg from 'pg';
import type { ChaosClient } from './clients.js';

/**
 * The verdict for one client: its received sequence against its user's log
 * (the `events` mirror ordered by partition and offset) and the ids ingest
 * accepted. Pass (G1–G4) = nothing accepted is lost or unpersisted, nothing
 * shows twice, nothing out of log order, nothing from another user.
 */
export interface ClientReport {
  userId: string;
  accepted: number;
  received: number;
  /** Accepted ids the client never got. */
  lost: number;
  /** Accepted ids missing from the events table after the drain. */
  unpersisted: number;
  duplicated: number;
  /** Received events that came before an event earlier in the log. */
  reordered: number;
  /** Received events that are not this user's (G5). */
  foreign: number;
  /** `synced` results with recovered:false (the cursor was not honoured). */
  unrecovered: number;
}

export const passed = (r: ClientReport): boolean =>
  r.lost === 0 && r.unpersisted === 0 && r.duplicated === 0 && r.reordered === 0 && r.foreign === 0 && r.unrecovered === 0;

/** The user's `notification.created` ids in log order. */
export async function userLog(pool: pg.Pool, userId: string): Promise<string[]> {
  const r = await pool.query<{ id: string }>(
    `SELECT id FROM events WHERE user_id = $1 AND type = 'notification.created' ORDER BY partition, "offset"`,
    [userId],
  );
  return r.rows.map((row) => row.id);
}

/**
 * The ids of one client's received sequence that break G1–G3, against its
 * user's log (ids in log order) and the ids ingest accepted. Pure, so the
 * chaos runner and the cluster run (which attributes them to phases) judge
 * alike.
 */
export interface SequenceFindings {
  /** Accepted ids the client never got. */
  lost: string[];
  /** Accepted ids missing from the log. */
  unpersisted: string[];
  /** One entry per extra receipt of an id. */
  duplicated: string[];
  /** Received ids that came after an event later in the log. */
  reordered: string[];
}

export function judgeSequence(accepted: readonly string[], log: readonly string[], received: readonly string[]): SequenceFindings {
  const got = new Set<string>();
  const duplicated: string[] = [];
  for (const id of received) {
    if (got.has(id)) duplicated.push(id);
    got.add(id);
  }
  const position = new Map(log.map((id, i) => [id, i]));
  const reordered: string[] = [];
  let last = -1;
  for (const id of received) {
    const p = position.get(id);
    if (p === undefined) continue;
    if (p < last) reordered.push(id);
    else last = p;
  }
  return {
    lost: accepted.filter((id) => !got.has(id)),
    unpersisted: accepted.filter((id) => !position.has(id)),
    duplicated,
    reordered,
  };
}

export function compare(userId: string, accepted: readonly string[], log: readonly string[], c: ChaosClient): ClientReport {
  const created = c.received.filter((m) => m.event.type === 'notification.created');
  const ids = created.map((m) => m.event.id);
  const f = judgeSequence(accepted, log, ids);
  const inLog = new Set(log);
  return {
    userId,
    accepted: accepted.length,
    received: ids.length,
    lost: f.lost.length,
    unpersisted: f.unpersisted.length,
    duplicated: f.duplicated.length,
    reordered: f.reordered.length,
    foreign: created.filter((m) => m.event.userId !== userId || !inLog.has(m.event.id)).length,
    unrecovered: c.syncs.filter((s) => !s.recovered).length,
  };
}

/** Waits (bounded) until every client holds every accepted id of its user. */
export async function drain(clients: readonly ChaosClient[], accepted: Map<string, string[]>, timeoutMs: number): Promise<void> {
  await Promise.allSettled(
    clients.map((c) => {
      const want = accepted.get(c.userId) ?? [];
      return c.until('the drain', () => {
        const got = new Set(c.received.map((m) => m.event.id));
        return want.every((id) => got.has(id));
      }, timeoutMs);
    }),
  );
}
