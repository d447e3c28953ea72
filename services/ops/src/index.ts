export { buildOpsApp } from './app.js';
export type { OpsDeps } from './app.js';
export { loadConfig, OpsEnv } from './config.js';
export type { OpsConfig } from './config.js';
