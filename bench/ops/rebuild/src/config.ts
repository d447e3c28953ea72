import { Type, type Static } from '@sinclair/typebox';
import { parseConfig } from '@tidings/config';

/** The bench's knobs; every one has a default, so `npm run bench:rebuild` needs none. */
export const BenchEnv = Type.Object({
  /** Use this Kafka / Postgres instead of starting them (as npm test does). */
  KAFKA_BROKERS: Type.Optional(Type.String({ minLength: 1 })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** Events written straight into the mirror (generate_series) for the mirror-source run. 0 skips it. */
  BENCH_MIRROR_EVENTS: Type.Integer({ minimum: 0, default: 500000 }),
  /** Events produced to Kafka (and persisted) for the Kafka-source run. 0 skips it. */
  BENCH_KAFKA_EVENTS: Type.Integer({ minimum: 0, default: 100000 }),
  /** Distinct users per partition in the synthetic mirror (12 partitions). */
  BENCH_USERS_PER_PARTITION: Type.Integer({ minimum: 1, default: 1000 }),
  /** Rebuilds per source; the table reports each. */
  BENCH_RUNS: Type.Integer({ minimum: 1, maximum: 10, default: 2 }),
  /** Extra environment for the ops service, as JSON (e.g. {"OPS_REBUILD_CHUNK":"20000"}). */
  BENCH_OPS_ENV: Type.String({ default: '{}' }),
  /** Where the JSON result is written (besides stdout). */
  BENCH_OUT_DIR: Type.String({ default: 'bench/results' }),
  TIDINGS_HOME: Type.Optional(Type.String()),
});
export type BenchConfig = Readonly<Static<typeof BenchEnv>>;

export function loadBenchConfig(env: Record<string, string | undefined> = process.env): BenchConfig {
  return parseConfig(BenchEnv, env);
}
