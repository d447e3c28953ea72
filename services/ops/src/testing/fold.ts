/**
 * A pure-JS reference of the inbox projection (test helper): folds events
 * in log order one at a time, with the semantics the persister's SQL
 * implements (services/persister/src/projection.ts and docs/decisions.md):
 * created inserts once; read/seen/archived keep the first time; unarchived
 * clears; `read` also marks seen; a state event only touches its own user's
 * notifications created earlier in the log; `all: true` applies to all of
 * them that are not already in that state. Tests compare real projections
 * (live and rebuilt) against it.
 */
export interface FoldEvent {
  id: string;
  type: string;
  userId: string;
  offset: bigint;
  /** Opaque here; tests pass Postgres' text form so it compares exactly with the tables. */
  time: string;
  data: { notificationId?: string; all?: true };
}

export interface FoldRow {
  notificationId: string;
  userId: string;
  offset: bigint;
  createdAt: string;
  seenAt: string | null;
  readAt: string | null;
  archivedAt: string | null;
}

export function foldInbox(events: Iterable<FoldEvent>, into = new Map<string, FoldRow>()): Map<string, FoldRow> {
  const byUser = new Map<string, FoldRow[]>();
  for (const row of into.values()) (byUser.get(row.userId) ?? byUser.set(row.userId, []).get(row.userId)!).push(row);
  for (const e of events) {
    if (e.type === 'notification.created') {
      if (into.has(e.id)) continue;
      const row: FoldRow = { notificationId: e.id, userId: e.userId, offset: e.offset, createdAt: e.time, seenAt: null, readAt: null, archivedAt: null };
      into.set(e.id, row);
      (byUser.get(e.userId) ?? byUser.set(e.userId, []).get(e.userId)!).push(row);
      continue;
    }
    const targets = e.data.all
      ? (byUser.get(e.userId) ?? []).filter((r) => r.offset < e.offset)
      : [into.get(e.data.notificationId ?? '')].filter((r): r is FoldRow => r !== undefined && r.userId === e.userId && r.offset < e.offset);
    for (const r of targets) applyOne(r, e.type, e.time);
  }
  return into;
}

function applyOne(r: FoldRow, type: string, time: string): void {
  switch (type) {
    case 'notification.read':
      r.readAt ??= time;
      r.seenAt ??= time;
      break;
    case 'notification.seen':
      r.seenAt ??= time;
      break;
    case 'notification.archived':
      r.archivedAt ??= time;
      break;
    case 'notification.unarchived':
      r.archivedAt = null;
      break;
  }
}
