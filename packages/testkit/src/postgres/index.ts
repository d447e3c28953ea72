export { startPostgres } from './launcher.js';
export type { RestartOptions, RunningPostgres } from './launcher.js';
export type { PostgresLauncherOptions } from './options.js';
export { POSTGRES_LAUNCHER_ERROR_CODES, PostgresLauncherError } from './errors.js';
export type { PostgresLauncherErrorCode } from './errors.js';
