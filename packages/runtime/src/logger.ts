import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs (SPEC §8). Anything that can hold a credential is redacted at
 * the logger, so a careless `log.info({ req })` cannot leak a token.
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'req.query.token',
  'secret',
  '*.secret',
];

export function createLogger(opts: { service: string; level: string; node?: string | undefined }): Logger {
  return pino({
    level: opts.level,
    base: { service: opts.service, ...(opts.node ? { node: opts.node } : {}), pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** Strips `token=` from URLs before they are logged (WebSocket clients may pass it as a query parameter). */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token)=)[^&]*/gi, '$1[redacted]');
}
