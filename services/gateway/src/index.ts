export { GatewayEnv, loadConfig } from './config.js';
export type { GatewayConfig } from './config.js';
export { resume } from './resume.js';
export type { ResumeContext, ResumeResult } from './resume.js';
export { createRegistry } from './registry.js';
export type { Session, OutFrame } from './session-types.js';
export { checkControlCommand, parseControlCommand, publishRedeliver } from './control.js';
export type { ParsedControl } from './control.js';
