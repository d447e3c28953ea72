import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  AuditPageSchema,
  DeadLetterPageSchema,
  HistoryPageSchema,
  LagReportSchema,
  RebuildListSchema,
  RebuildStatusSchema,
  Position,
  UserId,
  type AuditPage,
  type DeadLetterPage,
  type HistoryPage,
  type LagReport,
  type RebuildList,
  type RebuildStatus,
} from '@tidings/protocol';
import { ApiError } from '@tidings/runtime';
import type { OpsContext } from './app.js';
import { listAudit } from './audit.js';
import { listDeadLetters } from './dlq.js';
import { parseBound, userHistory } from './history.js';
import { partitionLag } from './lag.js';

const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 }));
const Decimal = Position;
export const RebuildId = Type.String({ pattern: '^[0-9a-f]{12}$' });

/**
 * GET routes: scope `ops:read`, each audited. Each `guard.run` names the
 * protocol type its answer has, and the route's response schema is that
 * type's schema (tied to it at compile time): the schema drives the
 * serialisation, so a field it lacked would be dropped from the answer.
 */
export function registerReadRoutes(app: FastifyInstance, { deps, guard, rebuilds }: OpsContext): void {
  app.get(
    '/v1/ops/users/:userId/events',
    {
      onRequest: guard.require('ops:read', 'history'),
      schema: {
        summary: "A user's events from the log mirror, in log order, between two cursors or times",
        tags: ['history'],
        params: Type.Object({ userId: UserId }),
        querystring: Type.Object(
          { from: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })), to: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })), limit: Limit },
          { additionalProperties: false },
        ),
        response: { 200: HistoryPageSchema },
      },
    },
    async (req) => {
      const { userId } = req.params as { userId: string };
      const q = req.query as { from?: string; to?: string; limit?: number };
      return guard.run<HistoryPage>(
        req,
        'history',
        { userId, ...q },
        async () =>
          userHistory(deps.pool, deps.epoch, {
            userId,
            from: q.from !== undefined ? parseBound(q.from, deps.epoch, 'from') : undefined,
            to: q.to !== undefined ? parseBound(q.to, deps.epoch, 'to') : undefined,
            limit: q.limit ?? 100,
          }),
        (r) => ({ events: r.events.length }),
      );
    },
  );

  const lagSchema = { summary: "Per partition: Kafka's log end, the persister's committed offset, the Postgres watermark and each configured gateway's feed lag", tags: ['lag'], response: { 200: LagReportSchema } };
  app.get('/v1/ops/lag', { onRequest: guard.require('ops:read', 'lag'), schema: lagSchema }, async (req) =>
    guard.run<LagReport>(req, 'lag', {}, async () => ({
      partitions: await partitionLag(deps.admin, deps.pool, deps.topics.events, deps.persisterGroupId, deps.gatewayUrls),
    })),
  );

  app.get(
    '/v1/ops/dlq',
    {
      onRequest: guard.require('ops:read', 'dlq.list'),
      schema: {
        summary: 'Dead letters: records a consumer could not validate',
        tags: ['dlq'],
        querystring: Type.Object({ limit: Limit, after: Type.Optional(Decimal), pending: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: DeadLetterPageSchema },
      },
    },
    async (req) => {
      const q = req.query as { limit?: number; after?: string; pending?: boolean };
      return guard.run<DeadLetterPage>(req, 'dlq.list', q, () => listDeadLetters(deps.pool, { ...q, limit: q.limit ?? 100 }), (r) => ({ letters: r.letters.length, pending: r.pending }));
    },
  );

  app.get(
    '/v1/ops/audit',
    {
      onRequest: guard.require('ops:read', 'audit.list'),
      schema: {
        summary: 'The audit log, newest first',
        tags: ['audit'],
        querystring: Type.Object(
          { limit: Limit, before: Type.Optional(Decimal), action: Type.Optional(Type.String({ maxLength: 64 })), actor: Type.Optional(Type.String({ maxLength: 256 })) },
          { additionalProperties: false },
        ),
        response: { 200: AuditPageSchema },
      },
    },
    async (req) => {
      const q = req.query as { limit?: number; before?: string; action?: string; actor?: string };
      return guard.run<AuditPage>(req, 'audit.list', q, () => listAudit(deps.pool, { ...q, limit: q.limit ?? 50 }), (r) => ({ entries: r.entries.length }));
    },
  );

  const listSchema = { summary: 'Rebuilds this ops process ran or runs', tags: ['rebuild'], response: { 200: RebuildListSchema } };
  app.get('/v1/ops/rebuild', { onRequest: guard.require('ops:read', 'rebuild.list'), schema: listSchema }, async (req) =>
    guard.run<RebuildList>(req, 'rebuild.list', {}, async () => ({ rebuilds: rebuilds.list() }), (r) => ({ rebuilds: r.rebuilds.length })),
  );

  app.get(
    '/v1/ops/rebuild/:id',
    {
      onRequest: guard.require('ops:read', 'rebuild.status'),
      schema: { summary: "A rebuild's progress", tags: ['rebuild'], params: Type.Object({ id: RebuildId }), response: { 200: RebuildStatusSchema } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      return guard.run<RebuildStatus>(
        req,
        'rebuild.status',
        { id },
        async () => {
          const status = rebuilds.get(id);
          if (!status) throw new ApiError('TIDINGS_ERR_NOT_FOUND', `no rebuild ${id} on this ops process (finished ones are in the audit log)`);
          return status;
        },
        (s) => ({ state: s.state, events: s.events }),
      );
    },
  );
}
