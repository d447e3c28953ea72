import { WebSocket, type RawData } from 'ws';
import { SUBPROTOCOL } from '@tidings/protocol';
import { tokenFor } from '@tidings/testkit';
import { jitter, once, type BenchConn, type ConnContext } from './conn.js';

interface Frame {
  type: string;
  cursor?: string;
  recovered?: boolean;
  event?: { data?: { payload?: { s?: number } } };
}

/**
 * A raw docs/contract.md §7 client: hello with the last cursor it holds, events carry
 * the sequence in `data.payload.s`. After an unexpected close it resumes on
 * the next gateway node with its cursor (full-jitter delay, 500 ms window,
 * like the SDK's first retry). No client-side dedupe: what is counted is
 * what the server put on the wire.
 */
export function tidingsConn(ctx: ConnContext): BenchConn {
  let token = '';
  let cursor: string | undefined;
  let ws: WebSocket | undefined;
  let node = ctx.node;
  let intentional = false;
  let onSynced: ((recovered: boolean) => void) | undefined;
  let attempt = 0;

  const onMessage = (data: RawData) => {
    const m = JSON.parse((data as Buffer).toString('utf8')) as Frame;
    if (m.type === 'event') {
      cursor = m.cursor;
      const s = m.event?.data?.payload?.s;
      if (typeof s === 'number') ctx.sink.message(s);
    } else if (m.type === 'synced') {
      cursor = m.cursor;
      const cb = onSynced;
      onSynced = undefined;
      cb?.(m.recovered === true);
    }
  };

  function connect(onOpen?: () => void): Promise<boolean> {
    let sock: WebSocket | undefined;
    const attempt = once<boolean>(
      (resolve, reject) => {
        sock = new WebSocket(ctx.endpoints[node]!, [SUBPROTOCOL], { localAddress: ctx.localAddress, perMessageDeflate: false });
        const sockNow = sock;
        ws = sock;
        let established = false;
        const synced = (recovered: boolean) => {
          established = true;
          resolve(recovered);
        };
        onSynced = synced;
        sockNow.on('message', onMessage);
        sockNow.once('open', () => {
          onOpen?.();
          sockNow.send(JSON.stringify({ type: 'hello', token, ...(cursor ? { cursor } : {}) }));
        });
        sockNow.once('error', (e) => reject(e));
        sockNow.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
        sockNow.on('close', (code) => {
          if (ws !== sockNow) return;
          if (!established) return reject(new Error(`closed ${code} before synced`));
          // Only an established socket starts a recovery; a failed attempt is retried by the loop that made it.
          if (!intentional) void recover();
        });
      },
      60000,
      `tidings ${ctx.userId}`,
    );
    // A failed or timed-out attempt must not linger: its socket would keep receiving.
    attempt.catch(() => sock?.terminate());
    return attempt;
  }

  /** Connects again, the next node first, with full-jitter backoff, until it works (or the client is told to stop). */
  async function retry(onOpen?: () => void): Promise<boolean> {
    for (;;) {
      node = (node + 1) % ctx.endpoints.length;
      await jitter(Math.min(30000, 500 * 2 ** attempt));
      attempt += 1;
      if (intentional) return false;
      try {
        const recovered = await connect(onOpen);
        attempt = 0;
        return recovered;
      } catch (error) {
        if (process.env['BENCH_DEBUG']) process.stderr.write(`tidings ${ctx.userId} attempt ${attempt} node ${node}: ${(error as Error).message}\n`);
      }
    }
  }

  async function recover(): Promise<void> {
    ctx.sink.dropped();
    const recovered = await retry();
    if (!intentional) ctx.sink.reconnected(recovered);
  }

  return {
    async open() {
      token = await tokenFor(ctx.secret!, ctx.userId, [], 24 * 3600);
      await connect();
    },
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
      try {
        return { recovered: await connect(onConnected) };
      } catch {
        return { recovered: await retry(onConnected) };
      }
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
