import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { RebuildPhase, RebuildSource, RebuildState, RebuildStatus } from '@tidings/protocol';
import type { Logger } from '@tidings/runtime';
import { RebuildError } from './errors.js';
import { loadFromKafka } from './kafka.js';
import { applyMirrorRange, mirrorEnds } from './mirror.js';
import { createRebuildTable, dropLeftovers, dropTable, LIVE_TABLE, oldTable, rebuildTable, swapTables } from './tables.js';

export interface RebuildDeps {
  pool: pg.Pool;
  kafka: Kafka;
  admin: Admin;
  eventsTopic: string;
  /** Prefix for the throwaway consumer group of a Kafka-source rebuild. */
  groupPrefix: string;
  logger: Logger;
  chunk: number;
  concurrency: number;
  lockTimeoutMs: number;
  onEvents?: (source: RebuildSource, n: number) => void;
}

export interface RebuildJob {
  status(): RebuildStatus;
  /** Settles when the job is done or failed; never rejects. */
  finished: Promise<RebuildStatus>;
  /** Stops at the next chunk boundary (the swap, once begun, completes or rolls back on its own). */
  abort(): void;
}

/**
 * Settings of a loader session: the scratch table is worthless until
 * swapped, so its commits need not wait for the WAL flush (the swap itself
 * commits synchronously); a chunk's fold sorts and hashes tens of thousands
 * of rows, which the default work_mem would spill to disk.
 */
async function tuneSession(c: pg.ClientBase): Promise<void> {
  await c.query(`SET synchronous_commit = off; SET work_mem = '64MB'`);
}

/** Catch-up rounds stop once a round applies fewer events than this; the rest is applied under the swap lock. */
const CATCHUP_SMALL = 2000;
const CATCHUP_MAX_ROUNDS = 10;

/**
 * One projection rebuild (docs/operations.md, "Rebuild"):
 * 1. prepare: `inbox_rebuild_<id>` as an empty copy of `inbox`; the targets
 *    are the watermarks now (everything below is decided in the mirror);
 * 2. load: the log below the targets, from Kafka or from the mirror, in
 *    (partition, offset) order, while the persister keeps writing `inbox`;
 * 3. catch up from the mirror up to the moving watermarks, until a round is small;
 * 4. swap, in ONE transaction: lock `inbox` (EXCLUSIVE: readers continue,
 *    the persister waits), apply the rest of the mirror, rename the tables.
 *    A persister transaction blocked on the lock resolves the name `inbox`
 *    again after it and writes into the new table; one that committed
 *    before is in the mirror and applied by the final catch-up. So every
 *    event is applied once, to the table that ends up live;
 * 5. drop the old table.
 * `lockClient` holds the rebuild lock for the whole job and runs steps 1, 3–5.
 */
export function startRebuild(deps: RebuildDeps, opts: { id: string; source: RebuildSource; actor: string; lockClient: pg.PoolClient }): RebuildJob {
  const { id, source } = opts;
  const table = rebuildTable(id);
  const t0 = Date.now();
  const parts = new Map<number, { done: bigint; target: bigint }>();
  let state: RebuildState = 'running';
  let phase: RebuildPhase = 'prepare';
  let events = 0;
  let finishedAt: number | null = null;
  let catchupRounds = 0;
  let error: RebuildStatus['error'] = null;
  let aborted = false;
  const phases: RebuildStatus['phases'] = {};
  const log = deps.logger.child({ rebuild: id, source });

  const checkAbort = () => {
    if (aborted) throw new RebuildError('TIDINGS_ERR_REBUILD_ABORTED');
  };
  const count = (n: number) => {
    events += n;
    deps.onEvents?.(source, n);
  };
  const status = (): RebuildStatus => {
    const end = finishedAt ?? Date.now();
    return {
      id,
      source,
      actor: opts.actor,
      state,
      phase,
      startedAt: new Date(t0).toISOString(),
      finishedAt: finishedAt === null ? null : new Date(finishedAt).toISOString(),
      events,
      eventsPerSec: Math.round(events / Math.max(0.001, (end - t0) / 1000)),
      partitions: [...parts].sort(([a], [b]) => a - b).map(([partition, p]) => ({ partition, done: p.done.toString(), target: p.target.toString() })),
      phases: { ...phases },
      catchupRounds,
      error,
    };
  };
  const timed = async (name: 'load' | 'catchup' | 'swap', work: () => Promise<void>) => {
    phase = name;
    const start = Date.now();
    const before = events;
    await work();
    phases[name] = { ms: Date.now() - start, events: events - before };
    log.info({ phase: name, ...phases[name] }, 'rebuild phase done');
  };
  const client = opts.lockClient;

  async function prepare(): Promise<void> {
    const dropped = await dropLeftovers(client);
    if (dropped.length > 0) log.warn({ dropped }, 'dropped tables an interrupted rebuild left behind');
    await createRebuildTable(client, id);
    await tuneSession(client);
    const marks = await client.query<{ partition: number; next_offset: string }>('SELECT partition, next_offset::text FROM watermarks');
    for (const m of marks.rows) parts.set(m.partition, { done: 0n, target: BigInt(m.next_offset) });
  }

  async function loadFromMirror(): Promise<void> {
    const queue = [...parts.keys()];
    // One loader failing stops the others at their next chunk; the first real error is reported.
    let failure: unknown;
    const stopped = new Error('stopped: another loader failed');
    const worker = async () => {
      const c = await deps.pool.connect();
      try {
        await tuneSession(c);
        for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
          const part = parts.get(p)!;
          await applyMirrorRange(c, {
            table,
            partition: p,
            from: part.done,
            until: part.target,
            chunk: deps.chunk,
            ownTransactions: true,
            checkAbort: () => {
              checkAbort();
              if (failure !== undefined) throw stopped;
            },
            onChunk: (r) => {
              part.done = r.next;
              count(r.events);
            },
          });
          part.done = part.target;
        }
      } catch (error) {
        failure ??= error;
        throw error;
      } finally {
        // Back to the pool with default settings (request handlers must commit synchronously), or discarded.
        await c.query('RESET ALL').then(
          () => c.release(),
          (error: unknown) => c.release(error as Error),
        );
      }
    };
    await Promise.allSettled(Array.from({ length: Math.min(deps.concurrency, Math.max(1, queue.length)) }, worker));
    if (failure !== undefined) throw failure;
  }

  async function loadKafka(): Promise<void> {
    await loadFromKafka({
      kafka: deps.kafka,
      admin: deps.admin,
      topic: deps.eventsTopic,
      groupId: `${deps.groupPrefix}tidings-ops-rebuild-${id}`,
      pool: deps.pool,
      table,
      targets: new Map([...parts].map(([p, v]) => [p, v.target])),
      concurrency: deps.concurrency,
      checkAbort,
      onProgress: (partition, next, n) => {
        parts.get(partition)!.done = next;
        count(n);
      },
    });
    for (const part of parts.values()) part.done = part.target;
  }

  /** Applies the mirror from each partition's progress up to `ends` (new partitions start at 0). */
  async function applyUpTo(ends: Map<number, bigint>, ownTransactions: boolean): Promise<number> {
    let applied = 0;
    for (const [p, end] of ends) {
      const part = parts.get(p) ?? parts.set(p, { done: 0n, target: end }).get(p)!;
      part.target = end > part.target ? end : part.target;
      if (end <= part.done) continue;
      const r = await applyMirrorRange(client, { table, partition: p, from: part.done, until: end, chunk: deps.chunk, ownTransactions, checkAbort });
      part.done = r.next;
      applied += r.events;
      count(r.events);
    }
    return applied;
  }

  async function catchUp(): Promise<void> {
    let previous = Number.POSITIVE_INFINITY;
    for (catchupRounds = 0; catchupRounds < CATCHUP_MAX_ROUNDS; ) {
      catchupRounds += 1;
      // Watermarks bound each round: below them every record is committed in the mirror, in order.
      const marks = await client.query<{ partition: number; next_offset: string }>('SELECT partition, next_offset::text FROM watermarks');
      const applied = await applyUpTo(new Map(marks.rows.map((m) => [m.partition, BigInt(m.next_offset)])), true);
      // Small enough to finish under the lock — or no longer shrinking (traffic as fast as we apply): swap now either way.
      if (applied < CATCHUP_SMALL || applied >= previous) break;
      previous = applied;
    }
    // Fresh planner statistics before the table goes live; without them the first inbox queries may plan badly.
    await client.query(`ANALYZE ${table}`);
  }

  async function swap(): Promise<void> {
    state = 'swapping';
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL lock_timeout = ${Math.floor(deps.lockTimeoutMs)}`);
      await client.query('SET LOCAL synchronous_commit = on');
      try {
        await client.query(`LOCK TABLE ${LIVE_TABLE} IN EXCLUSIVE MODE`);
      } catch (e) {
        if ((e as { code?: string }).code === '55P03') throw new RebuildError('TIDINGS_ERR_REBUILD_LOCK_TIMEOUT', undefined, { cause: e });
        throw e;
      }
      // Under the lock the mirror cannot gain an event whose inbox effect is not yet in `inbox`:
      // every persister transaction that wrote inbox has committed, later ones wait (and then write the new table).
      await applyUpTo(await mirrorEnds(client), false);
      await swapTables(client, id);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async function run(): Promise<void> {
    try {
      await prepare();
      await timed('load', source === 'mirror' ? loadFromMirror : loadKafka);
      checkAbort();
      await timed('catchup', catchUp);
      checkAbort();
      await timed('swap', swap);
      // Swapped and committed: the rebuild is done whatever happens to the old table.
      state = 'done';
      phase = 'cleanup';
      await dropTable(client, oldTable(id)).catch((err: unknown) => log.warn({ err }, `could not drop ${oldTable(id)}; the next rebuild drops it`));
    } catch (e) {
      state = 'failed';
      const re = e instanceof RebuildError ? e : new RebuildError('TIDINGS_ERR_REBUILD_FAILED', (e as Error).message, { cause: e });
      error = { code: re.code, message: re.message };
      log.error({ err: e, code: re.code }, 'rebuild failed; the live inbox is unchanged');
      await dropTable(client, table).catch((err: unknown) => log.warn({ err }, `could not drop ${table}; the next rebuild drops it`));
    } finally {
      await client.query('RESET ALL').catch(() => undefined);
      phase = 'finished';
      finishedAt = Date.now();
    }
  }

  const finished = run().then(status);
  return {
    status,
    finished,
    abort() {
      aborted = true;
    },
  };
}
