/** Options of {@link startPostgres}. Every field is optional. */
export interface PostgresLauncherOptions {
  /** TCP port on 127.0.0.1; default: a free port chosen by the OS. */
  port?: number;
  /** Database created after the first start and named in `databaseUrl`; default `tidings`. */
  database?: string;
  /**
   * Keep fsync and full_page_writes on. Default false: the instance lives in a
   * temp dir deleted on stop, so surviving an OS crash or power loss buys
   * nothing, and skipping fsync makes initdb, DDL, CREATE DATABASE and
   * checkpoints faster (initdb ~1.4 s instead of ~2 s on a 2-core CI box). A crash of the server process alone (kill -9,
   * `restart({ mode: 'immediate' })`) still loses no committed transaction:
   * the OS page cache survives it. synchronous_commit stays on either way;
   * off would lose the last commits on exactly such a server crash, which
   * chaos tests rely on not happening (and with fsync off it saves nothing).
   * Set true for benchmarks that must measure real commit costs.
   */
  durable?: boolean;
  /** Bound on the whole of startPostgres (initdb, start, create database); default 60 000 ms. */
  startTimeoutMs?: number;
  /** Bound on a fast shutdown before escalating to immediate shutdown, then SIGKILL; default 15 000 ms. */
  stopTimeoutMs?: number;
  /**
   * OS account the server runs as when this process is root (Postgres refuses
   * to run as root). Created with useradd when missing. Default `postgres`.
   * Ignored when not root: the server then runs as the current user.
   */
  osUser?: string;
  /** Progress and timing lines ("postgres: initdb in 900 ms"); default: discarded. */
  log?: (msg: string) => void;
  /**
   * Called when the server exits on its own (not through stop()/restart()),
   * e.g. it was killed from outside. Default: a line through `log`.
   */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** {@link PostgresLauncherOptions} with defaults applied and values checked. */
export interface ResolvedPostgresOptions {
  readonly port: number | undefined;
  readonly database: string;
  readonly durable: boolean;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly osUser: string;
  /** Always 127.0.0.1: a test database must never be reachable from the network. */
  readonly host: '127.0.0.1';
  /** Enough for every service of a local stack plus parallel test pools. */
  readonly maxConnections: 300;
  readonly log: (msg: string) => void;
  readonly onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  /** Environment of initdb and the server: see {@link PostgresLauncherEnv}. */
  readonly childEnv: Readonly<Record<string, string>>;
}

/** Environment variables read by {@link resolvePostgresOptions}; nothing else in this folder reads the environment. */
export interface PostgresLauncherEnv {
  /**
   * Passed on so setpriv(1) can be found. Nothing else is: initdb and the
   * server get a fixed environment (C messages, UTC), so a stray PGxxx or
   * locale variable of the caller cannot change how they behave.
   */
  PATH?: string | undefined;
}

/** Applies defaults and validates; throws an Error naming the bad option. */
export function resolvePostgresOptions(
  opts: PostgresLauncherOptions = {},
  env: PostgresLauncherEnv = process.env,
): ResolvedPostgresOptions {
  const database = opts.database ?? 'tidings';
  // The name goes into a URL path and an SQL identifier: keep it boring.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) {
    throw new Error(`postgres launcher: option database must match /^[a-z_][a-z0-9_]{0,62}$/, got ${JSON.stringify(database)}`);
  }
  const osUser = opts.osUser ?? 'postgres';
  // Passed to `id` and `useradd` as an argument: a POSIX portable user name.
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(osUser)) {
    throw new Error(`postgres launcher: option osUser must be a plain user name, got ${JSON.stringify(osUser)}`);
  }
  return Object.freeze({
    port: opts.port === undefined ? undefined : checkInt('port', opts.port, 1, 65_535),
    database,
    durable: opts.durable ?? false,
    startTimeoutMs: checkInt('startTimeoutMs', opts.startTimeoutMs ?? 60_000, 1, 3_600_000),
    stopTimeoutMs: checkInt('stopTimeoutMs', opts.stopTimeoutMs ?? 15_000, 1, 3_600_000),
    osUser,
    host: '127.0.0.1',
    maxConnections: 300,
    log: opts.log ?? (() => {}),
    onUnexpectedExit: opts.onUnexpectedExit,
    childEnv: Object.freeze({
      ...(env.PATH !== undefined ? { PATH: env.PATH } : {}),
      // English messages: readiness and port-in-use detection match on them.
      LC_ALL: 'C',
      // initdb writes it as the server's timezone: logs and timestamptz text in UTC.
      TZ: 'UTC',
    }),
  });
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`postgres launcher: option ${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/**
 * Server settings passed as `-c name=value` on every start. Flags rather than
 * postgresql.conf so a restart() always runs with what this version says.
 */
export function serverSettings(o: ResolvedPostgresOptions): Record<string, string> {
  const settings: Record<string, string> = {
    listen_addresses: o.host,
    // TCP only: no socket files in /tmp to collide with another server's port.
    unix_socket_directories: '',
    max_connections: String(o.maxConnections),
    // The readiness and error detection read the server's English messages.
    lc_messages: 'C',
  };
  if (!o.durable) {
    // See PostgresLauncherOptions.durable for why this is safe here and only here.
    settings['fsync'] = 'off';
    settings['full_page_writes'] = 'off';
  }
  return settings;
}
