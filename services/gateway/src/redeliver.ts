import type pg from 'pg';
import { decodeCursor, type RedeliverCommand } from '@tidings/protocol';
import { eventFrame } from './frames.js';
import type { SessionRegistry } from './registry.js';
import { replayPage } from './replay.js';
import type { Session } from './session-types.js';
import type { Watermarks } from './watermarks.js';

export interface RedeliverContext {
  pool: pg.Pool;
  registry: SessionRegistry;
  watermarks: Watermarks;
  epoch: string;
  partitionOf: (userId: string) => number;
  /** Flow-controlled write (see GatewayNode.write). */
  write: (session: Session, frame: string) => Promise<void> | undefined;
  isOpen: (session: Session) => boolean;
  pageSize?: number;
}

export type RedeliverOutcome = 'delivered' | 'no_sockets' | 'unknown_epoch' | 'partition_changed' | 'malformed_cursor';

export interface RedeliverResult {
  outcome: RedeliverOutcome;
  /** Event frames written, summed over sockets. */
  frames: number;
  sockets: number;
}

/**
 * Pushes a user's mirrored events again, in log order, to that user's live
 * sockets on this node, flagged `redelivered: true`. The range is
 * (fromCursor, watermark) or [fromTime, watermark): what Postgres holds; what
 * lies beyond reaches live sockets through the feed anyway. Sockets still
 * replaying are left out — their resume already brings every event after
 * their cursor. Redelivered frames never move a session's dedup position:
 * they are extra copies by design, and clients drop them by event id.
 */
export async function redeliver(ctx: RedeliverContext, cmd: RedeliverCommand): Promise<RedeliverResult> {
  const live = () => [...(ctx.registry.get(cmd.userId) ?? [])].filter((s) => s.buffer === null && ctx.isOpen(s));
  if (live().length === 0) return { outcome: 'no_sockets', frames: 0, sockets: 0 };
  const partition = ctx.partitionOf(cmd.userId);
  let after = -1n;
  if (cmd.fromCursor !== undefined) {
    const decoded = decodeCursor(cmd.fromCursor);
    if (!decoded.ok) return { outcome: 'malformed_cursor', frames: 0, sockets: 0 };
    if (decoded.position.epoch !== ctx.epoch) return { outcome: 'unknown_epoch', frames: 0, sockets: 0 };
    if (decoded.position.partition !== partition) return { outcome: 'partition_changed', frames: 0, sockets: 0 };
    after = decoded.position.offset;
  }
  const since = cmd.fromTime !== undefined ? new Date(cmd.fromTime) : undefined;
  const before = ctx.watermarks.get(partition);
  const pageSize = ctx.pageSize ?? 500;
  let frames = 0;
  const reached = new Set<Session>();
  for (;;) {
    const rows = await replayPage(ctx.pool, cmd.userId, partition, after, before, pageSize, since);
    // Re-read per page: sockets come and go during a long redelivery.
    const targets = live();
    for (const row of rows) {
      const frame = eventFrame(ctx.epoch, partition, row.offset, row.json, 'redelivered');
      const waits: Promise<void>[] = [];
      for (const s of targets) {
        const congested = ctx.write(s, frame);
        frames += 1;
        reached.add(s);
        if (congested) waits.push(congested);
      }
      if (waits.length > 0) await Promise.all(waits);
      after = row.offset;
    }
    if (rows.length < pageSize || targets.length === 0) break;
  }
  return { outcome: 'delivered', frames, sockets: reached.size };
}
