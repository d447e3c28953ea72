import { WebSocket } from 'ws';
import { connect, type SyncResult, type TidingsClient, type WebSocketFactory, type WebSocketLike } from '@tidings/client';
import type { EventMessage } from '@tidings/protocol';

/**
 * SDK clients (what an app sees: each event once, in log order) whose
 * network a scenario can break: `cut()` destroys the TCP socket without a
 * close frame, `block()` keeps reconnects failing (an unplugged cable),
 * `pause()` stops reading so the server's send buffer fills (a slow client).
 */
export interface ChaosClient {
  userId: string;
  client: TidingsClient;
  /** Every `event` the SDK emitted, in emission order. */
  received: EventMessage[];
  syncs: SyncResult[];
  /** Close codes of every socket this client lost (1006: dropped without a close frame). */
  closes: number[];
  /** Destroys the current TCP connection; no close frame is sent. */
  cut(): void;
  /** While blocked, every connection attempt fails at once (refused port). */
  block(on: boolean): void;
  /** Stops (true) or resumes (false) reading the current socket. */
  pause(on: boolean): void;
  /** Resolves when `pred` holds, re-checked on every event and every 100 ms; rejects after `timeoutMs`. */
  until(what: string, pred: () => boolean, timeoutMs: number): Promise<void>;
  close(): void;
}

/** Internals of `ws` used to simulate network faults; not part of its typed surface. */
interface RawSocketHolder {
  _socket?: { destroy(): void; pause(): void; resume(): void } | null;
}

export function openChaosClient(opts: { userId: string; urls: readonly string[]; getToken: () => Promise<string> }): ChaosClient {
  let current: WebSocket | undefined;
  let blocked = false;
  let paused = false;
  // A factory the SDK instantiates per attempt: lets the test reach the socket underneath.
  const Factory = function (this: unknown, url: string, protocols?: string | string[]) {
    const target = blocked ? 'ws://127.0.0.1:9/v1/stream' : url;
    const ws = new WebSocket(target, protocols);
    current = ws;
    if (paused) ws.once('open', () => (ws as unknown as RawSocketHolder)._socket?.pause());
    return ws as unknown as WebSocketLike;
  } as unknown as WebSocketFactory;

  const client = connect({
    urls: opts.urls,
    getToken: opts.getToken,
    WebSocket: Factory,
    backoff: { baseMs: 100, capMs: 1000 },
    healthyAfterMs: 1000,
    dedupeCapacity: 100000,
    onListenerError: () => undefined,
  });
  const received: EventMessage[] = [];
  const syncs: SyncResult[] = [];
  const waiters = new Set<() => void>();
  client.on('event', (m) => {
    received.push(m);
    for (const w of [...waiters]) w();
  });
  client.on('synced', (r) => {
    syncs.push(r);
    for (const w of [...waiters]) w();
  });
  client.on('error', () => undefined);
  const closes: number[] = [];
  client.on('state', (s) => {
    if ((s.state === 'reconnecting' || s.state === 'offline') && s.lastClose) closes.push(s.lastClose.code);
  });
  const raw = () => (current as unknown as RawSocketHolder | undefined)?._socket ?? undefined;
  return {
    userId: opts.userId,
    client,
    received,
    syncs,
    closes,
    cut: () => raw()?.destroy(),
    block: (on) => (blocked = on),
    pause(on) {
      paused = on;
      if (on) raw()?.pause();
      else raw()?.resume();
    },
    until: (what, pred, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pred()) return;
          waiters.delete(check);
          clearInterval(tick);
          clearTimeout(timer);
          resolve();
        };
        const tick = setInterval(check, 100);
        const timer = setTimeout(() => {
          waiters.delete(check);
          clearInterval(tick);
          reject(new Error(`${opts.userId}: timed out waiting for ${what} (received ${received.length}, state ${client.state.state})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => client.close(),
  };
}
