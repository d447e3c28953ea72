import { DbError } from './errors.js';

/** What this package needs from the environment. */
export interface DbConfig {
  /** `postgres://user:password@host:port/database`, from DATABASE_URL. */
  readonly databaseUrl: string;
}

/** The environment variables read here; the only place in the package that reads any. */
export interface DbEnv {
  DATABASE_URL?: string | undefined;
}

/** Reads and checks DATABASE_URL; throws TIDINGS_ERR_DB_CONFIG naming it when missing or invalid. */
export function loadDbConfig(env: DbEnv = process.env): DbConfig {
  const databaseUrl = optionalDatabaseUrl(env);
  if (databaseUrl === undefined) {
    throw new DbError('TIDINGS_ERR_DB_CONFIG', 'DATABASE_URL is not set (expected postgres://user:password@host:port/database)');
  }
  return Object.freeze({ databaseUrl });
}

/** DATABASE_URL when set (checked as in loadDbConfig), else undefined: for tools with a fallback database. */
export function optionalDatabaseUrl(env: DbEnv = process.env): string | undefined {
  const value = env.DATABASE_URL?.trim();
  if (value === undefined || value === '') return undefined;
  checkDatabaseUrl(value);
  return value;
}

function checkDatabaseUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not echoed: it may hold a password.
    throw new DbError('TIDINGS_ERR_DB_CONFIG', 'DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DbError('TIDINGS_ERR_DB_CONFIG', `DATABASE_URL must use postgres:// or postgresql://, got ${url.protocol}//`);
  }
  if (url.hostname === '' && !url.searchParams.has('host')) {
    throw new DbError('TIDINGS_ERR_DB_CONFIG', 'DATABASE_URL has no host');
  }
}
