import { Type, type Static } from '@sinclair/typebox';
import { AuthEnv } from '@tidings/auth';
import { Brokers, Host, HttpTimeoutsEnv, LogLevel, parseConfig, Port, TopicPrefix } from '@tidings/config';

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
  /** Time allowed for the first frame (`hello`), SPEC §7: 5 s. */
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
  /** Comma-separated Origins allowed to open sockets; empty allows all (development). */
  GATEWAY_ALLOWED_ORIGINS: Type.String({ default: '' }),
  /** How long before `exp` a client is told to refresh its token. */
  GATEWAY_TOKEN_WARNING_MS: Type.Integer({ minimum: 1000, default: 60000 }),
  ...AuthEnv,
});
export type GatewayConfig = Readonly<Static<typeof GatewayEnv>>;

export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  return parseConfig(GatewayEnv, env);
}
