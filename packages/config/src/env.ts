import { Type } from '@sinclair/typebox';

/**
 * Reusable schema fragments for environment variables shared by several
 * services, so the same variable means the same thing everywhere.
 */
export const Port = (defaultPort: number) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort });

/** Comma-separated `host:port` list. */
export const Brokers = Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$' });

export const LogLevel = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
  { default: 'info' },
);

/** Interface to bind; 127.0.0.1 so development never exposes a port. */
export const Host = Type.String({ default: '127.0.0.1', minLength: 1 });

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Prefix for every Kafka topic name; empty in production (the names of docs/contract.md §2). */
export const TopicPrefix = Type.String({ default: '', pattern: '^[A-Za-z0-9._-]{0,64}$' });

/**
 * Time bounds on slow HTTP clients, the same in every service that serves
 * HTTP (docs/errors.md `TIDINGS_ERR_REQUEST_TIMEOUT`).
 */
export const HttpTimeoutsEnv = {
  /** Request headers must arrive within this many ms; Node closes slower connections (checked every 30 s). */
  HTTP_HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 600000, default: 15000 }),
  /** A request body must arrive completely within this many ms of its headers, else 408 `TIDINGS_ERR_REQUEST_TIMEOUT`. */
  HTTP_BODY_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600000, default: 15000 }),
};

/** The HTTP timeouts of a parsed config, in the shape the shared HTTP server takes. */
export function httpTimeouts(config: { HTTP_HEADERS_TIMEOUT_MS: number; HTTP_BODY_TIMEOUT_MS: number }): { headersTimeoutMs: number; bodyTimeoutMs: number } {
  return { headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS, bodyTimeoutMs: config.HTTP_BODY_TIMEOUT_MS };
}
