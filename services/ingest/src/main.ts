import { createPool } from '@tidings/db';
import { cachingVerifier, createVerifier, verifierOptionsFrom } from '@tidings/auth';
import { httpTimeouts, splitList } from '@tidings/config';
import { createAtomicSender, createKafka, topicNames } from '@tidings/kafka';
import { createLogger, createRegistry, listeningUrl, onShutdown } from '@tidings/runtime';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { expireIdempotencyKeys } from './idempotency.js';
import { createSenderPool } from './sender-pool.js';


const config = loadConfig();
const logger = createLogger({ service: 'ingest', level: config.LOG_LEVEL, node: config.INGEST_INSTANCE_ID });
const kafka = createKafka({ brokers: splitList(config.KAFKA_BROKERS), clientId: `tidings-${config.INGEST_INSTANCE_ID}`, logger });
const senderOptions = { kafka, lingerMs: config.INGEST_LINGER_MS, sendTimeoutMs: config.INGEST_SEND_TIMEOUT_MS, logger };
// Transactional ids are stable per slot, so a restarted ingest fences (and aborts) its predecessor's open transactions.
const sender = createSenderPool(
  Array.from({ length: config.INGEST_SENDERS }, (_, i) =>
    createAtomicSender({ ...senderOptions, transactionalId: `${config.KAFKA_TOPIC_PREFIX}tidings-${config.INGEST_INSTANCE_ID}${i === 0 ? '' : `-${i}`}` }),
  ),
);
// A 100,000-subscriber fan-out is one transaction that can outlast the default 10 s broker-side
// timeout on a busy machine; a crashed ingest's open fan-out is still aborted at once on restart (fencing).
const fanoutSender = createAtomicSender({
  ...senderOptions,
  transactionalId: `${config.KAFKA_TOPIC_PREFIX}tidings-${config.INGEST_INSTANCE_ID}-fanout`,
  transactionTimeoutMs: 60_000,
});
// Ready only once Kafka transactions work: the first InitProducerId can wait for the coordinator.
await Promise.all([sender.connect(), fanoutSender.connect()]);
const pool = createPool(config.DATABASE_URL, { applicationName: 'tidings-ingest', max: 10, onError: (error) => logger.warn({ err: error }, 'idle postgres connection lost') });
const app = await buildApp({
  httpTimeouts: httpTimeouts(config),
  logger,
  registry: createRegistry('ingest'),
  verify: cachingVerifier(await createVerifier(verifierOptionsFrom(config))),
  sender,
  fanoutSender,
  pool,
  topics: topicNames(config.KAFKA_TOPIC_PREFIX),
  rateLimitPerSec: config.INGEST_RATE_LIMIT_PER_SEC,
  idempotencyRetentionSec: config.INGEST_IDEMPOTENCY_RETENTION_SEC,
});
// Every instance sweeps (the deletes are idempotent, and a missed sweep only keeps rows longer), one sweep at a time.
let sweeping = false;
const sweep = setInterval(() => {
  if (sweeping) return;
  sweeping = true;
  expireIdempotencyKeys(pool, config.INGEST_IDEMPOTENCY_RETENTION_SEC)
    .catch((error: unknown) => logger.warn({ err: error }, 'could not expire idempotency keys'))
    .finally(() => (sweeping = false));
}, 60_000);
sweep.unref();

onShutdown(logger, async () => {
  // Stop taking requests, let in-flight ones finish their Kafka commit, then close.
  clearInterval(sweep);
  await app.close();
  await sender.close();
  await fanoutSender.close();
  await pool.end();
});

await app.listen({ port: config.INGEST_PORT, host: config.INGEST_HOST });
logger.info({ url: listeningUrl(app.server.address()) }, 'ingest listening');
