import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactText } from './redact.js';

export type { Logger };

/**
 * JSON logs (docs/contract.md §8). Anything that can hold a credential is redacted at
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

export function createLogger(opts: { service: string; level: string; node?: string | undefined; destination?: DestinationStream }): Logger {
  const options: LoggerOptions = {
    level: opts.level,
    base: { service: opts.service, ...(opts.node ? { node: opts.node } : {}), pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Backstop for what no path above names (an error message quoting a URL,
    // a value under an unexpected key): every line leaves with anything that
    // decodes to a JWT removed (docs/security.md, "Token handling").
    hooks: { streamWrite: redactText },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** URLs are logged through this (WebSocket clients may pass a token as a query parameter); see redact.ts. */
export { redactUrl } from './redact.js';
