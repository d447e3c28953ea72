import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { createVerifier } from '@tidings/auth';
import { createAtomicSender, createKafka, type AtomicSender } from '@tidings/kafka';
import { createLogger, createRegistry } from '@tidings/runtime';
import { TEST_AUDIENCE, TEST_ISSUER, type Namespace } from '@tidings/testkit';
import { buildApp } from '../app.js';

/** An ingest app in-process on a namespace: real Kafka transactions, real Postgres, no HTTP port (inject). */
export interface IngestHarness {
  app: FastifyInstance;
  pool: pg.Pool;
  close(): Promise<void>;
}

export async function startIngestApp(
  ns: Namespace,
  authSecret: string,
  opts: { rateLimitPerSec?: number; sendTimeoutMs?: number; fanoutPageSize?: number; label?: string; idempotencyRetentionSec?: number } = {},
): Promise<IngestHarness> {
  const logger = createLogger({ service: 'ingest-test', level: 'error' });
  const kafka = createKafka({ brokers: ns.brokers.split(','), clientId: `ingest-test-${ns.id}`, logger });
  const label = opts.label ?? 'a';
  const sender = (suffix: string): AtomicSender =>
    createAtomicSender({ kafka, transactionalId: `${ns.topicPrefix}ingest-test-${label}${suffix}`, sendTimeoutMs: opts.sendTimeoutMs ?? 5000, logger });
  const [main, fanout] = [sender(''), sender('-fanout')];
  await Promise.all([main.connect(), fanout.connect()]);
  const pool = new pg.Pool({ connectionString: ns.databaseUrl, max: 4 });
  const app = await buildApp({
    logger,
    registry: createRegistry('ingest'),
    verify: await createVerifier({ hs256Secret: authSecret, algorithms: ['HS256'], issuer: TEST_ISSUER, audience: TEST_AUDIENCE }),
    sender: main,
    fanoutSender: fanout,
    pool,
    topics: ns.topics,
    rateLimitPerSec: opts.rateLimitPerSec ?? 100000,
    idempotencyRetentionSec: opts.idempotencyRetentionSec ?? 86400,
    ...(opts.fanoutPageSize ? { fanoutPageSize: opts.fanoutPageSize } : {}),
  });
  await app.ready();
  return {
    app,
    pool,
    async close() {
      await app.close();
      await Promise.all([main.close(), fanout.close()]);
      await pool.end();
    },
  };
}
