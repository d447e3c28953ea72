import { cursorKey } from './storage.js';
import type { CursorStorage } from './types.js';

/**
 * The resume position of one client and its copy in storage, per user: a
 * login never resumes from another user's cursor. Writes are coalesced — one
 * in flight at a time, always of the latest value — so slow (file) storage
 * never queues a write per event.
 */
export class CursorKeeper {
  /** The position to resume from; undefined before the first event or `synced`. */
  value: string | undefined;
  private user: string | undefined;
  private saving: Promise<void> | undefined;

  constructor(
    private readonly storage: CursorStorage,
    private readonly scope: string,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Switches to `user`, reading their stored cursor unless a position is already held for them. */
  async load(user: string | undefined): Promise<void> {
    if (user === undefined || this.user === user) return;
    if (this.user !== undefined) this.value = undefined; // another login: never reuse its position
    this.user = user;
    if (this.value !== undefined) return;
    try {
      const stored = await this.storage.get(cursorKey(this.scope, user));
      if (stored && this.value === undefined) this.value = stored;
    } catch (error) {
      this.onError(new Error(`cursor storage failed: ${(error as Error).message}`, { cause: error }));
    }
  }

  /** The server named the user (`welcome`) when the token did not. */
  adopt(user: string): void {
    this.user ??= user;
  }

  set(cursor: string): void {
    this.value = cursor;
    if (this.user === undefined || this.saving) return;
    const key = cursorKey(this.scope, this.user);
    const save = async (): Promise<void> => {
      let written: string | undefined;
      while (this.value !== undefined && written !== this.value) {
        written = this.value;
        await this.storage.set(key, written);
      }
    };
    const p = save()
      .catch((error: unknown) => this.onError(new Error(`cursor storage failed: ${(error as Error).message}`, { cause: error })))
      .finally(() => {
        if (this.saving === p) this.saving = undefined;
      });
    this.saving = p;
  }

  /** Resolves once the latest cursor is in storage. */
  async flush(): Promise<void> {
    while (this.saving) await this.saving;
  }
}
