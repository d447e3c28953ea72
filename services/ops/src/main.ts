import { createVerifier, verifierOptionsFrom } from '@tidings/auth';
import { httpTimeouts, splitList } from '@tidings/config';
import { createPool, readEpoch } from '@tidings/db';
import { createAtomicSender, createKafka, topicNames } from '@tidings/kafka';
import { createLogger, createRegistry, listeningUrl, onShutdown } from '@tidings/runtime';
import { buildOpsApp } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const logger = createLogger({ service: 'ops', level: config.LOG_LEVEL, node: config.OPS_INSTANCE_ID });
const kafka = createKafka({ brokers: splitList(config.KAFKA_BROKERS), clientId: `tidings-${config.OPS_INSTANCE_ID}`, logger });
const admin = kafka.admin();
await admin.connect();
const sender = createAtomicSender({ kafka, transactionalId: `${config.KAFKA_TOPIC_PREFIX}tidings-${config.OPS_INSTANCE_ID}`, logger });
// Ready only once Kafka transactions work (redeliver and DLQ retries write through them).
await sender.connect();
// A rebuild holds one connection for its lock plus OPS_REBUILD_CONCURRENCY loaders; requests need the rest.
const pool = createPool(config.DATABASE_URL, { applicationName: 'tidings-ops', max: 6 + config.OPS_REBUILD_CONCURRENCY, onError: (error) => logger.warn({ err: error }, 'idle postgres connection lost') });
const app = await buildOpsApp({
  httpTimeouts: httpTimeouts(config),
  logger,
  registry: createRegistry('ops'),
  verify: await createVerifier(verifierOptionsFrom(config)),
  pool,
  kafka,
  admin,
  sender,
  topics: topicNames(config.KAFKA_TOPIC_PREFIX),
  persisterGroupId: `${config.KAFKA_TOPIC_PREFIX}${config.PERSISTER_GROUP_ID}`,
  epoch: await readEpoch(pool),
  gatewayUrls: splitList(config.OPS_GATEWAY_URLS),
  rebuild: {
    chunk: config.OPS_REBUILD_CHUNK,
    concurrency: config.OPS_REBUILD_CONCURRENCY,
    lockTimeoutMs: config.OPS_REBUILD_LOCK_TIMEOUT_MS,
    groupPrefix: config.KAFKA_TOPIC_PREFIX,
  },
  auditRefusedPerSec: config.OPS_AUDIT_REFUSED_PER_SEC,
});
await app.listen({ port: config.OPS_PORT, host: config.OPS_HOST });
logger.info({ url: listeningUrl(app.server.address()) }, 'ops listening');

onShutdown(logger, async () => {
  // Closing the app aborts a running rebuild (nothing swapped, scratch table dropped).
  await app.close();
  await sender.close();
  await admin.disconnect();
  await pool.end();
});
