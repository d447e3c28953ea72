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

/** Prefix for every Kafka topic name; empty in production (SPEC names). */
export const TopicPrefix = Type.String({ default: '', pattern: '^[A-Za-z0-9._-]{0,64}$' });
