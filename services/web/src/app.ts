import { stat } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { createHttpServer, type Logger, type HttpTimeouts } from '@tidings/runtime';
import { BUNDLE_NAME, SOURCE_FILES } from './bundle.js';
import { registerDevRoutes } from './dev.js';
import { registerGatewayProxy } from './proxy.js';
import { registerStatic } from './static.js';

export interface WebAppDeps {
  /** Slow-client bounds from the service's config (`HTTP_*_TIMEOUT_MS`); defaults otherwise. */
  httpTimeouts?: Partial<HttpTimeouts>;
  logger: Logger;
  registry: Registry;
  publicDir: string;
  gatewayUrls: readonly string[];
  ingestUrl: string;
  dev: { enabled: boolean; secret: string | undefined; issuer: string | undefined; audience: string | undefined; userTokenTtlSec: number };
}

export const PAGE_FILES = [...SOURCE_FILES, BUNDLE_NAME, `${BUNDLE_NAME}.map`] as const;

export async function buildWebApp(deps: WebAppDeps): Promise<FastifyInstance> {
  const bundlePath = `${deps.publicDir}/${BUNDLE_NAME}`;
  const app = createHttpServer({
    timeouts: deps.httpTimeouts,
    logger: deps.logger,
    registry: deps.registry,
    bodyLimit: 16 * 1024,
    readiness: {
      bundle: async () => void (await stat(bundlePath)),
    },
  });
  const registers = [deps.registry];
  const tokensMinted = new Counter({ name: 'tidings_web_dev_tokens_total', help: 'Development tokens minted', labelNames: ['kind'], registers });
  const proxied = new Counter({ name: 'tidings_web_gateway_proxy_requests_total', help: 'Inbox reads proxied to a gateway', labelNames: ['outcome'], registers });

  await registerStatic(app, deps.publicDir, PAGE_FILES);
  app.get('/config.json', async () => ({
    gatewayUrls: deps.gatewayUrls,
    apiUrl: '/gateway',
    devTokens: deps.dev.enabled,
  }));
  registerDevRoutes(app, { ...deps.dev, ingestUrl: deps.ingestUrl, tokensMinted });
  registerGatewayProxy(app, deps.gatewayUrls, proxied);
  return app;
}
