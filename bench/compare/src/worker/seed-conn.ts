import { WebSocket, type RawData } from 'ws';
import { jitter, once, type BenchConn, type ConnContext } from './conn.js';

/**
 * A client of the seed pattern: a plain WebSocket to a node that relays its
 * user's Redis channel. Nothing to resume from: after an unexpected close it
 * simply connects to the next node (same jitter as the Tidings client).
 */
export function seedConn(ctx: ConnContext): BenchConn {
  let ws: WebSocket | undefined;
  let node = ctx.node;
  let intentional = false;
  let attempt = 0;

  const onMessage = (data: RawData) => {
    const m = JSON.parse((data as Buffer).toString('utf8')) as { s?: number; type?: string };
    if (typeof m.s === 'number') ctx.sink.message(m.s);
  };

  function connect(onOpen?: () => void): Promise<void> {
    let attemptSock: WebSocket | undefined;
    const attempt = once<void>(
      (resolve, reject) => {
        const sock = new WebSocket(`${ctx.endpoints[node]!}/?user=${encodeURIComponent(ctx.userId)}`, { localAddress: ctx.localAddress, perMessageDeflate: false });
        ws = sock;
        attemptSock = sock;
        let ready = false;
        sock.on('message', (data: RawData) => {
          // The node says `ready` once its Redis SUBSCRIBE is confirmed.
          if (!ready) {
            ready = true;
            resolve();
            return;
          }
          onMessage(data);
        });
        sock.once('open', () => onOpen?.());
        sock.once('error', (e) => reject(e));
        sock.on('close', (code) => {
          if (ws !== sock) return;
          if (!ready) return reject(new Error(`closed ${code} before ready`));
          if (!intentional) void recover();
        });
      },
      60000,
      `seed ${ctx.userId}`,
    );
    attempt.catch(() => attemptSock?.terminate());
    return attempt;
  }

  async function retry(onOpen?: () => void): Promise<void> {
    for (;;) {
      node = (node + 1) % ctx.endpoints.length;
      await jitter(Math.min(30000, 500 * 2 ** attempt));
      attempt += 1;
      if (intentional) return;
      try {
        await connect(onOpen);
        attempt = 0;
        return;
      } catch {
        // next node, longer window
      }
    }
  }

  async function recover(): Promise<void> {
    ctx.sink.dropped();
    await retry();
    if (!intentional) ctx.sink.reconnected(false);
  }

  return {
    open: () => connect(),
    async away() {
      intentional = true;
      const sock = ws;
      if (!sock || sock.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((r) => {
        sock.once('close', () => r());
        sock.close(1000);
      });
    },
    async back(onConnected) {
      intentional = false;
      await connect(onConnected).catch(() => retry(onConnected));
      return { recovered: false };
    },
    get isOpen() {
      return ws?.readyState === WebSocket.OPEN;
    },
    close() {
      intentional = true;
      ws?.terminate();
    },
  };
}
