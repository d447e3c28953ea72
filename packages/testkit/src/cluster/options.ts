import { parseArgs } from 'node:util';
import { Type, type Static } from '@sinclair/typebox';
import { parseConfig } from '@tidings/config';

/**
 * `npm run cluster` settings: environment variables, each also a flag
 * (`--duration 60` sets CLUSTER_DURATION_S; a flag wins over the variable).
 * Kafka and Postgres come from KAFKA_BROKERS / DATABASE_URL (read by the
 * stack config) or the launchers.
 */
export const ClusterEnv = Type.Object({
  /** Seconds of load; the node events are spread over it, the startup and the drain come on top. */
  CLUSTER_DURATION_S: Type.Integer({ minimum: 15, maximum: 3600, default: 75 }),
  /** Notifications per second, alternating between the two ingest nodes. */
  CLUSTER_RATE: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
  /** Distinct users the load goes to. */
  CLUSTER_USERS: Type.Integer({ minimum: 1, maximum: 10000, default: 100 }),
  /** WebSocket clients (SDK) per user, spread over the gateway nodes. */
  CLUSTER_CLIENTS_PER_USER: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
  /** How often every partition's watermark is sampled. */
  CLUSTER_SAMPLE_MS: Type.Integer({ minimum: 20, maximum: 10000, default: 250 }),
  /** How long clients and the persisters get to catch up once the load stops. */
  CLUSTER_DRAIN_TIMEOUT_S: Type.Integer({ minimum: 5, maximum: 600, default: 60 }),
  /** Where the JSON results go (default: bench/results of the repository). */
  CLUSTER_RESULTS_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** Every service log line is appended here when set. */
  CLUSTER_LOG_FILE: Type.Optional(Type.String({ minLength: 1 })),
});
export type ClusterOptions = Readonly<Static<typeof ClusterEnv>>;

const FLAGS = {
  duration: 'CLUSTER_DURATION_S',
  rate: 'CLUSTER_RATE',
  users: 'CLUSTER_USERS',
  'clients-per-user': 'CLUSTER_CLIENTS_PER_USER',
  'sample-ms': 'CLUSTER_SAMPLE_MS',
  'drain-timeout': 'CLUSTER_DRAIN_TIMEOUT_S',
  'results-dir': 'CLUSTER_RESULTS_DIR',
  'log-file': 'CLUSTER_LOG_FILE',
} as const;

/** Parses the flags over the environment; a bad value throws a ConfigError naming the variable. */
export function loadClusterOptions(argv: readonly string[], env: Record<string, string | undefined>): ClusterOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: 'string' as const }])),
    strict: true,
    allowPositionals: false,
  });
  const merged: Record<string, string | undefined> = {};
  for (const key of Object.values(FLAGS)) merged[key] = env[key];
  for (const [flag, key] of Object.entries(FLAGS)) {
    const v = values[flag];
    if (typeof v === 'string') merged[key] = v;
  }
  return parseConfig(ClusterEnv, merged);
}
