import { Type, type Static } from '@sinclair/typebox';
import { AuthEnv } from '@tidings/auth';
import { Brokers, Host, HttpTimeoutsEnv, LogLevel, parseConfig, Port, TopicPrefix } from '@tidings/config';

export const OpsEnv = Type.Object({
  /** HTTP port of the ops API. */
  OPS_PORT: Port(4200),
  OPS_HOST: Host,
  /** Comma-separated Kafka bootstrap brokers. */
  KAFKA_BROKERS: Brokers,
  /** Prefix of every topic name (shared clusters, test namespaces). */
  KAFKA_TOPIC_PREFIX: TopicPrefix,
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  /** The persister's consumer group, for lag (the prefix is added as the persister does). */
  PERSISTER_GROUP_ID: Type.String({ default: 'tidings-persister', minLength: 1 }),
  /**
   * Names this process's slot; it becomes the Kafka transactional id of its
   * writes (redeliver commands, dead-letter retries), so a restarted ops
   * process fences its predecessor. Unique per running process.
   */
  OPS_INSTANCE_ID: Type.String({ default: 'ops-0', pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
  /** Events per chunk (one statement each) when a rebuild applies the log. */
  OPS_REBUILD_CHUNK: Type.Integer({ minimum: 100, maximum: 1000000, default: 50000 }),
  /** Partitions a rebuild loads in parallel, each on its own Postgres connection. */
  OPS_REBUILD_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
  /** How long the swap may wait for the inbox table lock before the rebuild fails (and the live table stays). */
  OPS_REBUILD_LOCK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600000, default: 15000 }),
  /**
   * Optional comma-separated gateway base URLs (e.g. http://10.0.0.5:4100):
   * `GET /v1/ops/lag` then reads each node's live-feed position from its
   * /metrics (`tidings_gateway_feed_lag_records`). Empty: lag reports Kafka and
   * Postgres positions only.
   */
  OPS_GATEWAY_URLS: Type.String({ default: '' }),
  /**
   * Audit rows per second (burst: five seconds' worth) for refused requests
   * (401, 403, 400, 404, …), separately for callers without a verified token
   * and with one. Beyond it rows are counted in
   * `tidings_ops_audit_dropped_total` and the next row says how many were
   * skipped, so a flood of bad requests cannot become unbounded audit writes.
   * Requests that run an action are always audited.
   */
  OPS_AUDIT_REFUSED_PER_SEC: Type.Integer({ minimum: 1, maximum: 10000, default: 20 }),
  LOG_LEVEL: LogLevel,
  ...HttpTimeoutsEnv,
  ...AuthEnv,
});
export type OpsConfig = Readonly<Static<typeof OpsEnv>>;

export function loadConfig(env: Record<string, string | undefined> = process.env): OpsConfig {
  return parseConfig(OpsEnv, env);
}
