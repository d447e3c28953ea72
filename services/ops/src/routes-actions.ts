import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  compile,
  DeadLetterRetriedSchema,
  DeadLetterRetryAllSchema,
  RebuildStatusSchema,
  RedeliverAcceptedSchema,
  StringEnum,
  Position,
  Timestamp,
  UserId,
  type DeadLetterRetried,
  type DeadLetterRetryAll,
  type RebuildSource,
  type RebuildStatus,
  type RedeliverAccepted,
} from '@tidings/protocol';
import { ApiError } from '@tidings/runtime';
import type { OpsContext } from './app.js';
import { retryAllDeadLetters, retryDeadLetter } from './dlq.js';
import { requestRedeliver } from './redeliver.js';

const RedeliverBody = Type.Object(
  { userId: UserId, fromCursor: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })), fromTime: Type.Optional(Timestamp) },
  { additionalProperties: false },
);
const RebuildBody = Type.Object({ source: StringEnum(['kafka', 'mirror'] as const) }, { additionalProperties: false });
/** The retry body is optional as a whole, so it is checked in the handler (Fastify would refuse an absent body). */
const checkRetryBody = compile(Type.Object({ value: Type.Optional(Type.Unknown()) }, { additionalProperties: false }));

/**
 * POST routes: scope `ops:write`, each audited with its parameters and
 * outcome. As for the reads, `guard.run` names the protocol type of the
 * answer and the 202 schema is that type's, so no field is dropped.
 */
export function registerActionRoutes(app: FastifyInstance, { deps, guard, metrics, rebuilds }: OpsContext): void {
  const redeliverSchema = { summary: "Push a user's events again to their live sockets, from a cursor or a time", tags: ['redeliver'], body: RedeliverBody, response: { 202: RedeliverAcceptedSchema } };
  app.post('/v1/ops/redeliver', { onRequest: guard.require('ops:write', 'redeliver'), schema: redeliverSchema }, async (req, reply) => {
    const body = req.body as { userId: string; fromCursor?: string; fromTime?: string };
    const r = await guard.run<RedeliverAccepted>(req, 'redeliver', body, () => requestRedeliver(deps.sender, deps.topics.control, deps.epoch, body), (x) => x);
    return reply.code(202).send(r);
  });

  const rebuildSchema = { summary: 'Rebuild the projections into fresh tables and swap them in; 202 with the job, then poll it', tags: ['rebuild'], body: RebuildBody, response: { 202: RebuildStatusSchema } };
  app.post('/v1/ops/rebuild', { onRequest: guard.require('ops:write', 'rebuild'), schema: rebuildSchema }, async (req, reply) => {
    const { source } = req.body as { source: RebuildSource };
    const actor = req.principal!.sub;
    // The outcome gets its own audit row when the job ends, minutes after this request.
    const onFinished = (s: RebuildStatus) => {
      metrics.rebuildRate.set(s.eventsPerSec);
      void guard
        .record(actor, 'rebuild.finished', { id: s.id, source }, s.state === 'done', {
          state: s.state,
          events: s.events,
          eventsPerSec: s.eventsPerSec,
          phases: s.phases,
          error: s.error,
        })
        .catch((err: unknown) => deps.logger.error({ err, rebuild: s.id }, 'could not audit the end of a rebuild'));
    };
    const status = await guard.run<RebuildStatus>(req, 'rebuild', { source }, () => rebuilds.start(source, actor, onFinished), (s) => ({ id: s.id }));
    return reply.code(202).header('location', `/v1/ops/rebuild/${status.id}`).send(status);
  });

  app.post(
    '/v1/ops/dlq/:id/retry',
    {
      onRequest: guard.require('ops:write', 'dlq.retry'),
      schema: {
        summary: 'Send a dead letter to the events topic again, optionally corrected (body `{"value": …}`)',
        tags: ['dlq'],
        params: Type.Object({ id: Position }),
        response: { 202: DeadLetterRetriedSchema },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const checked = checkRetryBody(req.body ?? {});
      if (!checked.ok) throw new ApiError('TIDINGS_ERR_VALIDATION', 'request failed validation', checked.issues);
      const value = checked.value.value;
      const r = await guard.run<DeadLetterRetried>(
        req,
        'dlq.retry',
        { id, corrected: value !== undefined },
        async () => {
          const out = await retryDeadLetter(deps.pool, deps.sender, deps.topics.events, id, value);
          metrics.dlqRetried.inc();
          return out;
        },
        (x) => x,
      );
      return reply.code(202).send(r);
    },
  );

  const retryAllSchema = { summary: 'Send every pending dead letter that now validates to the events topic again', tags: ['dlq'], response: { 202: DeadLetterRetryAllSchema } };
  app.post('/v1/ops/dlq/retry-all', { onRequest: guard.require('ops:write', 'dlq.retry-all'), schema: retryAllSchema }, async (req, reply) => {
    const r = await guard.run<DeadLetterRetryAll>(
      req,
      'dlq.retry-all',
      {},
      async () => {
        const out = await retryAllDeadLetters(deps.pool, deps.sender, deps.topics.events);
        metrics.dlqRetried.inc(out.retried);
        return out;
      },
      (x) => ({ retried: x.retried, skipped: x.skippedCount }),
    );
    return reply.code(202).send(r);
  });
}
