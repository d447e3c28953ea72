import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackTimings, BenchUser, Receipts, SystemName, WorkerReply, WorkerRequest, WorkerStats } from './types.js';

/** The client side of a run: worker processes, each holding a slice of the connections. */
export interface Fleet {
  connect(): Promise<number>;
  stats(): Promise<WorkerStats>;
  /** Receipts since the last drain, from every worker, concatenated (per-user order kept). */
  drain(): Promise<{ receipts: Receipts[]; stats: WorkerStats }>;
  away(): Promise<void>;
  back(expect: number, deadlineMs: number, quietMs: number): Promise<BackTimings[]>;
  close(): Promise<void>;
  /** The worker processes (CPU accounting). */
  pids(): number[];
}

const WORKER = fileURLToPath(new URL('./worker/client-worker.js', import.meta.url));

function sum(xs: WorkerStats[]): WorkerStats {
  return xs.reduce((a, b) => ({
    received: a.received + b.received,
    open: a.open + b.open,
    drops: a.drops + b.drops,
    reconnects: a.reconnects + b.reconnects,
    unrecovered: a.unrecovered + b.unrecovered,
  }));
}

export async function startFleet(opts: {
  system: SystemName;
  endpoints: string[];
  users: BenchUser[];
  workers: number;
  sources: number;
  concurrency: number;
  secret?: string;
}): Promise<Fleet> {
  const procs: ChildProcess[] = [];
  const pending = new Map<number, (r: WorkerReply) => void>();
  let nextId = 0;
  let closing = false;
  const request = (p: ChildProcess, req: WorkerRequest) =>
    new Promise<WorkerReply>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      p.send({ id, req });
    }).then((r) => {
      if (!r.ok) throw new Error(`client worker: ${r.error}`);
      return r;
    });
  const all = (req: WorkerRequest) => Promise.all(procs.map((p) => request(p, req)));

  const n = Math.max(1, Math.min(opts.workers, opts.users.length));
  for (let w = 0; w < n; w++) {
    const p = fork(WORKER, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096'] });
    p.on('message', (m: { id: number; reply: WorkerReply }) => {
      pending.get(m.id)?.(m.reply);
      pending.delete(m.id);
    });
    // A worker that dies (out of memory, a bug) fails whatever was asked of it instead of hanging the run.
    p.on('exit', (code, signal) => {
      if (closing) return;
      for (const [id, resolve] of pending) {
        resolve({ ok: false, error: `worker exited (${signal ?? code})` });
        pending.delete(id);
      }
    });
    procs.push(p);
  }
  await Promise.all(
    procs.map((p, w) =>
      request(p, {
        op: 'init',
        init: {
          system: opts.system,
          endpoints: opts.endpoints,
          users: opts.users.filter((_, i) => i % n === w),
          sources: opts.sources,
          concurrency: Math.max(1, Math.floor(opts.concurrency / n)),
          ...(opts.secret ? { secret: opts.secret } : {}),
        },
      }),
    ),
  );
  return {
    async connect() {
      const t0 = performance.now();
      await all({ op: 'connect' });
      return performance.now() - t0;
    },
    async stats() {
      return sum((await all({ op: 'stats' })).map((r) => r.stats!));
    },
    async drain() {
      const rs = await all({ op: 'drain' });
      return { receipts: rs.map((r) => r.receipts!), stats: sum(rs.map((r) => r.stats!)) };
    },
    async away() {
      await all({ op: 'away' });
    },
    async back(expect, deadlineMs, quietMs) {
      return (await all({ op: 'back', expect, deadlineMs, quietMs })).map((r) => r.back!);
    },
    pids: () => procs.flatMap((p) => (p.pid === undefined ? [] : [p.pid])),
    async close() {
      closing = true;
      await Promise.allSettled(procs.map((p) => request(p, { op: 'close' })));
      await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
    },
  };
}
