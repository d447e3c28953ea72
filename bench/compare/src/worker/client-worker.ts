import type { BackTimings, Receipts, WorkerInit, WorkerReply, WorkerRequest, WorkerStats } from '../types.js';
import type { BenchConn, ConnContext } from './conn.js';
import { mqttConn } from './mqtt-conn.js';
import { seedConn } from './seed-conn.js';
import { socketioConn } from './socketio-conn.js';
import { tidingsConn } from './tidings-conn.js';

/**
 * A client worker: a separate process holding a slice of the bench's
 * connections, so the load generator never shares an event loop with a
 * server. The orchestrator drives it over IPC (one request at a time).
 */
const FACTORIES = { tidings: tidingsConn, seed: seedConn, socketio: socketioConn, mqtt: mqttConn } as const;
const now = () => performance.timeOrigin + performance.now();

let init: WorkerInit | undefined;
let conns: BenchConn[] = [];
const stats: WorkerStats = { received: 0, open: 0, drops: 0, reconnects: 0, unrecovered: 0 };
let rUsers: number[] = [];
let rSeqs: number[] = [];
let rTimes: number[] = [];
/** Messages per local connection since `back` was ordered (undefined outside a `back`). */
let sinceBack: Int32Array | undefined;
let onBackMessage: ((i: number) => void) | undefined;

function makeConns(w: WorkerInit): BenchConn[] {
  return w.users.map((u, i) => {
    const sink: ConnContext['sink'] = {
      message(seq) {
        stats.received += 1;
        rUsers.push(u.index);
        rSeqs.push(seq);
        rTimes.push(now());
        if (sinceBack) {
          sinceBack[i]! += 1;
          onBackMessage?.(i);
        }
      },
      dropped() {
        stats.drops += 1;
      },
      reconnected(recovered) {
        stats.reconnects += 1;
        if (!recovered) stats.unrecovered += 1;
      },
    };
    return FACTORIES[w.system]({
      userId: u.id,
      endpoints: w.endpoints,
      node: u.index % w.endpoints.length,
      localAddress: `127.0.0.${1 + (u.index % w.sources)}`,
      sink,
      ...(w.secret ? { secret: w.secret } : {}),
    });
  });
}

async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function back(expect: number, deadlineMs: number, quietMs: number): Promise<BackTimings> {
  const n = conns.length;
  const t: BackTimings = { connected: new Float64Array(n).fill(NaN), synced: new Float64Array(n).fill(NaN), caughtUp: new Float64Array(n).fill(NaN), recovered: 0 };
  sinceBack = new Int32Array(n);
  const t0 = now();
  let caught = 0;
  let lastMessage = t0;
  let settled = 0;
  const check = (i: number) => {
    if (Number.isNaN(t.caughtUp[i]!) && !Number.isNaN(t.synced[i]!) && sinceBack![i]! >= expect) {
      t.caughtUp[i] = now() - t0;
      caught += 1;
    }
  };
  onBackMessage = (i) => {
    lastMessage = now();
    check(i);
  };
  // Every connection at once: that is the storm.
  const all = conns.map((c, i) =>
    c
      .back(() => (t.connected[i] = now() - t0))
      .then(({ recovered }) => {
        if (Number.isNaN(t.connected[i]!)) t.connected[i] = now() - t0;
        t.synced[i] = now() - t0;
        if (recovered) t.recovered += 1;
        check(i);
      })
      .catch(() => undefined)
      .finally(() => (settled += 1)),
  );
  // Done when all caught up, or nothing more is coming (all settled and quiet), or the deadline passed.
  while (caught < n && now() - t0 < deadlineMs && !(settled === n && now() - lastMessage > quietMs)) {
    await new Promise((r) => setTimeout(r, 20));
  }
  onBackMessage = undefined;
  sinceBack = undefined;
  void Promise.all(all);
  return t;
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  switch (req.op) {
    case 'init':
      init = req.init;
      conns = makeConns(init);
      return { ok: true };
    case 'connect': {
      const t0 = now();
      // A connection refused or timed out under load is tried twice more before the run gives up.
      await pool(conns.length, init!.concurrency, async (i) => {
        for (let a = 1; ; a++) {
          try {
            return await conns[i]!.open();
          } catch (error) {
            if (a >= 3) throw error;
            await new Promise((r) => setTimeout(r, 1000 * a));
          }
        }
      });
      return { ok: true, connectMs: now() - t0 };
    }
    case 'stats':
      return { ok: true, stats: { ...stats, open: conns.filter((c) => c.isOpen).length } };
    case 'drain': {
      const receipts: Receipts = { users: Int32Array.from(rUsers), seqs: Int32Array.from(rSeqs), times: Float64Array.from(rTimes) };
      rUsers = [];
      rSeqs = [];
      rTimes = [];
      return { ok: true, receipts, stats: { ...stats, open: conns.filter((c) => c.isOpen).length } };
    }
    case 'away':
      await pool(conns.length, 1000, (i) => conns[i]!.away());
      return { ok: true };
    case 'back':
      return { ok: true, back: await back(req.expect, req.deadlineMs, req.quietMs) };
    case 'close':
      for (const c of conns) c.close();
      setTimeout(() => process.exit(0), 200).unref();
      return { ok: true };
  }
}

process.on('message', (msg: { id: number; req: WorkerRequest }) => {
  handle(msg.req).then(
    (reply) => process.send!({ id: msg.id, reply }),
    (error: unknown) => process.send!({ id: msg.id, reply: { ok: false, error: error instanceof Error ? error.message : String(error) } }),
  );
});
process.on('disconnect', () => process.exit(0));
