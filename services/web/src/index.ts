export { buildWebApp, PAGE_FILES } from './app.js';
export type { WebAppDeps } from './app.js';
export { buildBundle, BUNDLE_NAME, PUBLIC_DIR } from './bundle.js';
export { loadConfig, WebEnv } from './config.js';
export type { WebConfig } from './config.js';
