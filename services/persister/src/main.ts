import { createPool } from '@tidings/db';
import { httpTimeouts, splitList } from '@tidings/config';
import { createAtomicSender, createKafka, superviseConsumer, topicNames } from '@tidings/kafka';
import { createHttpServer, createLogger, createRegistry, listeningUrl, onShutdown } from '@tidings/runtime';
import { loadConfig } from './config.js';
import { startPersister } from './consumer.js';

const config = loadConfig();
const logger = createLogger({ service: 'persister', level: config.LOG_LEVEL, node: config.PERSISTER_INSTANCE_ID });
const registry = createRegistry('persister');
const kafka = createKafka({ brokers: splitList(config.KAFKA_BROKERS), clientId: `tidings-${config.PERSISTER_INSTANCE_ID}`, logger });
const pool = createPool(config.DATABASE_URL, { applicationName: 'tidings-persister', max: config.PERSISTER_CONCURRENCY + 2, onError: (error) => logger.warn({ err: error }, 'idle postgres connection lost') });
const dlqSender = createAtomicSender({ kafka, transactionalId: `${config.KAFKA_TOPIC_PREFIX}tidings-${config.PERSISTER_INSTANCE_ID}-dlq`, logger });

let consumerReady = false;
const app = createHttpServer({
  timeouts: httpTimeouts(config),
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

const consumer = superviseConsumer({
  start: async (events) => {
    // Transactions must work before records are consumed that may need the DLQ; with
    // Kafka unreachable at start this fails like any other attempt and is retried.
    await dlqSender.connect();
    return startPersister({
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
      ...events,
    });
  },
  // ≈ 2 minutes of new consumers before the process gives up.
  delaysMs: [500, 1000, 2000, 5000, 10000, 20000, 30000, 30000, 30000],
  logger,
  onReady: (ready) => (consumerReady = ready),
  // A process with no consumer would look alive while its partitions stall:
  // exit for the supervisor; everything not yet committed is re-read.
  onGiveUp: () => process.kill(process.pid, 'SIGTERM'),
});
await consumer.started;
logger.info({ group: config.PERSISTER_GROUP_ID, url: listeningUrl(app.server.address()) }, 'persister running');

onShutdown(logger, async () => {
  // The consumer's batch in flight finishes and commits, then it leaves the group.
  await consumer.stop();
  await dlqSender.close();
  await app.close();
  await pool.end();
});
