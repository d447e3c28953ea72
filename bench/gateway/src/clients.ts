import { WebSocket, type RawData } from 'ws';
import { SUBPROTOCOL } from '@tidings/protocol';
import { tokenFor } from '@tidings/testkit';

/** Many lightweight protocol clients in this process, recording event latency. */
export interface ClientFleet {
  readonly sockets: WebSocket[];
  readonly users: string[];
  /** Event frames received with `event.time` at or after `recordFrom`. */
  received: number;
  /** Per recorded event: id → [event time, receipt time] (epoch ms). */
  receipts: Map<string, [number, number]>;
  /** Epoch ms; events older are warm-up and not recorded. Infinity records nothing. */
  recordFrom: number;
  /** Sockets closed by the other side (should stay 0). */
  dropped: number;
  close(): Promise<void>;
}

interface Tagged extends WebSocket {
  fleet?: ClientFleet;
  onSynced?: () => void;
}

function onMessage(this: Tagged, data: RawData): void {
  const fleet = this.fleet!;
  const text = (data as Buffer).toString('utf8');
  const m = JSON.parse(text) as { type: string; event?: { id: string; time: string } };
  if (m.type === 'event') {
    const t = Date.parse(m.event!.time);
    if (t >= fleet.recordFrom) {
      fleet.received += 1;
      fleet.receipts.set(m.event!.id, [t, Date.now()]);
    }
  } else if (m.type === 'synced') {
    this.onSynced?.();
    this.onSynced = undefined;
  }
}

function onClose(this: Tagged, code: number): void {
  if (code !== 1000 && code !== 1005) this.fleet!.dropped += 1;
}

/**
 * Opens `n` sockets, each a distinct user that says hello and waits for
 * `synced`, `concurrency` at a time, spread over loopback source addresses
 * (each address has its own ~28k ephemeral ports).
 */
export async function openFleet(opts: {
  url: string;
  secret: string;
  n: number;
  sources: number;
  concurrency: number;
  onProgress?: (done: number) => void;
}): Promise<ClientFleet> {
  const fleet: ClientFleet = {
    sockets: new Array<WebSocket>(opts.n),
    users: Array.from({ length: opts.n }, (_, i) => `bench-user-${i}`),
    received: 0,
    receipts: new Map(),
    recordFrom: Number.POSITIVE_INFINITY,
    dropped: 0,
    async close() {
      await Promise.all(
        fleet.sockets.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (!ws || ws.readyState === WebSocket.CLOSED) return resolve();
              ws.once('close', () => resolve());
              ws.close(1000);
            }),
        ),
      );
    },
  };
  let next = 0;
  let done = 0;
  const one = async (i: number) => {
    const token = await tokenFor(opts.secret, fleet.users[i]!, [], 24 * 3600);
    const ws = new WebSocket(opts.url, [SUBPROTOCOL], { localAddress: `127.0.0.${1 + (i % opts.sources)}`, perMessageDeflate: false }) as Tagged;
    fleet.sockets[i] = ws;
    ws.fleet = fleet;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connection ${i} not synced within 30 s`)), 30000);
      ws.onSynced = () => {
        clearTimeout(timer);
        resolve();
      };
      ws.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`connection ${i}: ${e.message}`));
      });
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        reject(new Error(`connection ${i}: upgrade refused with ${res.statusCode}`));
      });
      ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', token })));
      ws.on('message', onMessage);
    });
    ws.on('close', onClose);
    ws.on('error', () => undefined);
    done += 1;
    if (done % 1000 === 0) opts.onProgress?.(done);
  };
  const workers = Array.from({ length: Math.min(opts.concurrency, opts.n) }, async () => {
    while (next < opts.n) await one(next++);
  });
  await Promise.all(workers);
  return fleet;
}
