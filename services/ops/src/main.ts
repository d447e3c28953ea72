import pg from 'pg';
import { createVerifier, verifierOptionsFrom } from '@tidings/auth';
import { splitList } from '@tidings/config';
import { createKafka, topicNames } from '@tidings/kafka';
import { createLogger, createRegistry, listeningUrl, onShutdown } from '@tidings/runtime';
import { buildOpsApp } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const logger = createLogger({ service: 'ops', level: config.LOG_LEVEL });
const kafka = createKafka({ brokers: splitList(config.KAFKA_BROKERS), clientId: 'tidings-ops', logger });
const admin = kafka.admin();
await admin.connect();
const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 5, application_name: 'tidings-ops' });
const app = await buildOpsApp({
  logger,
  registry: createRegistry('ops'),
  verify: await createVerifier(verifierOptionsFrom(config)),
  pool,
  admin,
  topics: topicNames(config.KAFKA_TOPIC_PREFIX),
  persisterGroupId: `${config.KAFKA_TOPIC_PREFIX}${config.PERSISTER_GROUP_ID}`,
});
await app.listen({ port: config.OPS_PORT, host: config.OPS_HOST });
logger.info({ url: listeningUrl(app.server.address()) }, 'ops listening');

onShutdown(logger, async () => {
  await app.close();
  await admin.disconnect();
  await pool.end();
});
