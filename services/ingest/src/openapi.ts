import { Registry } from 'prom-client';
import { topicNames } from '@tidings/kafka';
import { createLogger, openApiDocument, unwired } from '@tidings/runtime';
import { buildApp } from './app.js';

/**
 * The document ingest serves at `/openapi.json`, from an app built with no
 * Kafka, Postgres or port: routes and their schemas are all the document
 * needs (`npm run docs:openapi`).
 */
export async function buildOpenApi(): Promise<Record<string, unknown>> {
  const app = await buildApp({
    logger: createLogger({ service: 'ingest', level: 'silent' }),
    registry: new Registry(),
    verify: unwired('token verifier'),
    sender: unwired('Kafka sender'),
    fanoutSender: unwired('Kafka fan-out sender'),
    pool: unwired('Postgres pool'),
    topics: topicNames(),
    rateLimitPerSec: 1,
    idempotencyRetentionSec: 60,
  });
  try {
    return await openApiDocument(app);
  } finally {
    await app.close();
  }
}
