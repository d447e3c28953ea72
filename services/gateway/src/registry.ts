import type { Session } from './session-types.js';

/** Sessions on this node by userId: the live consumer's routing table. */
export interface SessionRegistry {
  add(session: Session): void;
  remove(session: Session): void;
  get(userId: string): ReadonlySet<Session> | undefined;
  countFor(userId: string): number;
  readonly size: number;
  all(): IterableIterator<Session>;
}

export function createRegistry(): SessionRegistry {
  const byUser = new Map<string, Set<Session>>();
  let size = 0;
  return {
    add(session) {
      let set = byUser.get(session.userId);
      if (!set) byUser.set(session.userId, (set = new Set()));
      if (!set.has(session)) {
        set.add(session);
        size += 1;
      }
    },
    remove(session) {
      const set = byUser.get(session.userId);
      if (set?.delete(session)) {
        size -= 1;
        if (set.size === 0) byUser.delete(session.userId);
      }
    },
    get: (userId) => byUser.get(userId),
    countFor: (userId) => byUser.get(userId)?.size ?? 0,
    get size() {
      return size;
    },
    *all() {
      for (const set of byUser.values()) yield* set;
    },
  };
}
