import { WebSocket } from 'ws';
import { SUBPROTOCOL, type EventMessage, type ServerMessage } from '@tidings/protocol';

/**
 * A raw protocol client for tests: records every server message and lets a
 * test await the next one matching a predicate (no sleeps).
 */
export interface TestSocket {
  ws: WebSocket;
  messages: ServerMessage[];
  events(): EventMessage[];
  send(msg: unknown): void;
  sendRaw(data: string | Buffer, binary?: boolean): void;
  /** Resolves with the first message (already received or future) matching `pred`. */
  waitFor<T extends ServerMessage = ServerMessage>(pred: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<T>;
  /** Resolves once `n` event messages have arrived in total. */
  waitForEvents(n: number, timeoutMs?: number): Promise<EventMessage[]>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function openSocket(url: string, opts: { protocols?: string[]; origin?: string } = {}): Promise<TestSocket> {
  const ws = new WebSocket(url, opts.protocols ?? [SUBPROTOCOL], opts.origin ? { origin: opts.origin } : {});
  const messages: ServerMessage[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as ServerMessage);
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  ws.on('error', () => undefined);

  function waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const v = check();
        if (v !== undefined) {
          waiters.delete(attempt);
          clearTimeout(timer);
          resolve(v);
        } else if (ws.readyState === WebSocket.CLOSED) {
          waiters.delete(attempt);
          clearTimeout(timer);
          reject(new Error(`socket closed while waiting for ${what}; got ${JSON.stringify(messages.slice(-3))}`));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(attempt);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(messages.slice(-3))}`));
      }, timeoutMs);
      waiters.add(attempt);
      attempt();
    });
  }
  const events = () => messages.filter((m): m is EventMessage => m.type === 'event');
  return {
    ws,
    messages,
    events,
    send: (msg) => ws.send(JSON.stringify(msg)),
    sendRaw: (data, binary = false) => ws.send(data, { binary }),
    waitFor: <T extends ServerMessage>(pred: (m: ServerMessage) => boolean, timeoutMs = 15000) =>
      waitUntil(() => messages.find(pred) as T | undefined, timeoutMs, 'a matching message'),
    waitForEvents: (n, timeoutMs = 20000) =>
      waitUntil(() => (events().length >= n ? events() : undefined), timeoutMs, `${n} events`),
    closed,
    close: () => ws.close(1000),
  };
}
