/**
 * The db package's error catalogue. Codes are stable: never rename one, add a
 * new one. `retryable` tells the caller whether trying the same operation
 * again later can succeed (the database comes back) or cannot (a bug, a bad
 * setting, a broken migration).
 */
export const DB_ERRORS = Object.freeze({
  TIDINGS_ERR_DB_CONFIG: { retryable: false, message: 'invalid database configuration' },
  TIDINGS_ERR_DB_UNAVAILABLE: { retryable: true, message: 'database is unavailable' },
  TIDINGS_ERR_DB_MIGRATION_FAILED: { retryable: false, message: 'error applying migrations' },
  TIDINGS_ERR_DB_MIGRATIONS_NOT_FOUND: { retryable: false, message: 'migrations folder not found' },
  TIDINGS_ERR_DB_LOCK_TIMEOUT: { retryable: true, message: 'timed out waiting for the migration lock' },
  TIDINGS_ERR_DB_TYPE_PARSER: { retryable: false, message: 'int8 values would be parsed as lossy numbers' },
});

export type DbErrorCode = keyof typeof DB_ERRORS;

/** An Error with a stable `code` and `retryable` flag; `cause` carries the underlying failure. */
export class DbError extends Error {
  override readonly name = 'DbError';
  readonly code: DbErrorCode;
  readonly retryable: boolean;

  /** Message: the catalogue's, then `detail` (the operation and what failed). */
  constructor(code: DbErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${DB_ERRORS[code].message}: ${detail}` : DB_ERRORS[code].message, options);
    this.code = code;
    this.retryable = DB_ERRORS[code].retryable;
  }
}

// SQLSTATE classes and codes meaning "the server is not reachable or not
// serving right now", as opposed to "this statement is wrong".
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53', '57'];
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);

/**
 * The SQLSTATE or Node error code of `err` or of the error it wraps: drizzle
 * wraps pg errors in a DrizzleQueryError ("Failed query: …") whose `cause`
 * is the pg error.
 */
export function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The innermost error's message (the server's words), with the failed statement when drizzle reported one. */
export function describeError(err: unknown): string {
  let e: unknown = err;
  let query: string | undefined;
  for (let depth = 0; e instanceof Error && e.cause instanceof Error && depth < 5; depth++) {
    const q: unknown = (e as { query?: unknown }).query;
    query ??= typeof q === 'string' ? q : undefined;
    e = e.cause;
  }
  const message = e instanceof Error ? e.message : String(e);
  if (query === undefined) return message;
  const statement = query.replace(/\s+/g, ' ').trim();
  return `${message} (in: ${statement.length > 200 ? `${statement.slice(0, 200)}…` : statement})`;
}

/**
 * True when `err` (from pg, possibly wrapped by drizzle) says the database
 * cannot be reached or is shutting down, restarting or out of connections:
 * worth retrying later.
 */
export function isUnavailable(err: unknown): boolean {
  const code = errorCode(err);
  if (code !== undefined) {
    if (UNAVAILABLE_NODE_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
  }
  // pg's own wording when a connection ends or times out under it (no code).
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (/Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(e.message)) return true;
  }
  return false;
}

/** SQLSTATE 23505: a unique constraint rejected the row (also when wrapped by drizzle). */
export function isUniqueViolation(err: unknown): boolean {
  return errorCode(err) === '23505';
}
