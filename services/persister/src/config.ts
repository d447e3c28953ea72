import { Type, type Static } from '@sinclair/typebox';
import { Brokers, Host, HttpTimeoutsEnv, LogLevel, parseConfig, Port, TopicPrefix } from '@tidings/config';

export const PersisterEnv = Type.Object({
  KAFKA_BROKERS: Brokers,
  /** Prefix of every topic name (shared clusters, test namespaces). */
  KAFKA_TOPIC_PREFIX: TopicPrefix,
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  /** Health and metrics only; the persister serves no API. */
  PERSISTER_PORT: Port(4300),
  PERSISTER_HOST: Host,
  /** All persisters share this consumer group; Kafka spreads the partitions over them. */
  PERSISTER_GROUP_ID: Type.String({ default: 'tidings-persister', minLength: 1 }),
  /** Unique per process: names it in logs and makes its DLQ transactional id. */
  PERSISTER_INSTANCE_ID: Type.String({ default: 'persister-0', pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
  /**
   * Partitions processed in parallel, each in its own Postgres transaction
   * (the pool holds this many connections plus two). kafkajs fetches again
   * only when every batch of a fetch is done, so one worker per partition of
   * the events topic (12) keeps one slow batch from idling the rest.
   */
  PERSISTER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 12 }),
  /** How long a dead member keeps its partitions before the group moves them. */
  PERSISTER_SESSION_TIMEOUT_MS: Type.Integer({ minimum: 6000, maximum: 300000, default: 10000 }),
  LOG_LEVEL: LogLevel,
  ...HttpTimeoutsEnv,
});
export type PersisterConfig = Readonly<Static<typeof PersisterEnv>>;

export function loadConfig(env: Record<string, string | undefined> = process.env): PersisterConfig {
  return parseConfig(PersisterEnv, env);
}
