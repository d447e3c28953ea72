import type pg from 'pg';
import type { AtomicSender } from '@tidings/kafka';
import type { StateAccepted } from '@tidings/protocol';
import type { Budgets } from './budget.js';
import { produceState, type StateKind } from './state-events.js';
import type { Watermarks } from './watermarks.js';

/** What a state request (HTTP or socket) needs; one per node. */
export interface StateContext {
  pool: pg.Pool;
  sender: AtomicSender;
  /** The event topic. */
  topic: string;
  /** Per-user write budget, in state events asked for (HTTP and socket share it). */
  writes: Budgets;
  watermarks: Pick<Watermarks, 'get' | 'waitFor'>;
  /** Next offset of `partition` this node's live feed will dispatch. */
  livePosition: (partition: number) => bigint;
  partitionOf: (userId: string) => number;
  /** Longest wait for the persister to catch up before unknown ids are ignored. */
  recheckMs: number;
}

export type StateOutcome = ({ ok: true } & StateAccepted) | { ok: false; retryAfterMs: number };

/** The requested ids that are notifications of `userId` in the mirror. */
async function ownedIds(pool: pg.Pool, userId: string, ids: readonly string[]): Promise<Set<string>> {
  const r = await pool.query<{ notification_id: string }>(
    'SELECT notification_id FROM inbox WHERE user_id = $1 AND notification_id = ANY($2::text[])',
    [userId, ids],
  );
  return new Set(r.rows.map((row) => row.notification_id));
}

/**
 * Records a user's read/seen/archive/unarchive request (docs/contract.md §6, §7).
 *
 * Budget first: the request costs one unit per distinct id (one for `all`),
 * whether or not the ids turn out to be the user's, so random ids cannot buy
 * free lookups. Then only ids that are the caller's own notifications produce
 * events; the rest are returned as `ignored` and write nothing.
 *
 * A client may mark a notification it just received live before the
 * persister wrote its row. So when some ids are unknown and the user's
 * partition watermark is behind what this node's live feed has dispatched,
 * the request waits (event-driven, at most `recheckMs`) for the watermark to
 * reach that position and looks the unknown ids up once more.
 */
export async function recordState(
  ctx: StateContext,
  userId: string,
  kind: StateKind,
  target: { ids?: readonly string[] | undefined; all?: true | undefined },
): Promise<StateOutcome> {
  const wanted = target.all ? [] : [...new Set(target.ids ?? [])];
  const spent = ctx.writes.spend(userId, target.all ? 1 : wanted.length);
  if (!spent.ok) return spent;
  if (target.all) {
    return { ok: true, ids: await produceState(ctx.sender, ctx.topic, userId, kind, { all: true }), ignored: [] };
  }
  // Read before the lookup: if the watermark had already reached the live
  // position, every row delivered live was in the mirror when we looked (the
  // persister writes rows and watermark in one transaction).
  const partition = ctx.partitionOf(userId);
  const live = ctx.livePosition(partition);
  const behind = ctx.watermarks.get(partition) < live;
  const owned = await ownedIds(ctx.pool, userId, wanted);
  if (owned.size < wanted.length && behind) {
    // Even after a timeout, rows written meanwhile are found.
    await ctx.watermarks.waitFor(partition, live, ctx.recheckMs);
    for (const id of await ownedIds(ctx.pool, userId, wanted.filter((i) => !owned.has(i)))) owned.add(id);
  }
  const mine = wanted.filter((id) => owned.has(id));
  const ignored = wanted.filter((id) => !owned.has(id));
  const ids = mine.length > 0 ? await produceState(ctx.sender, ctx.topic, userId, kind, { ids: mine }) : [];
  return { ok: true, ids, ignored };
}
