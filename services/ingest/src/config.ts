import { Type, type Static } from '@sinclair/typebox';
import { AuthEnv } from '@tidings/auth';
import { Brokers, Host, HttpTimeoutsEnv, LogLevel, parseConfig, Port, TopicPrefix } from '@tidings/config';

export const IngestEnv = Type.Object({
  /** HTTP port of the producer API. */
  INGEST_PORT: Port(4000),
  INGEST_HOST: Host,
  /** Comma-separated Kafka bootstrap brokers. */
  KAFKA_BROKERS: Brokers,
  /** Prefix of every topic name (shared clusters, test namespaces). */
  KAFKA_TOPIC_PREFIX: TopicPrefix,
  /** Postgres, for topic subscriptions. */
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  LOG_LEVEL: LogLevel,
  ...HttpTimeoutsEnv,
  /**
   * Names this process's slot; it becomes the Kafka transactional id, so a
   * restarted ingest fences its predecessor. Unique per running process.
   */
  INGEST_INSTANCE_ID: Type.String({ default: 'ingest-0', pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
  /**
   * Kafka transactions in flight at once (one transactional id each,
   * `<INGEST_INSTANCE_ID>-<n>`). Concurrent requests share a transaction
   * either way; more senders overlap the broker round trips of small
   * requests, at the price of more transactions (and commit markers) for
   * the broker. 1 is best where the broker is short of CPU (docs/pipeline.md).
   */
  INGEST_SENDERS: Type.Integer({ minimum: 1, maximum: 32, default: 1 }),
  /** How long a request waits to share a Kafka transaction with others. */
  INGEST_LINGER_MS: Type.Integer({ minimum: 0, maximum: 100, default: 2 }),
  /** A write Kafka has not committed by then is answered 503 and never becomes visible. */
  INGEST_SEND_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60000, default: 3000 }),
  /** Requests per second per producing service (token `sub`). */
  INGEST_RATE_LIMIT_PER_SEC: Type.Integer({ minimum: 1, default: 2000 }),
  /**
   * How long ingest remembers an `Idempotency-Key` and the request it was
   * used for (seconds; default 24 h). Within it, the same key with a
   * different request is refused with 422; after it the key is forgotten
   * (keys older than this are deleted every minute). Ids derived from a key
   * never change, so a key is still best used for one request only
   * (docs/pipeline.md, Ids and idempotency).
   */
  INGEST_IDEMPOTENCY_RETENTION_SEC: Type.Integer({ minimum: 60, maximum: 30 * 86400, default: 86400 }),
  ...AuthEnv,
});
export type IngestConfig = Readonly<Static<typeof IngestEnv>>;

export function loadConfig(env: Record<string, string | undefined> = process.env): IngestConfig {
  return parseConfig(IngestEnv, env);
}
