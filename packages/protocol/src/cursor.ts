import { LIMITS } from './limits.js';

/**
 * A cursor names a position in one user's stream: "everything of this user
 * up to and including `offset` of `partition`". All of a user's events live
 * in one partition (key = userId), so a partition offset totally orders them.
 * `epoch` names the incarnation of the log (stored in Postgres `meta`); a
 * cursor from another epoch cannot be interpreted and must be refused.
 *
 * Clients treat cursors as opaque; only servers call these functions.
 */
export interface CursorPosition {
  epoch: string;
  partition: number;
  /** Last offset included; -1n means "before the first record". */
  offset: bigint;
}

const VERSION = 'c1';

export function encodeCursor(pos: CursorPosition): string {
  const text = `${VERSION}.${pos.epoch}.${pos.partition}.${pos.offset.toString()}`;
  return Buffer.from(text, 'utf8').toString('base64url');
}

export type DecodedCursor = { ok: true; position: CursorPosition } | { ok: false; reason: 'malformed' };

export function decodeCursor(cursor: string): DecodedCursor {
  if (cursor.length === 0 || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    return { ok: false, reason: 'malformed' };
  }
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) return { ok: false, reason: 'malformed' };
  const [, epoch, partition, offset] = parts as [string, string, string, string];
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(epoch) || !/^\d{1,6}$/.test(partition) || !/^(-1|\d{1,19})$/.test(offset)) {
    return { ok: false, reason: 'malformed' };
  }
  const position = BigInt(offset);
  // Offsets are Postgres bigints: a larger one is as malformed as a non-number.
  if (position > LIMITS.positionMax) return { ok: false, reason: 'malformed' };
  return { ok: true, position: { epoch, partition: Number(partition), offset: position } };
}
