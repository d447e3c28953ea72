import type { CursorStorage } from './types.js';

/** Keeps cursors for the life of the process (Node default). */
export function memoryStorage(): CursorStorage & { readonly values: ReadonlyMap<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    get: (key) => values.get(key) ?? null,
    set: (key, value) => void values.set(key, value),
  };
}

/** Web Storage (localStorage by default): survives reloads, shared by the tabs of an origin. */
export function webStorage(store: Pick<Storage, 'getItem' | 'setItem'> | undefined = globalThis.localStorage): CursorStorage {
  if (!store) return memoryStorage();
  return {
    get: (key) => {
      try {
        return store.getItem(key);
      } catch {
        return null; // storage disabled (privacy mode): resume from nothing rather than fail
      }
    },
    set: (key, value) => {
      try {
        store.setItem(key, value);
      } catch {
        // quota or privacy mode: the cursor is also kept in memory by the client
      }
    },
  };
}

/** The storage key of a user's cursor; per user so one login never resumes from another's position. */
export function cursorKey(scope: string, userId: string): string {
  return `tidings.cursor.${scope}.${userId}`;
}
