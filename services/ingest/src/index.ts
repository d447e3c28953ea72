export { buildApp } from './app.js';
export type { IngestDeps } from './app.js';
export { IngestEnv, loadConfig } from './config.js';
export type { IngestConfig } from './config.js';
