import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { toMessage, type AtomicSender } from '@tidings/kafka';
import type { StateEvent } from '@tidings/protocol';
import { requestJson } from '@tidings/testkit';
import { foldInbox, type FoldEvent, type FoldRow } from './fold.js';

/**
 * Test helpers for rebuilds: a live producer loop and the ways to compare
 * inbox projections.
 */

const STATE_TYPES: StateEvent['type'][] = ['notification.read', 'notification.seen', 'notification.archived', 'notification.unarchived'];

export interface LoadOptions {
  ingestUrl: string;
  /** notifications:write token. */
  token: string;
  /** Writes state events (and repeats, and poison records) straight to the events topic. */
  sender: AtomicSender;
  topic: string;
  users: readonly string[];
  /** Notifications per ingest batch; as many state events follow per tick. */
  perTick: number;
  /** Pause between ticks, so the load stays steady instead of saturating a shared machine. */
  pauseMs?: number;
}

export interface LoadStats {
  ticks: number;
  created: number;
  state: number;
  repeats: number;
  poison: number;
}

/**
 * One tick = a batch of created notifications through ingest, then a batch
 * of state events for notifications created so far (single and `all`,
 * some aimed at another user's notification, which must change nothing),
 * a repeat of an earlier state event (same id: G4 drops it) and, every
 * tenth tick, a poison record (dead-lettered). Ticks run back to back until
 * stopped, `pauseMs` apart.
 */
export function startLoad(o: LoadOptions): { stop(): Promise<LoadStats>; ticks(): number } {
  const stats: LoadStats = { ticks: 0, created: 0, state: 0, repeats: 0, poison: 0 };
  const createdBy = new Map<string, string[]>();
  const sentState: StateEvent[] = [];
  let stopping = false;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;

  async function tick(): Promise<void> {
    const targets = Array.from({ length: o.perTick }, () => pick(o.users));
    const res = await requestJson<{ ids: string[] }>('POST', `${o.ingestUrl}/v1/notifications/batch`, {
      token: o.token,
      body: { notifications: targets.map((userId, i) => ({ userId, data: { category: 'load', title: `t${stats.ticks} #${i}`, priority: pick(['low', 'normal', 'high']) } })) },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    res.body.ids.forEach((id, i) => (createdBy.get(targets[i]!) ?? createdBy.set(targets[i]!, []).get(targets[i]!)!).push(id));
    stats.created += res.body.ids.length;

    const events: StateEvent[] = [];
    for (let i = 0; i < o.perTick; i++) {
      const user = pick(o.users);
      const mine = createdBy.get(user) ?? [];
      const type = pick(STATE_TYPES);
      const base = { id: `st-${randomBytes(8).toString('hex')}`, type, userId: user, time: new Date().toISOString(), source: 'ops-test' };
      if (Math.random() < 0.02) events.push({ ...base, data: { all: true } });
      else if (Math.random() < 0.05) events.push({ ...base, data: { notificationId: pick(createdBy.get(pick(o.users)) ?? ['none']) } });
      else if (mine.length > 0) events.push({ ...base, data: { notificationId: pick(mine) } });
    }
    const messages = events.map((e) => toMessage(e));
    if (sentState.length > 0) {
      messages.push(toMessage(pick(sentState)));
      stats.repeats += 1;
    }
    if (stats.ticks % 10 === 9) {
      messages.push({ key: pick(o.users), value: '{"not":"an envelope"' });
      stats.poison += 1;
    }
    await o.sender.send([{ topic: o.topic, messages }]);
    sentState.push(...events);
    stats.state += events.length;
    stats.ticks += 1;
  }

  const loop = (async () => {
    while (!stopping) {
      await tick();
      if (o.pauseMs) await new Promise((r) => setTimeout(r, o.pauseMs));
    }
  })();
  return {
    ticks: () => stats.ticks,
    async stop() {
      stopping = true;
      await loop;
      return stats;
    },
  };
}

/** md5 over every inbox row, every column (row::text), in notification order. */
export async function inboxChecksum(pool: pg.Pool, table = 'inbox'): Promise<{ rows: number; md5: string }> {
  const r = await pool.query<{ n: string; md5: string | null }>(
    `SELECT count(*)::text AS n, md5(string_agg(t::text, ',' ORDER BY notification_id)) AS md5 FROM ${table} t`,
  );
  return { rows: Number(r.rows[0]!.n), md5: r.rows[0]!.md5 ?? '' };
}

/** Created ids in the mirror without exactly one inbox row (lost ones), and inbox rows without a created event (invented ones). */
export async function inboxGaps(pool: pg.Pool): Promise<{ missing: string[]; extra: string[] }> {
  const missing = await pool.query<{ id: string }>(
    `SELECT e.id FROM events e WHERE e.type = 'notification.created' AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.notification_id = e.id) LIMIT 20`,
  );
  const extra = await pool.query<{ id: string }>(
    `SELECT i.notification_id AS id FROM inbox i WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = i.notification_id AND e.type = 'notification.created') LIMIT 20`,
  );
  return { missing: missing.rows.map((r) => r.id), extra: extra.rows.map((r) => r.id) };
}

/** Rows of the inbox that differ from the pure-JS fold of the mirror (first 10), and the row counts. */
export async function inboxVsFold(
  pool: pg.Pool,
): Promise<{ diffs: { id: string; table?: FoldRow; fold?: FoldRow; log?: string[] }[]; tableRows: number; foldRows: number }> {
  const ev = await pool.query<{ id: string; type: string; user_id: string; offset: string; time: string; data: FoldEvent['data'] }>(
    'SELECT id, type, user_id, "offset"::text AS offset, time::text AS time, data FROM events ORDER BY events.partition, events."offset"',
  );
  const folded = foldInbox(ev.rows.map((r) => ({ id: r.id, type: r.type, userId: r.user_id, offset: BigInt(r.offset), time: r.time, data: r.data })));
  const rows = await pool.query<{ notification_id: string; user_id: string; offset: string; created_at: string; seen_at: string | null; read_at: string | null; archived_at: string | null }>(
    'SELECT notification_id, user_id, "offset"::text AS offset, created_at::text, seen_at::text, read_at::text, archived_at::text FROM inbox',
  );
  const diffs: { id: string; table?: FoldRow; fold?: FoldRow; log?: string[] }[] = [];
  const seen = new Set<string>();
  for (const r of rows.rows) {
    const row: FoldRow = { notificationId: r.notification_id, userId: r.user_id, offset: BigInt(r.offset), createdAt: r.created_at, seenAt: r.seen_at, readAt: r.read_at, archivedAt: r.archived_at };
    seen.add(row.notificationId);
    const f = folded.get(row.notificationId);
    if (!f || JSON.stringify(f, bigintText) !== JSON.stringify(row, bigintText)) diffs.push({ id: row.notificationId, table: row, ...(f ? { fold: f } : {}) });
  }
  for (const [id, f] of folded) if (!seen.has(id)) diffs.push({ id, fold: f });
  // For a failure message: the log entries that could have touched each differing row.
  for (const d of diffs.slice(0, 3)) {
    const user = d.table?.userId ?? d.fold?.userId;
    d.log = ev.rows
      .filter((r) => r.id === d.id || (r.user_id === user && (r.data.all || r.data.notificationId === d.id)) || r.data.notificationId === d.id)
      .map((r) => `${r.offset} ${r.type} ${r.user_id} ${r.time} ${JSON.stringify(r.data)}`);
  }
  return { diffs: diffs.slice(0, 10), tableRows: rows.rows.length, foldRows: folded.size };
}

const bigintText = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);
