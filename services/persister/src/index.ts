export { startPersister } from './consumer.js';
export type { PersisterOptions } from './consumer.js';
export { PersisterEnv, loadConfig } from './config.js';
export type { PersisterConfig } from './config.js';
export { advanceWatermark, persistBatch } from './store.js';
export { applyState, insertCreated } from './projection.js';
export type { Positioned } from './projection.js';
export { classify } from './records.js';
