import { randomBytes } from 'node:crypto';
import type { RebuildSource, RebuildStatus } from '@tidings/protocol';
import { ApiError } from '@tidings/runtime';
import { startRebuild, type RebuildDeps, type RebuildJob } from './job.js';

/**
 * Session-level advisory lock key ("tidings rebuild"): one rebuild at a
 * time per database, across every ops process, held by the job's own
 * connection so it is released if ops dies.
 */
const REBUILD_LOCK_KEY = '7306086347702059351';
/** Finished jobs kept for GET /v1/ops/rebuild/:id; their outcome is in the audit log for good. */
const KEEP_FINISHED = 20;

export interface RebuildManager {
  /** Starts a rebuild; rejects with TIDINGS_ERR_CONFLICT while another one runs. */
  start(source: RebuildSource, actor: string, onFinished: (status: RebuildStatus) => void): Promise<RebuildStatus>;
  get(id: string): RebuildStatus | undefined;
  list(): RebuildStatus[];
  /** Aborts running jobs and waits for them to settle (shutdown). */
  close(): Promise<void>;
}

export function createRebuildManager(deps: RebuildDeps): RebuildManager {
  const jobs = new Map<string, RebuildJob>();
  /** Each job's unlock-and-report tail, awaited on close. */
  const tails = new Set<Promise<void>>();
  return {
    async start(source, actor, onFinished) {
      const client = await deps.pool.connect();
      const tryLock = async () => (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [REBUILD_LOCK_KEY])).rows[0]?.ok === true;
      let locked = false;
      try {
        locked = await tryLock();
        // A job of ours that just finished may still be releasing the lock: wait for that, then try again.
        if (!locked && tails.size > 0 && [...jobs.values()].every((j) => j.status().finishedAt !== null)) {
          await Promise.all([...tails]);
          locked = await tryLock();
        }
      } catch (error) {
        client.release();
        throw error;
      }
      if (!locked) {
        client.release();
        const running = [...jobs.values()].map((j) => j.status()).find((s) => s.finishedAt === null);
        throw new ApiError('TIDINGS_ERR_CONFLICT', running ? `rebuild ${running.id} is already running` : 'a rebuild is already running (on another ops process)');
      }
      const id = randomBytes(6).toString('hex');
      const job = startRebuild(deps, { id, source, actor, lockClient: client });
      jobs.set(id, job);
      for (const old of [...jobs.keys()].slice(0, Math.max(0, jobs.size - KEEP_FINISHED))) {
        if (jobs.get(old)!.status().finishedAt !== null) jobs.delete(old);
      }
      const settled = job.finished.then(async (status) => {
        try {
          await client.query('SELECT pg_advisory_unlock($1::bigint)', [REBUILD_LOCK_KEY]);
          client.release();
        } catch (error) {
          // Discarding the connection ends its session, which releases the lock too.
          client.release(error as Error);
        }
        onFinished(status);
      });
      tails.add(settled);
      void settled.finally(() => tails.delete(settled));
      return job.status();
    },
    get: (id) => jobs.get(id)?.status(),
    list: () => [...jobs.values()].map((j) => j.status()).reverse(),
    async close() {
      const running = [...jobs.values()].filter((j) => j.status().finishedAt === null);
      for (const j of running) j.abort();
      await Promise.all(running.map((j) => j.finished));
      await Promise.all([...tails]);
    },
  };
}
