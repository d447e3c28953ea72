import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { DbError } from './errors.js';
import * as schema from './schema.js';

export interface PoolOptions {
  /** application_name: shown in pg_stat_activity and server logs, so ops can tell which service holds a connection. */
  applicationName: string;
  /** Most connections open at once; default 10. */
  max?: number;
  /** statement_timeout in ms: the server cancels longer statements; default 0 (none). */
  statementTimeoutMs?: number;
  /** Give up opening a connection after this long; default 10 000 ms. */
  connectionTimeoutMs?: number;
  /** Close connections idle this long; default 30 000 ms. */
  idleTimeoutMs?: number;
  /**
   * Errors of idle connections (the server restarted, the network dropped).
   * Default: ignored, as the next query on the pool reports the failure
   * itself. Some listener is required: pg emits 'error' on the pool, and an
   * unhandled 'error' event would crash the process.
   */
  onError?: (err: Error) => void;
}

/** A drizzle database over the Tidings schema. */
export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };

const INT8 = pg.types.builtins.INT8;

/**
 * int8 (bigint: offsets, ids) as the exact decimal string, for this pool's
 * raw queries, whatever anyone sets globally. Everything else as pg parses it.
 */
const poolTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (value: string) => value : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Opens a pg Pool (connections are made lazily, on the first query). */
export function createPool(databaseUrl: string, opts: PoolOptions): pg.Pool {
  assertExactInt8();
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    application_name: opts.applicationName,
    max: opts.max ?? 10,
    statement_timeout: opts.statementTimeoutMs ?? 0,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: opts.idleTimeoutMs ?? 30_000,
    // Detects a dead peer on idle connections instead of hanging on them.
    keepAlive: true,
    types: poolTypes,
  });
  pool.on('error', opts.onError ?? (() => {}));
  return pool;
}

/**
 * A drizzle instance on `pool`, typed with the schema. bigint-mode columns
 * (offsets, ids) come back as `bigint`: drizzle converts pg's exact string.
 */
export function createDb(pool: pg.Pool): Db {
  assertExactInt8();
  return drizzle({ client: pool, schema });
}

/**
 * drizzle queries parse with pg's global parsers (it passes its own per-query
 * table that falls back to them), so a global `setTypeParser(20, Number)`
 * anywhere in the process would silently round offsets above 2^53. Refuse to
 * run rather than corrupt positions.
 */
function assertExactInt8(): void {
  const probe = '9007199254740993';
  const parsed: unknown = pg.types.getTypeParser(INT8, 'text')(probe);
  if (String(parsed) !== probe) {
    throw new DbError('TIDINGS_ERR_DB_TYPE_PARSER', `pg's global int8 parser turns ${probe} into ${String(parsed)}; remove the setTypeParser(20, …) override`);
  }
}
