import type { Clock } from './clock.js';
import { TidingsClientError } from './errors.js';

interface Pending {
  frame: Record<string, unknown>;
  /** The connection it was written to; undefined while queued. */
  sentOn: number | undefined;
  resolve: (data: unknown) => void;
  reject: (error: TidingsClientError) => void;
  timer: unknown;
}

/**
 * Requests with an `id` and a timeout. A request waits (queued) until a
 * connection is open, is written once, and settles by the server's
 * `result`/`error` with its id. It is never written twice: when its
 * connection closes first the outcome is unknown, and the caller decides
 * whether to retry (CONNECTION_LOST).
 */
export class RequestTable {
  private readonly pending = new Map<string, Pending>();
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly prefix: string,
  ) {}

  add(frame: Record<string, unknown>, timeoutMs: number): { id: string; done: Promise<unknown> } {
    this.seq += 1;
    const id = `${this.prefix}${this.seq.toString(36)}`;
    const done = new Promise<unknown>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new TidingsClientError('TIDINGS_ERR_CLIENT_TIMEOUT', `request ${String(frame['type'])} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { frame: { ...frame, id }, sentOn: undefined, resolve, reject, timer });
    });
    return { id, done };
  }

  /** Frames not yet written, to send on connection `conn` (marks them sent). */
  takeUnsent(conn: number): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const p of this.pending.values()) {
      if (p.sentOn === undefined) {
        p.sentOn = conn;
        out.push(p.frame);
      }
    }
    return out;
  }

  settle(id: string, outcome: { ok: true; data: unknown } | { ok: false; code: string; message: string }): boolean {
    const p = this.pending.get(id);
    if (!p) return false;
    this.pending.delete(id);
    this.clock.clearTimeout(p.timer);
    if (outcome.ok) p.resolve(outcome.data);
    else p.reject(new TidingsClientError(outcome.code, outcome.message));
    return true;
  }

  /** Connection `conn` closed: what was written on it can no longer be answered. */
  connectionLost(conn: number): void {
    for (const [id, p] of this.pending) {
      if (p.sentOn === conn) this.fail(id, p, new TidingsClientError('TIDINGS_ERR_CLIENT_CONNECTION_LOST'));
    }
  }

  failAll(error: TidingsClientError): void {
    for (const [id, p] of this.pending) this.fail(id, p, error);
  }

  get size(): number {
    return this.pending.size;
  }

  private fail(id: string, p: Pending, error: TidingsClientError): void {
    this.pending.delete(id);
    this.clock.clearTimeout(p.timer);
    p.reject(error);
  }
}
