export { buildOpsApp } from './app.js';
export type { OpsDeps } from './app.js';
export { loadConfig, OpsEnv } from './config.js';
export type { OpsConfig } from './config.js';
export { REBUILD_ERRORS } from './rebuild/errors.js';
export type { RebuildErrorCode } from './rebuild/errors.js';
export type { RebuildPhase, RebuildSource, RebuildState, RebuildStatus } from './rebuild/job.js';
