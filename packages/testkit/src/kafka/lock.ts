import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KAFKA_LAUNCHER_ERROR_CODES, KafkaLauncherError } from './errors.js';

export interface DirLockOptions {
  /** Give up waiting for another holder after this long. */
  timeoutMs: number;
  /** A lock older than this is stale whoever holds it (a hung holder). */
  staleMs?: number;
  /** Poll interval while another process holds the lock. */
  pollMs?: number;
  /** Called once when we start waiting for another holder. */
  onWait?: (owner: string) => void;
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/**
 * Runs `fn` while holding `lockDir`. `mkdir` is atomic, so exactly one process
 * creates the directory; the others poll. A lock whose owner process is gone
 * (same host) or that is older than `staleMs` is broken, so a crashed holder
 * cannot wedge every later run. Breaking a stale lock has a small race (two
 * waiters may both judge it stale); acceptable for a test tool, and the
 * resolution it guards re-checks its own completion marker.
 */
export async function withDirLock<T>(lockDir: string, opts: DirLockOptions, fn: () => Promise<T>): Promise<T> {
  const staleMs = opts.staleMs ?? 15 * 60_000;
  const pollMs = opts.pollMs ?? 200;
  const deadline = Date.now() + opts.timeoutMs;
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(lockDir);
    if (await isStale(lockDir, owner, staleMs)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      announced = true;
      opts.onWait?.(owner ? `pid ${owner.pid} on ${owner.host} since ${owner.since}` : 'unknown owner');
    }
    if (Date.now() >= deadline) {
      throw new KafkaLauncherError(
        KAFKA_LAUNCHER_ERROR_CODES.LOCK_TIMEOUT,
        `timed out after ${opts.timeoutMs} ms waiting for lock ${lockDir}` +
          (owner ? ` held by pid ${owner.pid} on ${owner.host}` : ''),
      );
    }
    await delay(pollMs);
  }
  try {
    const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    await writeFile(join(lockDir, 'owner.json'), JSON.stringify(owner));
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function readOwner(lockDir: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(join(lockDir, 'owner.json'), 'utf8')) as LockOwner;
  } catch {
    // Missing (the holder is between mkdir and writeFile) or torn: unknown.
    return undefined;
  }
}

async function isStale(lockDir: string, owner: LockOwner | undefined, staleMs: number): Promise<boolean> {
  if (owner && owner.host === hostname() && !isAlive(owner.pid)) return true;
  try {
    return Date.now() - (await stat(lockDir)).mtimeMs > staleMs;
  } catch {
    return false; // vanished meanwhile: just retry mkdir
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
