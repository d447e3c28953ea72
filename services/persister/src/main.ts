import { createPool } from '@tidings/db';
import { splitList } from '@tidings/config';
import { createAtomicSender, createKafka, topicNames } from '@tidings/kafka';
import { createHttpServer, createLogger, createRegistry, listeningUrl, onShutdown } from '@tidings/runtime';
import { loadConfig } from './config.js';
import { startPersister } from './consumer.js';

const config = loadConfig();
const logger = createLogger({ service: 'persister', level: config.LOG_LEVEL, node: config.PERSISTER_INSTANCE_ID });
const registry = createRegistry('persister');
const kafka = createKafka({ brokers: splitList(config.KAFKA_BROKERS), clientId: `tidings-${config.PERSISTER_INSTANCE_ID}`, logger });
const pool = createPool(config.DATABASE_URL, { applicationName: 'tidings-persister', max: config.PERSISTER_CONCURRENCY + 2, onError: (error) => logger.warn({ err: error }, 'idle postgres connection lost') });
const dlqSender = createAtomicSender({ kafka, transactionalId: `${config.KAFKA_TOPIC_PREFIX}tidings-${config.PERSISTER_INSTANCE_ID}-dlq`, logger });

await dlqSender.connect();
let consumerReady = false;
const app = createHttpServer({
  logger,
  registry,
  readiness: {
    postgres: async () => void (await pool.query('SELECT 1')),
    kafka: async () => {
      if (!consumerReady) throw new Error('consumer not running');
    },
  },
});
await app.listen({ port: config.PERSISTER_PORT, host: config.PERSISTER_HOST });

const consumer = await startPersister({
  kafka,
  pool,
  dlqSender,
  topics: topicNames(config.KAFKA_TOPIC_PREFIX),
  // The prefix keeps namespaces sharing a cluster out of each other's group.
  groupId: `${config.KAFKA_TOPIC_PREFIX}${config.PERSISTER_GROUP_ID}`,
  concurrency: config.PERSISTER_CONCURRENCY,
  sessionTimeoutMs: config.PERSISTER_SESSION_TIMEOUT_MS,
  logger,
  registry,
});
consumerReady = true;
consumer.on(consumer.events.CRASH, (e) => {
  consumerReady = false;
  logger.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
  // kafkajs gave up on the consumer: a process with no consumer would look
  // alive while its partitions stall. Exit so the supervisor restarts it;
  // everything not yet committed is re-read (the batch path is idempotent).
  if (!e.payload.restart) process.kill(process.pid, 'SIGTERM');
});
consumer.on(consumer.events.GROUP_JOIN, () => {
  consumerReady = true;
});
logger.info({ group: config.PERSISTER_GROUP_ID, url: listeningUrl(app.server.address()) }, 'persister running');

onShutdown(logger, async () => {
  // disconnect() lets the batch in flight finish and commit, then leaves the group.
  await consumer.disconnect();
  await dlqSender.close();
  await app.close();
  await pool.end();
});
