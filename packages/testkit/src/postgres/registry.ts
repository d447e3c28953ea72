import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Supervised } from './process.js';

/** What the exit hook needs to stop one launcher instance. */
export interface LiveInstance {
  readonly runDir: string;
  readonly dataDir: string;
  /** The child running now (initdb or the server), if any. */
  current(): Supervised | undefined;
}

const live = new Set<LiveInstance>();
let hooked = false;

/**
 * Registers an instance to be stopped and deleted when this process exits
 * without stopping it (a forgotten stop(), process.exit(), an uncaught
 * exception). The 'exit' event only runs synchronous code, so this signals
 * the server (SIGQUIT: immediate shutdown; the data is about to be deleted),
 * waits briefly for it to remove its postmaster.pid, and deletes the folder.
 *
 * Not covered: a parent killed by SIGKILL, or by a signal it has no handler
 * for (a bare SIGTERM), runs no 'exit' hook. On Linux the server still gets
 * SIGQUIT from the kernel (see spawnSupervised's deathSignal); its folder is
 * left behind and removed by the next launcher run (stale.ts).
 */
export function trackInstance(instance: LiveInstance): void {
  live.add(instance);
  if (!hooked) {
    hooked = true;
    process.on('exit', stopAllNow);
  }
}

export function untrackInstance(instance: LiveInstance): void {
  live.delete(instance);
}

function stopAllNow(): void {
  const signalled: LiveInstance[] = [];
  for (const instance of live) {
    const proc = instance.current();
    if (proc && proc.exitInfo() === undefined) {
      proc.signal('SIGQUIT');
      signalled.push(instance);
    }
  }
  const deadline = Date.now() + 2_000;
  for (const instance of signalled) {
    // The postmaster deletes postmaster.pid as its last act, also on immediate shutdown.
    while (existsSync(join(instance.dataDir, 'postmaster.pid')) && Date.now() < deadline) sleepSync(10);
  }
  for (const instance of live) {
    try {
      rmSync(instance.runDir, { recursive: true, force: true, maxRetries: 3, retryDelay: 20 });
    } catch {
      // Best effort while exiting; the next launcher run removes leftovers.
    }
  }
  live.clear();
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
