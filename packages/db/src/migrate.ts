import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate as drizzleMigrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { DbError, describeError, isUnavailable } from './errors.js';

/**
 * The repository's top-level migrations/ folder. src/migrate.ts and
 * dist/migrate.js sit at the same depth (packages/db/{src,dist}/), so this
 * resolves the same from either.
 */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

export interface MigrateOptions {
  /** Folder with drizzle-kit's SQL files and meta/_journal.json; default {@link DEFAULT_MIGRATIONS_DIR}. */
  migrationsDir?: string;
  /** Bound on waiting for another process's migrate() to finish; default 60 000 ms. */
  lockTimeoutMs?: number;
}

export interface MigrateResult {
  /** Tags of the migrations this call applied ("0000_init"), oldest first; empty when already up to date. */
  applied: string[];
  /** The stream epoch (meta.epoch): created by the first migrate() on this database, then never changed. */
  epoch: string;
}

/**
 * Session-level advisory lock serialising migrate() across processes (several
 * services start at once). The key is "tidings" in ASCII as an int8; any
 * constant works as long as nothing else in the database uses it.
 */
const MIGRATION_LOCK_KEY = '32766977284925299';

/**
 * Applies the pending migrations, then makes sure meta.epoch exists.
 * Idempotent (a second run applies nothing) and safe to run from several
 * processes at once: they take turns on an advisory lock, and drizzle's
 * migrator applies all pending files in one transaction.
 */
export async function migrate(databaseUrl: string, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const dir = opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const journal = await readJournal(dir);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'tidings-migrate', connectionTimeoutMillis: 10_000 });
  // A connection lost mid-way fails the pending query; without a listener it would also crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (cause) {
    throw new DbError('TIDINGS_ERR_DB_UNAVAILABLE', `error connecting to migrate: ${describeError(cause)}`, { cause });
  }
  try {
    await acquireLock(client, opts.lockTimeoutMs ?? 60_000);
    const before = await lastAppliedMillis(client);
    await drizzleMigrate(drizzle({ client }), { migrationsFolder: dir });
    const epoch = await ensureEpoch(client);
    return { applied: journal.filter((e) => before === undefined || e.when > before).map((e) => e.tag), epoch };
  } catch (cause) {
    if (cause instanceof DbError) throw cause;
    if (isUnavailable(cause)) throw new DbError('TIDINGS_ERR_DB_UNAVAILABLE', `error applying migrations: ${describeError(cause)}`, { cause });
    throw new DbError('TIDINGS_ERR_DB_MIGRATION_FAILED', `${describeError(cause)}; migrations from ${dir}`, { cause });
  } finally {
    // Ending the session releases the advisory lock too; no explicit unlock needed.
    await client.end().catch(() => {});
  }
}

interface JournalEntry {
  tag: string;
  /** Folder timestamp; drizzle records it as created_at of each applied migration. */
  when: number;
}

async function readJournal(dir: string): Promise<JournalEntry[]> {
  const file = join(dir, 'meta', '_journal.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new DbError('TIDINGS_ERR_DB_MIGRATIONS_NOT_FOUND', `cannot read ${file}: ${describeError(cause)}`, { cause });
  }
  const entries = (JSON.parse(text) as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) throw new DbError('TIDINGS_ERR_DB_MIGRATIONS_NOT_FOUND', `${file} has no entries`);
  return entries as JournalEntry[];
}

async function acquireLock(client: pg.Client, timeoutMs: number): Promise<void> {
  // lock_timeout bounds the wait for an advisory lock like any other lock.
  await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  } catch (cause) {
    if ((cause as { code?: unknown }).code === '55P03') {
      throw new DbError('TIDINGS_ERR_DB_LOCK_TIMEOUT', `another migrate() held the lock for over ${timeoutMs} ms`, { cause });
    }
    throw cause;
  }
  // The migrations themselves may wait on locks as long as they need.
  await client.query('RESET lock_timeout');
}

/** created_at of the newest applied migration (drizzle's own bookkeeping), or undefined on a fresh database. */
async function lastAppliedMillis(client: pg.Client): Promise<number | undefined> {
  const { rows } = await client.query<{ exists: boolean }>(`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS exists`);
  if (!rows[0]?.exists) return undefined;
  const last = await client.query<{ max: string | null }>('SELECT max(created_at) AS max FROM drizzle.__drizzle_migrations');
  const max = last.rows[0]?.max;
  return max === null || max === undefined ? undefined : Number(max);
}

async function ensureEpoch(client: pg.Client): Promise<string> {
  await client.query(`INSERT INTO meta (key, value) VALUES ('epoch', $1) ON CONFLICT (key) DO NOTHING`, [newEpoch()]);
  const { rows } = await client.query<{ value: string }>(`SELECT value FROM meta WHERE key = 'epoch'`);
  const epoch = rows[0]?.value;
  if (epoch === undefined) throw new Error('meta.epoch missing right after it was inserted');
  return epoch;
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 8 random base62 characters (~47 bits): distinct across databases and topic resets in practice. */
export function newEpoch(): string {
  let id = '';
  for (let i = 0; i < 8; i++) id += BASE62[randomInt(BASE62.length)];
  return id;
}
