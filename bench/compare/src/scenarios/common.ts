import { startFleet, type Fleet } from '../fleet.js';
import type { CompareOptions } from '../options.js';
import { storePids, type CpuPids } from '../cpu.js';
import { sleep } from '../proc.js';
import { START } from '../systems/index.js';
import type { SystemHandle } from '../systems/system.js';
import type { BenchUser, SystemName } from '../types.js';

export interface Ctx {
  opts: CompareOptions;
  system: SystemName;
  runId: string;
  log: (msg: string) => void;
  /** Extra environment for Tidings' services (profiling). */
  tidingsEnv: { ingest?: Record<string, string>; gateway?: Record<string, string> };
}

/** A headline figure of a scenario, compared across systems. */
export interface Metric {
  name: string;
  value: number;
  unit: string;
  /** Which direction is better, for the ratio column. */
  better: 'lower' | 'higher';
}

export interface SystemRun {
  system: SystemName;
  metrics: Metric[];
  detail: Record<string, unknown>;
  settings: Record<string, unknown>;
  /** Latency CDF [ms, percentile], when the scenario measures latency. */
  cdf?: [number, number][];
  /** Messages lost, when the scenario counts loss (for the loss chart). */
  lost?: number;
}

export const makeUsers = (n: number, tag = 'u'): BenchUser[] => Array.from({ length: n }, (_, i) => ({ index: i, id: `${tag}${i}` }));

/** Starts the system and a connected fleet, runs `fn`, and always tears both down. */
export async function withSystem<T>(
  ctx: Ctx,
  nodes: number,
  users: BenchUser[],
  fn: (sys: SystemHandle, fleet: Fleet, connectMs: number) => Promise<T>,
): Promise<T> {
  const o = ctx.opts;
  const sys = await START[ctx.system]({
    nodes,
    users,
    runId: ctx.runId,
    log: ctx.log,
    lanes: o.lanes,
    maxBatch: o.batch,
    redisUrl: o.redisUrl,
    sioMaxLen: o.sioMaxLen,
    tidingsEnv: ctx.tidingsEnv,
  });
  let fleet: Fleet | undefined;
  try {
    fleet = await startFleet({
      system: ctx.system,
      endpoints: sys.endpoints,
      users,
      workers: o.workers,
      sources: o.sources,
      concurrency: o.concurrency,
      ...(sys.secret ? { secret: sys.secret } : {}),
    });
    ctx.log(`${ctx.system}: opening ${users.length} connections`);
    const connectMs = await fleet.connect();
    ctx.log(`${ctx.system}: ${users.length} connected in ${(connectMs / 1000).toFixed(1)} s`);
    return await fn(sys, fleet, connectMs);
  } finally {
    await fleet?.close();
    await sys.publisher.close().catch(() => undefined);
    await sys.stop();
  }
}

/**
 * Waits until the clients received `target` messages in total (their
 * cumulative counter), or nothing arrived for `quietMs`, or `deadlineMs`.
 */
export async function settle(fleet: Fleet, target: number, quietMs = 3000, deadlineMs = 30000): Promise<void> {
  const t0 = Date.now();
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const { received } = await fleet.stats();
    if (received >= target) return;
    if (received !== last) {
      last = received;
      lastChange = Date.now();
    }
    if (Date.now() - lastChange > quietMs || Date.now() - t0 > deadlineMs) return;
    await sleep(100);
  }
}

/** Every process whose CPU a window counts: the system's servers, its local stores, the client workers and this orchestrator. */
export function cpuPids(ctx: Ctx, sys: SystemHandle, fleet: Fleet): () => CpuPids {
  return () => ({
    system: Object.fromEntries(Object.entries(sys.pids()).map(([role, pid]) => [role, [pid]])),
    stores: storePids(ctx.system),
    bench: { clients: fleet.pids(), publisher: [process.pid] },
  });
}

export const round = (n: number, d = 1) => (Number.isFinite(n) ? Math.round(n * 10 ** d) / 10 ** d : n);
