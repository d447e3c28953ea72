import { Type, type Static } from '@sinclair/typebox';
import { parseConfig } from '@tidings/config';

/** The bench's knobs; every one has a default, so `npm run bench:pipeline` needs none. */
export const BenchEnv = Type.Object({
  /** Use this Kafka / Postgres instead of starting them (as npm test does). */
  KAFKA_BROKERS: Type.Optional(Type.String({ minLength: 1 })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** Seconds each HTTP load phase runs. */
  BENCH_DURATION_S: Type.Integer({ minimum: 1, maximum: 3600, default: 20 }),
  /** Concurrent keep-alive HTTP clients. */
  BENCH_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 1024, default: 32 }),
  /** Notifications per POST /v1/notifications/batch. */
  BENCH_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  /** Distinct recipients the load is spread over. */
  BENCH_USERS: Type.Integer({ minimum: 1, default: 10000 }),
  /** Events written while the persister is stopped, then drained to measure it alone. 0 skips the phase. */
  BENCH_BACKLOG: Type.Integer({ minimum: 0, default: 200000 }),
  /** Which HTTP phases to run. */
  BENCH_PHASES: Type.String({ default: 'batch,single', pattern: '^(batch|single)(,(batch|single))*$' }),
  /** Extra environment for the spawned services, as JSON: {"ingest": {...}, "persister": {...}}. */
  BENCH_SERVICE_ENV: Type.String({ default: '{}' }),
  /** Where the JSON result is written (besides stdout). */
  BENCH_OUT_DIR: Type.String({ default: 'bench/results' }),
  TIDINGS_HOME: Type.Optional(Type.String()),
});
export type BenchConfig = Readonly<Static<typeof BenchEnv>>;

export function loadBenchConfig(env: Record<string, string | undefined> = process.env): BenchConfig {
  return parseConfig(BenchEnv, env);
}
