import { decodeCursor, encodeCursor, type SyncedMessage, type SyncedReason } from '@tidings/protocol';
import type pg from 'pg';
import type { LiveFeed } from './live.js';
import type { SessionRegistry } from './registry.js';
import { eventFrame } from './frames.js';
import { replayPage } from './replay.js';
import type { OutFrame, Session } from './session-types.js';
import type { Watermarks } from './watermarks.js';

export interface ResumeContext {
  pool: pg.Pool;
  live: LiveFeed;
  watermarks: Watermarks;
  registry: SessionRegistry;
  epoch: string;
  partitionOf: (userId: string) => number;
  /** Writes a frame; returns a promise when the socket is congested, to await before writing more (replay backpressure). */
  write: (session: Session, frame: string) => Promise<void> | undefined;
  /** Writes a live frame without waiting. */
  push: (session: Session, out: OutFrame) => void;
  isOpen: (session: Session) => boolean;
  pageSize?: number;
}

export interface ResumeResult {
  synced: SyncedMessage;
  replayed: number;
}

/**
 * Brings a session from its cursor to live with no gap and no duplicate
 * (G3). The session is registered with a buffer *before* reading the live
 * position L0 (synchronously, no await in between), so:
 *   - every record < L0 was dispatched before this session existed: they
 *     come from Postgres, which is complete below the watermark W;
 *   - every record >= L0 lands in the session's buffer.
 * Replay therefore reads Postgres up to min(W, L0), waits for W to pass L0
 * when the persister lags (replaying what becomes available meanwhile), then
 * sends `synced` and flushes the buffer above the last replayed offset — all
 * synchronously, so no live frame can slip in between.
 */
export async function resume(ctx: ResumeContext, session: Session, cursor: string | undefined): Promise<ResumeResult> {
  const partition = ctx.partitionOf(session.userId);
  session.buffer = [];
  ctx.registry.add(session);
  const l0 = ctx.live.position(partition);

  const goLive = (after: bigint, recovered: boolean, reason?: SyncedReason, replayed = 0): ResumeResult => {
    const synced: SyncedMessage = {
      type: 'synced',
      cursor: encodeCursor({ epoch: ctx.epoch, partition, offset: after }),
      recovered,
      ...(reason ? { reason } : {}),
      replayed,
    };
    const buffered = session.buffer ?? [];
    session.buffer = null;
    session.lastOffset = after;
    void ctx.write(session, JSON.stringify(synced));
    for (const out of buffered) ctx.push(session, out);
    return { synced, replayed };
  };

  if (cursor === undefined) return goLive(l0 - 1n, true);
  const decoded = decodeCursor(cursor);
  if (!decoded.ok) return goLive(l0 - 1n, false, 'malformed_cursor');
  const pos = decoded.position;
  if (pos.epoch !== ctx.epoch) return goLive(l0 - 1n, false, 'unknown_epoch');
  if (pos.partition !== partition) return goLive(l0 - 1n, false, 'partition_changed');

  let after = pos.offset;
  if (after >= l0) {
    // Ahead of this node's feed: fine if the log really has it (another node
    // was further along); a cursor past the log end cannot be honoured.
    const end = await ctx.live.logEnd(partition);
    if (after >= end) return goLive(l0 - 1n, false, 'cursor_ahead');
    return goLive(after, true);
  }

  let replayed = 0;
  const pageSize = ctx.pageSize ?? 500;
  for (;;) {
    const w = ctx.watermarks.get(partition);
    const bound = w < l0 ? w : l0;
    for (;;) {
      if (!ctx.isOpen(session)) return { synced: goLive(after, true).synced, replayed };
      const rows = await replayPage(ctx.pool, session.userId, partition, after, bound, pageSize);
      for (const row of rows) {
        const congested = ctx.write(session, eventFrame(ctx.epoch, partition, row.offset, row.json, 'replayed'));
        after = row.offset;
        replayed += 1;
        // Hold the next frame until the socket drained: a page never piles up in memory.
        if (congested) await congested;
      }
      if (rows.length < pageSize) break;
    }
    // Everything below `bound` has been scanned.
    if (bound - 1n > after) after = bound - 1n;
    if (w >= l0) return goLive(after, true, undefined, replayed);
    // The persister is behind this node's feed: wait for it (bounded wait,
    // then re-read, so a lost notification only costs a second).
    await ctx.watermarks.waitFor(partition, l0, 1000);
  }
}
