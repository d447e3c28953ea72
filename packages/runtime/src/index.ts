export { createLogger, redactUrl, REDACT_PATHS } from './logger.js';
export type { Logger } from './logger.js';
export { createRegistry } from './metrics.js';
export { onShutdown } from './shutdown.js';
export { ApiError } from './api-error.js';
export { authenticate, createHttpServer, DEFAULT_HTTP_TIMEOUTS, listeningUrl } from './http.js';
export type { HttpServerOptions, HttpTimeouts } from './http.js';
export { openApiDocument, registerOpenApi, unwired } from './openapi.js';
export type { OpenApiOptions } from './openapi.js';
