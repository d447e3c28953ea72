import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type pg from 'pg';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { TokenVerifier } from '@tidings/auth';
import { toMessage, type AtomicSender, type TopicNames, type WriteRequest } from '@tidings/kafka';
import { AcceptedResponse, BatchRequest, NotificationRequest, Topic, UserId, type CreatedEvent } from '@tidings/protocol';
import { ApiError, authenticate, createHttpServer, type Logger } from '@tidings/runtime';
import { Type } from '@sinclair/typebox';
import { buildEnvelopes, checkEnvelopes, recipientIssues } from './envelopes.js';
import { subscribe, subscriberPages, unsubscribe } from './subscriptions.js';
import type { IdSource } from './ids.js';

export interface IngestDeps {
  logger: Logger;
  registry: Registry;
  verify: TokenVerifier;
  /** Explicit-recipient writes, micro-batched into shared transactions. */
  sender: AtomicSender;
  /** Topic fan-outs, each one streamed into a transaction of its own. */
  fanoutSender: AtomicSender;
  pool: pg.Pool;
  topics: TopicNames;
  rateLimitPerSec: number;
}

/** 1000 recipients × the 64 KiB envelope limit bounds a single request; batches get more room. */
const SINGLE_BODY_LIMIT = 1024 * 1024;
const BATCH_BODY_LIMIT = 16 * 1024 * 1024;

function idSource(source: string, header: string | string[] | undefined): IdSource {
  const key = Array.isArray(header) ? header[0] : header;
  if (key !== undefined && (key.length === 0 || key.length > 256)) {
    throw new ApiError('TIDINGS_ERR_VALIDATION', 'Idempotency-Key must be 1..256 characters', [
      { path: '/headers/idempotency-key', message: 'must be 1..256 characters' },
    ]);
  }
  return { source, idempotencyKey: key };
}

export async function buildApp(deps: IngestDeps): Promise<FastifyInstance> {
  const app = createHttpServer({
    logger: deps.logger,
    registry: deps.registry,
    bodyLimit: BATCH_BODY_LIMIT,
    readiness: {
      postgres: async () => void (await deps.pool.query('SELECT 1')),
    },
  });
  const accepted = new Counter({ name: 'tidings_ingest_events_accepted_total', help: 'Events committed to Kafka', registers: [deps.registry] });
  const writeSeconds = new Histogram({
    name: 'tidings_ingest_kafka_write_seconds',
    help: 'Time from request validation to Kafka commit',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
    registers: [deps.registry],
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Tidings ingest API', version: '1.0.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const writeAuth = authenticate(deps.verify, 'notifications:write');
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    max: deps.rateLimitPerSec,
    timeWindow: 1000,
    keyGenerator: (req) => req.principal?.sub ?? req.ip,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: 'TIDINGS_ERR_RATE_LIMITED',
      message: `rate limit of ${ctx.max} requests per second exceeded`,
    }),
  });

  async function commit(events: CreatedEvent[]): Promise<void> {
    const end = writeSeconds.startTimer();
    await deps.sender.send([{ topic: deps.topics.events, messages: events.map((e) => toMessage(e)) }]);
    end();
    accepted.inc(events.length);
  }

  /** Topic fan-out: one transaction, one page of subscribers in memory at a time. */
  async function fanOut(req: NotificationRequest, index: number, src: IdSource, now: string): Promise<string[]> {
    const ids: string[] = [];
    async function* pages(): AsyncGenerator<WriteRequest[]> {
      for await (const userIds of subscriberPages(deps.pool, req.topic!)) {
        const events = buildEnvelopes(req, userIds, index, src, now);
        checkEnvelopes(events, '');
        for (const e of events) ids.push(e.id);
        yield [{ topic: deps.topics.events, messages: events.map((e) => toMessage(e)) }];
      }
    }
    const end = writeSeconds.startTimer();
    const n = await deps.fanoutSender.sendStream(pages());
    end();
    accepted.inc(n);
    return ids;
  }

  const limited = { rateLimit: {} };
  app.post(
    '/v1/notifications',
    {
      bodyLimit: SINGLE_BODY_LIMIT,
      preHandler: writeAuth,
      config: limited,
      schema: { body: NotificationRequest, response: { 202: AcceptedResponse }, tags: ['notifications'] },
    },
    async (request, reply) => {
      const body = request.body as NotificationRequest;
      const issues = recipientIssues(body, '');
      if (issues.length > 0) throw new ApiError('TIDINGS_ERR_VALIDATION', 'request failed validation', issues);
      const src = idSource(request.principal!.sub, request.headers['idempotency-key']);
      const now = new Date().toISOString();
      if (body.topic !== undefined) {
        return reply.code(202).send({ ids: await fanOut(body, 0, src, now) });
      }
      const events = buildEnvelopes(body, body.userId !== undefined ? [body.userId] : body.userIds!, 0, src, now);
      checkEnvelopes(events, '');
      await commit(events);
      return reply.code(202).send({ ids: events.map((e) => e.id) });
    },
  );

  app.post(
    '/v1/notifications/batch',
    {
      preHandler: writeAuth,
      config: limited,
      schema: { body: BatchRequest, response: { 202: AcceptedResponse }, tags: ['notifications'] },
    },
    async (request, reply) => {
      const { notifications } = request.body as BatchRequest;
      const issues = notifications.flatMap((n, i) => recipientIssues(n, `/notifications/${i}`));
      const topicAt = notifications.findIndex((n) => n.topic !== undefined);
      if (topicAt >= 0) issues.push({ path: `/notifications/${topicAt}/topic`, message: 'topics are not allowed in a batch; use POST /v1/notifications' });
      if (issues.length > 0) throw new ApiError('TIDINGS_ERR_VALIDATION', 'request failed validation', issues);
      const src = idSource(request.principal!.sub, request.headers['idempotency-key']);
      const now = new Date().toISOString();
      const events = notifications.flatMap((n, i) => {
        const built = buildEnvelopes(n, n.userId !== undefined ? [n.userId] : n.userIds!, i, src, now);
        checkEnvelopes(built, `/notifications/${i}`);
        return built;
      });
      await commit(events);
      return reply.code(202).send({ ids: events.map((e) => e.id) });
    },
  );

  const topicAuth = authenticate(deps.verify, 'topics:write');
  const SubscriberParams = Type.Object({ topic: Topic, userId: UserId });
  app.put(
    '/v1/topics/:topic/subscribers/:userId',
    { preHandler: topicAuth, schema: { params: SubscriberParams, tags: ['topics'] } },
    async (request, reply) => {
      const { topic, userId } = request.params as { topic: string; userId: string };
      await subscribe(deps.pool, topic, userId);
      return reply.code(204).send();
    },
  );
  app.delete(
    '/v1/topics/:topic/subscribers/:userId',
    { preHandler: topicAuth, schema: { params: SubscriberParams, tags: ['topics'] } },
    async (request, reply) => {
      const { topic, userId } = request.params as { topic: string; userId: string };
      await unsubscribe(deps.pool, topic, userId);
      return reply.code(204).send();
    },
  );
  return app;
}
