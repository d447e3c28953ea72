import { Registry } from 'prom-client';
import { createLogger, openApiDocument, unwired } from '@tidings/runtime';
import { buildGatewayApp } from './app.js';
import { originPolicy } from './origins.js';

/**
 * The document a gateway node serves at `/openapi.json`, from an app built
 * with no Kafka, Postgres, sockets or port: routes and their schemas are all
 * the document needs (`npm run docs:openapi`).
 */
export async function buildOpenApi(): Promise<Record<string, unknown>> {
  const app = await buildGatewayApp({
    logger: createLogger({ service: 'gateway', level: 'silent' }),
    registry: new Registry(),
    verify: unwired('token verifier'),
    pool: unwired('Postgres pool'),
    state: unwired('state requests'),
    reads: unwired('read budget'),
    node: unwired('gateway node'),
    epoch: 'documentation',
    partitionOf: unwired('partitioner'),
    maxFrameBytes: 64 * 1024,
    maxConnections: 1,
    origins: originPolicy(''),
    readiness: {},
  });
  try {
    return await openApiDocument(app);
  } finally {
    await app.close();
  }
}
