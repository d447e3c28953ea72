/**
 * A bounded set of recently seen event ids, evicting the oldest first.
 * Replays, seams and ops redeliveries can hand the client an event it
 * already delivered; they are always recent, so a window of the last few
 * thousand ids catches them while memory stays bounded.
 */
export interface SeenIds {
  /** Records `id`; false when it was already there (a duplicate). */
  add(id: string): boolean;
  has(id: string): boolean;
  readonly size: number;
}

export function createSeenIds(capacity = 5000): SeenIds {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  // A Map iterates in insertion order, so its first key is the oldest.
  const ids = new Map<string, true>();
  return {
    add(id) {
      if (ids.has(id)) return false;
      ids.set(id, true);
      if (ids.size > capacity) ids.delete(ids.keys().next().value as string);
      return true;
    },
    has: (id) => ids.has(id),
    get size() {
      return ids.size;
    },
  };
}
