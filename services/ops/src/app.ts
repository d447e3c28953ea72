import type { FastifyInstance } from 'fastify';
import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { TokenVerifier } from '@tidings/auth';
import type { AtomicSender, TopicNames } from '@tidings/kafka';
import { createHttpServer, registerOpenApi, type Logger, type HttpTimeouts } from '@tidings/runtime';
import { createGuard } from './guard.js';
import { createOpsMetrics } from './metrics.js';
import { createRebuildManager } from './rebuild/manager.js';
import { registerActionRoutes } from './routes-actions.js';
import { registerReadRoutes } from './routes-reads.js';

export interface OpsDeps {
  /** Slow-client bounds from the service's config (`HTTP_*_TIMEOUT_MS`); defaults otherwise. */
  httpTimeouts?: Partial<HttpTimeouts>;
  logger: Logger;
  registry: Registry;
  verify: TokenVerifier;
  pool: pg.Pool;
  kafka: Kafka;
  admin: Admin;
  /** Writes redeliver commands and dead-letter retries (its own transactional id). */
  sender: AtomicSender;
  topics: TopicNames;
  persisterGroupId: string;
  /** The stream epoch (meta.epoch): cursors of another epoch are refused. */
  epoch: string;
  /** Gateway base URLs whose feed lag `GET /v1/ops/lag` reports (optional). */
  gatewayUrls: readonly string[];
  rebuild: {
    chunk: number;
    concurrency: number;
    lockTimeoutMs: number;
    /** Prefix of the throwaway consumer groups of Kafka-source rebuilds (the topic prefix). */
    groupPrefix: string;
  };
  /** Audit rows per second for refused requests, per class of caller (OPS_AUDIT_REFUSED_PER_SEC; default 20). */
  auditRefusedPerSec?: number;
}

/**
 * The ops API (docs/contract.md §6): history, redelivery, projection rebuilds, dead
 * letters, lag and the audit log. Reads need `ops:read`, actions
 * `ops:write`; every request is audited, refused ones included (G5).
 */
export async function buildOpsApp(deps: OpsDeps): Promise<FastifyInstance> {
  const app = createHttpServer({
    timeouts: deps.httpTimeouts,
    logger: deps.logger,
    registry: deps.registry,
    readiness: {
      postgres: async () => void (await deps.pool.query('SELECT 1')),
      kafka: async () => void (await deps.admin.listTopics()),
    },
  });
  await registerOpenApi(app, {
    title: 'Tidings ops API',
    description: 'History, redelivery, projection rebuilds, dead letters, lag and the audit log, with service tokens (scopes `ops:read`, `ops:write`); every request is audited.',
  });
  const metrics = createOpsMetrics(deps.registry);
  const guard = createGuard({ verify: deps.verify, pool: deps.pool, logger: deps.logger, metrics, refusedPerSec: deps.auditRefusedPerSec ?? 20 });
  guard.auditEveryRequest(app);
  const rebuilds = createRebuildManager({
    pool: deps.pool,
    kafka: deps.kafka,
    admin: deps.admin,
    eventsTopic: deps.topics.events,
    groupPrefix: deps.rebuild.groupPrefix,
    logger: deps.logger,
    chunk: deps.rebuild.chunk,
    concurrency: deps.rebuild.concurrency,
    lockTimeoutMs: deps.rebuild.lockTimeoutMs,
    onEvents: (source, n) => metrics.rebuildEvents.inc({ source }, n),
  });
  const ctx = { deps, guard, metrics, rebuilds };
  registerReadRoutes(app, ctx);
  registerActionRoutes(app, ctx);
  // A rebuild in progress is aborted (its scratch table dropped) before the pool closes.
  app.addHook('onClose', async () => rebuilds.close());
  return app;
}

export type OpsContext = {
  deps: OpsDeps;
  guard: ReturnType<typeof createGuard>;
  metrics: ReturnType<typeof createOpsMetrics>;
  rebuilds: ReturnType<typeof createRebuildManager>;
};
