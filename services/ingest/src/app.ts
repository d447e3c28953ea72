import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { TokenVerifier } from '@tidings/auth';
import type { AtomicSender, TopicNames } from '@tidings/kafka';
import { ApiError, createHttpServer, registerOpenApi, type Logger, type HttpTimeouts } from '@tidings/runtime';
import { BATCH_BODY_LIMIT } from './limits.js';
import { registerNotificationRoutes } from './notifications.js';
import { registerTopicRoutes } from './topics.js';

export interface IngestDeps {
  /** Slow-client bounds from the service's config (`HTTP_*_TIMEOUT_MS`); defaults otherwise. */
  httpTimeouts?: Partial<HttpTimeouts>;
  logger: Logger;
  registry: Registry;
  verify: TokenVerifier;
  /** Explicit-recipient writes, micro-batched into shared transactions. */
  sender: AtomicSender;
  /** Topic fan-outs, each one streamed into a transaction of its own. */
  fanoutSender: AtomicSender;
  pool: pg.Pool;
  topics: TopicNames;
  /** Requests per second per producing service (token `sub`). */
  rateLimitPerSec: number;
  /** How long an `Idempotency-Key` and its request's fingerprint are remembered, in seconds. */
  idempotencyRetentionSec: number;
  /** Subscribers read (and sent) per fan-out page; default 1000. */
  fanoutPageSize?: number;
}

/**
 * The producer API (docs/contract.md §6). Per request, in order: auth (onRequest, so an
 * unauthenticated caller never gets its body parsed or validated), the
 * per-service rate limit (keyed by the verified `sub`), body parsing within
 * the route's limit, schema validation, then the handler, which answers
 * 202 only after the Kafka transaction holding the request committed.
 */
export async function buildApp(deps: IngestDeps): Promise<FastifyInstance> {
  const app = createHttpServer({
    timeouts: deps.httpTimeouts,
    logger: deps.logger,
    registry: deps.registry,
    bodyLimit: BATCH_BODY_LIMIT,
    // Thousands of requests per second: successes are logged at debug, errors still at info.
    successLogLevel: 'debug',
    readiness: {
      postgres: async () => void (await deps.pool.query('SELECT 1')),
    },
  });

  await registerOpenApi(app, {
    title: 'Tidings ingest API',
    description: 'Producers send notifications and manage topic subscriptions, with service tokens (scopes `notifications:write`, `topics:write`).',
  });

  // Every producer route is budgeted, including ones registered without a
  // rate-limit config of their own (the topic routes had none): a route under
  // /v1/ without one gets the per-service default. Runs before the plugin's
  // own onRoute hook, which reads that config.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/v1/') && route.config?.rateLimit === undefined) route.config = { ...route.config, rateLimit: {} };
  });
  await app.register(rateLimit, {
    global: false,
    // Route onRequest hooks run in order: the route's auth first, then this.
    hook: 'onRequest',
    max: deps.rateLimitPerSec,
    timeWindow: 1000,
    keyGenerator: (req) => req.principal?.sub ?? req.ip,
    // Thrown into our error handler, which keeps the stable code (the plugin has already set retry-after).
    errorResponseBuilder: (_req, ctx) => new ApiError('TIDINGS_ERR_RATE_LIMITED', `rate limit of ${ctx.max} requests per second exceeded`),
  });

  registerNotificationRoutes(app, deps);
  registerTopicRoutes(app, deps);
  return app;
}
