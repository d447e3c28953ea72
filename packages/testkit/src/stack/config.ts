import { homedir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { parseConfig } from '@tidings/config';

/** The stack launcher's environment (npm start, npm test). */
export const StackEnv = Type.Object({
  /** Use this Kafka instead of starting one. */
  KAFKA_BROKERS: Type.Optional(Type.String({ minLength: 1 })),
  /** Use this Postgres instead of starting one. */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** Force `local` launchers or `containers` (testcontainers) for what the env does not give. */
  TIDINGS_INFRA: Type.Optional(Type.Union([Type.Literal('local'), Type.Literal('containers')])),
  /** Where development keys live (outside the repo). */
  TIDINGS_HOME: Type.String({ default: join(homedir(), '.tidings') }),
  DOCKER_HOST: Type.Optional(Type.String()),
  LOG_LEVEL: Type.String({ default: 'info' }),
  /** npm start: ports of the services (docs/contract.md §6 defaults); the second gateway node takes GATEWAY_PORT + 1. */
  INGEST_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 4000 }),
  GATEWAY_PORT: Type.Integer({ minimum: 1, maximum: 65534, default: 4100 }),
  OPS_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 4200 }),
  PERSISTER_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 4300 }),
  /** npm start: the inbox web page. */
  WEB_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 4500 }),
  /** npm test: node --test concurrency. */
  TIDINGS_TEST_CONCURRENCY: Type.Integer({ minimum: 1, default: 2 }),
  /** npm test: only run test files whose path contains this (or one of its comma-separated parts). */
  TIDINGS_TEST_FILTER: Type.Optional(Type.String()),
});
export type StackConfig = Readonly<Static<typeof StackEnv>>;

export function loadStackConfig(env: Record<string, string | undefined> = process.env): StackConfig {
  return parseConfig(StackEnv, env);
}
