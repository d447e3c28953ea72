import { httpTimeouts } from '@tidings/config';
import { createLogger, createRegistry, listeningUrl, onShutdown } from '@tidings/runtime';
import { buildWebApp } from './app.js';
import { buildBundle, PUBLIC_DIR } from './bundle.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const logger = createLogger({ service: 'web', level: config.LOG_LEVEL });
const bundle = await buildBundle(PUBLIC_DIR);
logger.info({ file: bundle.file, bytes: bundle.bytes }, 'client bundle built');
if (config.WEB_DEV_TOKENS) logger.warn('development endpoints are on: /dev/token mints tokens for any user (never in production)');

const app = await buildWebApp({
  httpTimeouts: httpTimeouts(config),
  logger,
  registry: createRegistry('web'),
  publicDir: PUBLIC_DIR,
  gatewayUrls: config.gatewayUrls,
  ingestUrl: config.WEB_INGEST_URL.replace(/\/+$/, ''),
  dev: {
    enabled: config.WEB_DEV_TOKENS,
    secret: config.AUTH_HS256_SECRET,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    userTokenTtlSec: config.WEB_DEV_TOKEN_TTL_SEC,
  },
});
onShutdown(logger, async () => {
  await app.close();
});
await app.listen({ port: config.WEB_PORT, host: config.WEB_HOST });
logger.info({ url: listeningUrl(app.server.address()), gateways: config.gatewayUrls }, 'web listening');
