import { Registry } from 'prom-client';
import { topicNames } from '@tidings/kafka';
import { createLogger, openApiDocument, unwired } from '@tidings/runtime';
import { buildOpsApp } from './app.js';

/**
 * The document ops serves at `/openapi.json`, from an app built with no
 * Kafka, Postgres or port: routes and their schemas are all the document
 * needs (`npm run docs:openapi`).
 */
export async function buildOpenApi(): Promise<Record<string, unknown>> {
  const app = await buildOpsApp({
    logger: createLogger({ service: 'ops', level: 'silent' }),
    registry: new Registry(),
    verify: unwired('token verifier'),
    pool: unwired('Postgres pool'),
    kafka: unwired('Kafka client'),
    admin: unwired('Kafka admin'),
    sender: unwired('Kafka sender'),
    topics: topicNames(),
    persisterGroupId: 'tidings-persister',
    epoch: 'documentation',
    gatewayUrls: [],
    rebuild: { chunk: 1, concurrency: 1, lockTimeoutMs: 1, groupPrefix: '' },
  });
  try {
    return await openApiDocument(app);
  } finally {
    await app.close();
  }
}
