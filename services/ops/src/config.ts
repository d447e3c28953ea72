import { Type, type Static } from '@sinclair/typebox';
import { AuthEnv } from '@tidings/auth';
import { Brokers, Host, LogLevel, parseConfig, Port, TopicPrefix } from '@tidings/config';

export const OpsEnv = Type.Object({
  OPS_PORT: Port(4200),
  OPS_HOST: Host,
  KAFKA_BROKERS: Brokers,
  KAFKA_TOPIC_PREFIX: TopicPrefix,
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  /** The persister's consumer group, for lag (the prefix is added as the persister does). */
  PERSISTER_GROUP_ID: Type.String({ default: 'tidings-persister', minLength: 1 }),
  LOG_LEVEL: LogLevel,
  ...AuthEnv,
});
export type OpsConfig = Readonly<Static<typeof OpsEnv>>;

export function loadConfig(env: Record<string, string | undefined> = process.env): OpsConfig {
  return parseConfig(OpsEnv, env);
}
