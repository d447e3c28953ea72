/** A minimal typed event emitter that runs in browsers and Node alike. */
export interface Emitter<E> {
  on<K extends keyof E>(type: K, listener: (payload: E[K]) => void): () => void;
  off<K extends keyof E>(type: K, listener: (payload: E[K]) => void): void;
  emit<K extends keyof E>(type: K, payload: E[K]): void;
}

/**
 * Listener exceptions are reported through `onListenerError` and never
 * break delivery to the other listeners or the SDK's own state machine.
 */
export function createEmitter<E>(onListenerError: (error: unknown) => void = (e) => console.error(e)): Emitter<E> {
  const listeners = new Map<keyof E, Set<(payload: never) => void>>();
  return {
    on(type, listener) {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => this.off(type, listener);
    },
    off(type, listener) {
      listeners.get(type)?.delete(listener as (payload: never) => void);
    },
    emit(type, payload) {
      const set = listeners.get(type);
      if (!set) return;
      for (const l of [...set]) {
        try {
          (l as (p: typeof payload) => void)(payload);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
  };
}
