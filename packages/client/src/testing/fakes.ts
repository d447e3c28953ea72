import type { Clock } from '../clock.js';
import type { WebSocketLike } from '../types.js';

/**
 * Test doubles for the unit tests of the state machines: a clock that only
 * moves when told, and a WebSocket whose "server side" the test drives.
 * Tests assert on what the client did (frames it sent, sockets it opened,
 * events it emitted), never on which internal calls were made.
 */
export class ManualClock implements Clock {
  private t = 1_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  randomValue = 0.5;

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  random(): number {
    return this.randomValue;
  }
  /** Moves time forward, running due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
  /** Delay until the next timer fires, if any. */
  nextIn(): number | undefined {
    let min: number | undefined;
    for (const { at } of this.timers.values()) min = min === undefined ? at - this.t : Math.min(min, at - this.t);
    return min;
  }
}

export class FakeSocket implements WebSocketLike {
  static readonly instances: FakeSocket[] = [];
  readyState = 0;
  protocol = 'tidings.v1';
  readonly sent: Record<string, unknown>[] = [];
  closedByClient: { code: number | undefined; reason: string | undefined } | undefined;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeSocket.instances.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
    this.readyState = 3;
  }
  // ---- the server's side ----
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  deliver(msg: unknown): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  static reset(): void {
    FakeSocket.instances.length = 0;
  }
  static last(): FakeSocket {
    const s = FakeSocket.instances[FakeSocket.instances.length - 1];
    if (!s) throw new Error('no socket was opened');
    return s;
  }
}

/** Lets pending promise callbacks (getToken, storage) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** An unsigned JWT-shaped token with the given claims (the client never verifies). */
export function fakeToken(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.sig`;
}

/** An in-process Web Locks stand-in: exclusive, FIFO, abortable while waiting. */
export class FakeLocks {
  private readonly held = new Set<string>();
  private readonly waiting = new Map<string, Array<{ run: () => void; signal?: AbortSignal | undefined }>>();

  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const run = () => {
        this.held.add(name);
        callback().then(resolve, reject).finally(() => {
          this.held.delete(name);
          const next = this.waiting.get(name)?.shift();
          next?.run();
        });
      };
      if (!this.held.has(name)) return run();
      const entry = { run, signal: options.signal };
      const queue = this.waiting.get(name) ?? [];
      queue.push(entry);
      this.waiting.set(name, queue);
      options.signal?.addEventListener('abort', () => {
        const q = this.waiting.get(name) ?? [];
        const i = q.indexOf(entry);
        if (i >= 0) q.splice(i, 1);
        reject(new Error('AbortError'));
      });
    });
  }
}

/** Polls `check` on every macrotask turn until it holds (for cross-channel delivery), failing after `ms`. */
export async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}
