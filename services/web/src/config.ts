import { Type, type Static } from '@sinclair/typebox';
import { ConfigError, Host, HttpTimeoutsEnv, LogLevel, parseConfig, Port, splitList } from '@tidings/config';

export const WebEnv = Type.Object({
  WEB_PORT: Port(4500),
  WEB_HOST: Host,
  LOG_LEVEL: LogLevel,
  ...HttpTimeoutsEnv,
  /** Comma-separated gateway base URLs (`http://127.0.0.1:4100,…`), handed to the page and used by the inbox proxy. */
  WEB_GATEWAY_URLS: Type.String({ pattern: '^https?://[^,\\s]+(,https?://[^,\\s]+)*$' }),
  /** Ingest base URL, for the page's "send a test notification" button (development only). */
  WEB_INGEST_URL: Type.String({ pattern: '^https?://' }),
  /**
   * Development only: serve `POST /dev/token` (mints a user token for any
   * userId) and `POST /dev/notify` (sends a test notification with a service
   * token). Never set in production: anyone reaching the page could act as any user.
   */
  WEB_DEV_TOKENS: Type.Boolean({ default: false }),
  /** Lifetime of development user tokens, seconds. */
  WEB_DEV_TOKEN_TTL_SEC: Type.Integer({ minimum: 2, maximum: 86400, default: 3600 }),
  /** Development signing secret (the stack's AUTH_HS256_SECRET); required with WEB_DEV_TOKENS. */
  AUTH_HS256_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  AUTH_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  AUTH_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
});
export type WebConfig = Readonly<Static<typeof WebEnv>> & { gatewayUrls: readonly string[] };

export function loadConfig(env: Record<string, string | undefined> = process.env): WebConfig {
  const c = parseConfig(WebEnv, env);
  if (c.WEB_DEV_TOKENS && !c.AUTH_HS256_SECRET) {
    throw new ConfigError('invalid configuration: AUTH_HS256_SECRET is required when WEB_DEV_TOKENS=true', ['AUTH_HS256_SECRET']);
  }
  return Object.freeze({ ...c, gatewayUrls: splitList(c.WEB_GATEWAY_URLS).map((u) => u.replace(/\/+$/, '')) });
}
