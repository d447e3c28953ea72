import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Counter, Histogram } from 'prom-client';
import { buildEnvelopes, checkEnvelopes, recipientIssues, type IdSource } from '@tidings/producer';
import { toMessage, type WriteRequest } from '@tidings/kafka';
import { AcceptedResponse, BatchRequest, ErrorBodySchema, NotificationRequest, type CreatedEvent } from '@tidings/protocol';
import { ApiError, authenticate } from '@tidings/runtime';
import type { IngestDeps } from './app.js';
import { claimIdempotencyKey, requestFingerprint } from './idempotency.js';
import { SINGLE_BODY_LIMIT } from './limits.js';
import { subscriberPages } from './subscriptions.js';

function idSource(source: string, header: string | string[] | undefined): IdSource {
  const key = Array.isArray(header) ? header[0] : header;
  if (key !== undefined && (key.length === 0 || key.length > 256)) {
    throw new ApiError('TIDINGS_ERR_VALIDATION', 'Idempotency-Key must be 1..256 characters', [
      { path: '/headers/idempotency-key', message: 'must be 1..256 characters' },
    ]);
  }
  return { source, idempotencyKey: key };
}

/**
 * Documents the `Idempotency-Key` header. Only an optional string: every
 * header value is one, so this never refuses a request; the 1..256 length
 * is checked by idSource, which keeps its own error message and path.
 */
const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      description:
        '1..256 characters, scoped to the producer: the ids the server assigns are derived from it, so a retry of the same request with the same key gets the same ids and no duplicates. The same key with a different request is refused (422) for the key retention (24 h by default).',
    }),
  ),
});

/** The 422 answer, documented on the routes that take an `Idempotency-Key`. */
const IdempotencyMismatch = Type.Object(ErrorBodySchema.properties, {
  additionalProperties: false,
  description: 'TIDINGS_ERR_IDEMPOTENCY_MISMATCH: the Idempotency-Key was already used by this producer for a different request; nothing was sent',
});

/** Builds and checks one notification's envelopes; size problems are 413, anything else 400. */
function envelopesFor(req: NotificationRequest, userIds: readonly string[], index: number, src: IdSource, now: string, path: string): CreatedEvent[] {
  const events = buildEnvelopes(req, userIds, index, src, now);
  const checked = checkEnvelopes(events, path);
  if (!checked.ok) {
    throw checked.tooLarge
      ? new ApiError('TIDINGS_ERR_TOO_LARGE', 'notification is too large', checked.issues)
      : new ApiError('TIDINGS_ERR_VALIDATION', 'request failed validation', checked.issues);
  }
  return events;
}

/** `POST /v1/notifications` and `POST /v1/notifications/batch`. */
export function registerNotificationRoutes(app: FastifyInstance, deps: IngestDeps): void {
  const accepted = new Counter({ name: 'tidings_ingest_events_accepted_total', help: 'Events committed to Kafka', registers: [deps.registry] });
  const writeSeconds = new Histogram({
    name: 'tidings_ingest_kafka_write_seconds',
    help: 'Time from request validation to Kafka commit',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
    registers: [deps.registry],
  });

  async function commit(events: CreatedEvent[]): Promise<void> {
    const end = writeSeconds.startTimer();
    await deps.sender.send([{ topic: deps.topics.events, messages: events.map((e) => toMessage(e)) }]);
    end();
    accepted.inc(events.length);
  }

  /** Topic fan-out to the subscribers of the producer's own topic: one transaction, one page of them in memory at a time. */
  async function fanOut(req: NotificationRequest, src: IdSource, now: string): Promise<string[]> {
    const ids: string[] = [];
    async function* pages(): AsyncGenerator<WriteRequest[]> {
      for await (const userIds of subscriberPages(deps.pool, src.source, req.topic!, deps.fanoutPageSize)) {
        const events = envelopesFor(req, userIds, 0, src, now, '');
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

  /** Refuses a key this producer already used for another request; a request without a key costs nothing here. */
  async function checkKey(src: IdSource, route: string, body: unknown): Promise<void> {
    if (src.idempotencyKey === undefined) return;
    await claimIdempotencyKey(deps.pool, src.source, src.idempotencyKey, requestFingerprint('POST', route, body), deps.idempotencyRetentionSec);
  }

  const writeAuth = authenticate(deps.verify, 'notifications:write');
  const limited = { rateLimit: {} };
  app.post(
    '/v1/notifications',
    {
      bodyLimit: SINGLE_BODY_LIMIT,
      onRequest: writeAuth,
      config: limited,
      schema: {
        summary: 'Send one notification to a user, up to 1000 users or a topic; 202 once durable in Kafka',
        body: NotificationRequest,
        headers: IdempotencyHeaders,
        response: { 202: AcceptedResponse, 422: IdempotencyMismatch },
        tags: ['notifications'],
      },
    },
    async (request, reply) => {
      const body = request.body as NotificationRequest;
      const issues = recipientIssues(body, '');
      if (issues.length > 0) throw new ApiError('TIDINGS_ERR_VALIDATION', 'request failed validation', issues);
      const src = idSource(request.principal!.sub, request.headers['idempotency-key']);
      const now = new Date().toISOString();
      if (body.topic !== undefined) {
        await checkKey(src, '/v1/notifications', body);
        return reply.code(202).send({ ids: await fanOut(body, src, now) });
      }
      const events = envelopesFor(body, body.userId !== undefined ? [body.userId] : body.userIds!, 0, src, now, '');
      await checkKey(src, '/v1/notifications', body);
      await commit(events);
      return reply.code(202).send({ ids: events.map((e) => e.id) });
    },
  );

  app.post(
    '/v1/notifications/batch',
    {
      onRequest: writeAuth,
      config: limited,
      schema: {
        summary: 'Send up to 1000 notifications, all or none; 202 once durable in Kafka',
        body: BatchRequest,
        headers: IdempotencyHeaders,
        response: { 202: AcceptedResponse, 422: IdempotencyMismatch },
        tags: ['notifications'],
      },
    },
    async (request, reply) => {
      const { notifications } = request.body as BatchRequest;
      const issues = notifications.flatMap((n, i) => recipientIssues(n, `/notifications/${i}`));
      notifications.forEach((n, i) => {
        if (n.topic !== undefined) issues.push({ path: `/notifications/${i}/topic`, message: 'topics are not allowed in a batch; use POST /v1/notifications' });
      });
      if (issues.length > 0) throw new ApiError('TIDINGS_ERR_VALIDATION', 'request failed validation', issues);
      const src = idSource(request.principal!.sub, request.headers['idempotency-key']);
      const now = new Date().toISOString();
      const events = notifications.flatMap((n, i) =>
        envelopesFor(n, n.userId !== undefined ? [n.userId] : n.userIds!, i, src, now, `/notifications/${i}`),
      );
      await checkKey(src, '/v1/notifications/batch', request.body);
      await commit(events);
      return reply.code(202).send({ ids: events.map((e) => e.id) });
    },
  );
}
