import { Type, type Static } from '@sinclair/typebox';
import { AuthEnv } from '@tidings/auth';
import { Brokers, ConfigError, Host, HttpTimeoutsEnv, LogLevel, parseConfig, Port, splitList, TopicPrefix } from '@tidings/config';

export const GatewayEnv = Type.Object({
  GATEWAY_PORT: Port(4100),
  GATEWAY_HOST: Host,
  /** Names this node in logs, metrics, connection ids and its Kafka ids. Unique per process. */
  GATEWAY_NODE_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
  KAFKA_BROKERS: Brokers,
  /** Prefix of every topic name (shared clusters, test namespaces). */
  KAFKA_TOPIC_PREFIX: TopicPrefix,
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  LOG_LEVEL: LogLevel,
  ...HttpTimeoutsEnv,
  /** Server ping interval; a peer missing two pings is dropped. */
  GATEWAY_HEARTBEAT_MS: Type.Integer({ minimum: 100, maximum: 300000, default: 25000 }),
  /** Time allowed for the first frame (`hello`), docs/contract.md §7: 5 s. */
  GATEWAY_HELLO_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60000, default: 5000 }),
  /** Largest accepted client frame; larger ones close with 1009. */
  GATEWAY_MAX_FRAME_BYTES: Type.Integer({ minimum: 1024, maximum: 1048576, default: 65536 }),
  /** Bytes queued to one socket before it counts as too slow (close 4009). */
  GATEWAY_SEND_BUFFER_BYTES: Type.Integer({ minimum: 16384, default: 4 * 1024 * 1024 }),
  /** Live events held for one socket while its replay runs; more closes it with 4009. */
  GATEWAY_REPLAY_BUFFER_EVENTS: Type.Integer({ minimum: 10, default: 10000 }),
  /** Client frames per second per socket (sustained) and burst; beyond, close 4008. */
  GATEWAY_MSG_RATE_PER_SEC: Type.Integer({ minimum: 1, default: 20 }),
  GATEWAY_MSG_BURST: Type.Integer({ minimum: 1, default: 60 }),
  GATEWAY_MAX_CONNECTIONS: Type.Integer({ minimum: 1, default: 100000 }),
  GATEWAY_MAX_CONNECTIONS_PER_USER: Type.Integer({ minimum: 1, default: 20 }),
  /**
   * Comma-separated browser Origins allowed to open sockets and read the API
   * cross-origin (CORS); `*` allows every Origin. Unset or empty allows none
   * (requests without an Origin header, i.e. non-browser clients, are always
   * allowed). Required when NODE_ENV=production.
   */
  GATEWAY_ALLOWED_ORIGINS: Type.Optional(Type.String()),
  /** `production` (the Docker image sets it) refuses to start on settings that are only safe in development. */
  NODE_ENV: Type.Optional(Type.String()),
  /** Per-user budget of state changes (ids marked read/seen/archived, `all` counts 1) per second on this node; HTTP and socket share it. Beyond: 429. */
  GATEWAY_USER_WRITES_PER_SEC: Type.Integer({ minimum: 1, default: 50 }),
  /** Burst of the per-user state-change budget; a request larger than it waits until the budget is full. */
  GATEWAY_USER_WRITE_BURST: Type.Integer({ minimum: 1, default: 1000 }),
  /** Per-user budget of inbox reads (a page, an unread count, a socket hello) per second on this node. Beyond: 429 (hello: close 4008). */
  GATEWAY_USER_READS_PER_SEC: Type.Integer({ minimum: 1, default: 10 }),
  /** Burst of the per-user read budget. */
  GATEWAY_USER_READ_BURST: Type.Integer({ minimum: 1, default: 50 }),
  /**
   * How long a state request naming ids not yet in Postgres waits for the
   * persister to catch up with what this node has delivered live before it
   * ignores them.
   */
  GATEWAY_STATE_RECHECK_MS: Type.Integer({ minimum: 0, maximum: 30000, default: 2000 }),
  /** How long before `exp` a client is told to refresh its token. */
  GATEWAY_TOKEN_WARNING_MS: Type.Integer({ minimum: 1000, default: 60000 }),
  ...AuthEnv,
});
export type GatewayConfig = Readonly<Static<typeof GatewayEnv>>;

/**
 * Parses the gateway's environment. In production (NODE_ENV=production) an
 * Origin allow-list must be written out: forgetting it must not open the
 * socket to every web page (cross-site WebSocket hijacking), and `*` is
 * there for deployments that really want that.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const c = parseConfig(GatewayEnv, env);
  if (c.NODE_ENV === 'production' && splitList(c.GATEWAY_ALLOWED_ORIGINS ?? '').length === 0) {
    throw new ConfigError(
      'invalid configuration: GATEWAY_ALLOWED_ORIGINS is required when NODE_ENV=production: list the Origins of your web apps (comma-separated), or * to allow every Origin',
      ['GATEWAY_ALLOWED_ORIGINS'],
    );
  }
  return c;
}
