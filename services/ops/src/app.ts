import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Admin } from 'kafkajs';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { TokenVerifier } from '@tidings/auth';
import type { TopicNames } from '@tidings/kafka';
import { UserId } from '@tidings/protocol';
import { authenticate, createHttpServer, type Logger } from '@tidings/runtime';
import { audit } from './audit.js';
import { userHistory } from './history.js';
import { partitionLag } from './lag.js';

export interface OpsDeps {
  logger: Logger;
  registry: Registry;
  verify: TokenVerifier;
  pool: pg.Pool;
  admin: Admin;
  topics: TopicNames;
  persisterGroupId: string;
}

const HistoryQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    after: Type.Optional(Type.String({ pattern: '^\\d{1,19}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

export async function buildOpsApp(deps: OpsDeps): Promise<FastifyInstance> {
  const app = createHttpServer({
    logger: deps.logger,
    registry: deps.registry,
    readiness: {
      postgres: async () => void (await deps.pool.query('SELECT 1')),
      kafka: async () => void (await deps.admin.listTopics()),
    },
  });
  const read = authenticate(deps.verify, 'ops:read');

  /** Runs an ops action and audits it, whether it succeeds or fails. */
  async function audited<T>(req: FastifyRequest, action: string, params: unknown, run: () => Promise<T>, summary: (r: T) => unknown): Promise<T> {
    const actor = req.principal!.sub;
    try {
      const result = await run();
      await audit(deps.pool, deps.logger, { actor, action, params, ok: true, result: summary(result) });
      return result;
    } catch (error) {
      await audit(deps.pool, deps.logger, { actor, action, params, ok: false, result: { error: (error as Error).message } });
      throw error;
    }
  }

  app.get(
    '/v1/ops/users/:userId/events',
    { preHandler: read, schema: { params: Type.Object({ userId: UserId }), querystring: HistoryQuery } },
    async (req) => {
      const { userId } = req.params as { userId: string };
      const q = req.query as { from?: string; to?: string; after?: string; limit?: number };
      const params = { userId, ...q };
      return audited(req, 'history', params, () => userHistory(deps.pool, { userId, ...q, limit: q.limit ?? 100 }), (r) => ({ events: r.events.length }));
    },
  );

  app.get('/v1/ops/lag', { preHandler: read }, async (req) =>
    audited(req, 'lag', {}, async () => ({ partitions: await partitionLag(deps.admin, deps.pool, deps.topics.events, deps.persisterGroupId) }), () => undefined),
  );
  return app;
}
