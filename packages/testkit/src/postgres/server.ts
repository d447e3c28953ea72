import type { PostgresBinaries } from './binaries.js';
import { POSTGRES_LAUNCHER_ERROR_CODES, PostgresLauncherError } from './errors.js';
import type { RunAs } from './os-user.js';
import { OutputTail } from './output.js';
import { spawnSupervised, waitForExit, type Supervised } from './process.js';

/** Where and as whom one cluster runs; fixed for its lifetime. */
export interface Cluster {
  readonly bins: PostgresBinaries;
  readonly runAs: RunAs | undefined;
  /** Owned by `runAs`; holds dataDir. */
  readonly runDir: string;
  readonly dataDir: string;
  /** Called with each child as soon as it is spawned, so the exit hook can stop it. */
  readonly onSpawn: (proc: Supervised) => void;
  /** Environment of initdb and the server. */
  readonly env: Readonly<Record<string, string>>;
}

/** Superuser created by initdb and named in the URLs. */
export const SUPERUSER = 'postgres';

/** Runs initdb; throws INITDB_FAILED with its output when it fails or outlives `deadline`. */
export async function initCluster(c: Cluster, passwordFile: string, durable: boolean, deadline: number): Promise<void> {
  const tail = new OutputTail();
  const args = [
    `--pgdata=${c.dataDir}`,
    `--username=${SUPERUSER}`,
    `--pwfile=${passwordFile}`,
    // Password auth even on 127.0.0.1: other local users must not get in.
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    // C collation: byte order, identical on every host, no ICU/glibc drift.
    '--locale=C',
    '--no-instructions',
    // Skipping the final fsync of the new cluster is the same trade as `durable`.
    ...(durable ? [] : ['--no-sync']),
  ];
  const proc = await spawnSupervised(c.bins.initdb, args, { runAs: c.runAs, cwd: c.runDir, tail, deathSignal: 'SIGTERM', env: c.env });
  c.onSpawn(proc);
  const exit = await waitForExit(proc, Math.max(0, deadline - Date.now()));
  if (exit === undefined) {
    await kill(proc);
    throw failure(POSTGRES_LAUNCHER_ERROR_CODES.INITDB_FAILED, 'postgres: initdb did not finish within startTimeoutMs', tail);
  }
  if (exit.code !== 0) {
    throw failure(POSTGRES_LAUNCHER_ERROR_CODES.INITDB_FAILED, `postgres: initdb failed (${describe(exit)})`, tail);
  }
}

export type StartAttempt =
  | { readonly ok: true; readonly proc: Supervised }
  | { readonly ok: false; readonly error: PostgresLauncherError; readonly portInUse: boolean };

/**
 * Starts the server and resolves once it logs that it accepts connections.
 * The server's output goes to `tail` (kept across restarts for context).
 */
export async function startServer(
  c: Cluster,
  port: number,
  settings: Record<string, string>,
  tail: OutputTail,
  deadline: number,
): Promise<StartAttempt> {
  const flags = Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  let portInUse = false;
  let onReady: () => void = () => {};
  const ready = new Promise<'ready'>((resolve) => {
    onReady = () => resolve('ready');
  });
  tail.onLine((line) => {
    if (line.includes('database system is ready to accept connections')) onReady();
    else if (line.includes('Address already in use')) portInUse = true;
  });
  try {
    const proc = await spawnSupervised(c.bins.postgres, ['-D', c.dataDir, '-p', String(port), ...flags], {
      runAs: c.runAs,
      cwd: c.runDir,
      tail,
      // Immediate shutdown: the postmaster takes its backends down with it.
      deathSignal: 'SIGQUIT',
      env: c.env,
    });
    c.onSpawn(proc);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    const outcome = await Promise.race([ready, proc.exited, timeout]).finally(() => clearTimeout(timer));
    if (outcome === 'ready') return { ok: true, proc };
    if (outcome === 'timeout') {
      await kill(proc);
      const error = failure(POSTGRES_LAUNCHER_ERROR_CODES.START_FAILED, `postgres: not ready on port ${port} within startTimeoutMs`, tail);
      return { ok: false, error, portInUse: false };
    }
    const error = failure(
      POSTGRES_LAUNCHER_ERROR_CODES.START_FAILED,
      `postgres: server exited during start on port ${port} (${describe(outcome)})`,
      tail,
    );
    return { ok: false, error, portInUse };
  } finally {
    tail.onLine(undefined);
  }
}

/**
 * Stops the server: 'fast' (SIGINT: roll back, checkpoint, exit) or
 * 'immediate' (SIGQUIT: exit now, crash recovery on the next start). A fast
 * shutdown that outlives `timeoutMs` is escalated to immediate, then SIGKILL.
 */
export async function stopServer(
  proc: Supervised,
  mode: 'fast' | 'immediate',
  timeoutMs: number,
  log: (msg: string) => void,
): Promise<void> {
  if (proc.exitInfo() !== undefined) return;
  proc.signal(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
  if (await waitForExit(proc, timeoutMs)) return;
  log(`postgres: ${mode} shutdown took over ${timeoutMs} ms; killing`);
  await kill(proc);
}

/** SIGQUIT, then SIGKILL after 5 s; resolves when the child is gone. */
export async function kill(proc: Supervised): Promise<void> {
  proc.signal('SIGQUIT');
  if (await waitForExit(proc, 5_000)) return;
  proc.signal('SIGKILL');
  await proc.exited;
}

function describe(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${String(exit.code)}`;
}

function failure(code: PostgresLauncherError['code'], message: string, tail: OutputTail): PostgresLauncherError {
  return new PostgresLauncherError(code, `${message}; last output:\n${tail.format()}`);
}
