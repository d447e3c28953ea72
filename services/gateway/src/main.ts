import { createVerifier, verifierOptionsFrom } from '@tidings/auth';
import { httpTimeouts, splitList } from '@tidings/config';
import { createPool, readEpoch } from '@tidings/db';
import { createAtomicSender, createKafka, partitionFor, topicNames } from '@tidings/kafka';
import { createLogger, createRegistry, listeningUrl, onShutdown } from '@tidings/runtime';
import { buildGatewayApp } from './app.js';
import { createBudgets } from './budget.js';
import { loadConfig } from './config.js';
import { createGatewayNode } from './connection.js';
import { startControlFeed } from './control.js';
import { startLiveFeed } from './live.js';
import { createGatewayMetrics } from './metrics.js';
import { originPolicy } from './origins.js';
import { redeliver } from './redeliver.js';
import { createRegistry as createSessionRegistry } from './registry.js';
import { startWatermarks } from './watermarks.js';

const config = loadConfig();
const topics = topicNames(config.KAFKA_TOPIC_PREFIX);
const nodeId = config.GATEWAY_NODE_ID ?? `gw-${config.GATEWAY_PORT}`;
const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL, node: nodeId });
const registry = createRegistry('gateway');
const metrics = createGatewayMetrics(registry);
const kafka = createKafka({ brokers: splitList(config.KAFKA_BROKERS), clientId: `tidings-${nodeId}`, logger });
const pool = createPool(config.DATABASE_URL, { applicationName: `tidings-${nodeId}`, max: 20, onError: (error) => logger.warn({ err: error }, 'idle postgres connection lost') });
const sender = createAtomicSender({ kafka, transactionalId: `${config.KAFKA_TOPIC_PREFIX}tidings-${nodeId}`, logger });
await sender.connect();
const verify = await createVerifier(verifierOptionsFrom(config));
const epoch = await readEpoch(pool);
const watermarks = await startWatermarks(config.DATABASE_URL, logger);
const sessions = createSessionRegistry();

// The feed routes through the registry, which is empty until the node exists
// and accepts sockets, so the feed never calls `node` before it is defined.
const feed = await startLiveFeed({
  kafka,
  topic: topics.events,
  nodeId,
  epoch,
  registry: sessions,
  deliver: (session, out) => node.deliver(session, out),
  logger,
  onBatch: (partition, lag) => metrics.feedLag.set({ partition: String(partition) }, lag),
  // Without its feed the node would hold sockets that silently receive
  // nothing: send every client elsewhere (they resume without loss) and exit
  // for the supervisor to restart us.
  onFatal: (error) => {
    logger.error({ err: error }, 'live feed stopped for good; closing all sockets and exiting');
    node.drain();
    setTimeout(() => process.exit(1), 1000).unref();
  },
});
const partitionOf = (userId: string) => partitionFor(userId, feed.partitions);
// Per-user budgets of this node (docs/gateway.md): state changes from HTTP and
// sockets share one; inbox reads have their own.
const writes = createBudgets({
  perSec: config.GATEWAY_USER_WRITES_PER_SEC,
  burst: config.GATEWAY_USER_WRITE_BURST,
  onRefused: () => metrics.budgetRefusals.inc({ budget: 'write' }),
});
const reads = createBudgets({
  perSec: config.GATEWAY_USER_READS_PER_SEC,
  burst: config.GATEWAY_USER_READ_BURST,
  onRefused: () => metrics.budgetRefusals.inc({ budget: 'read' }),
});
const budgetSweep = setInterval(() => {
  writes.sweep();
  reads.sweep();
}, 10_000);
budgetSweep.unref();
const state = {
  pool,
  sender,
  topic: topics.events,
  writes,
  watermarks,
  livePosition: (partition: number) => feed.position(partition),
  partitionOf,
  recheckMs: config.GATEWAY_STATE_RECHECK_MS,
};
const node = createGatewayNode({
  nodeId,
  verify,
  registry: sessions,
  state,
  reads,
  logger,
  metrics,
  limits: {
    heartbeatMs: config.GATEWAY_HEARTBEAT_MS,
    helloTimeoutMs: config.GATEWAY_HELLO_TIMEOUT_MS,
    sendBufferBytes: config.GATEWAY_SEND_BUFFER_BYTES,
    replayBufferEvents: config.GATEWAY_REPLAY_BUFFER_EVENTS,
    msgRatePerSec: config.GATEWAY_MSG_RATE_PER_SEC,
    msgBurst: config.GATEWAY_MSG_BURST,
    maxPerUser: config.GATEWAY_MAX_CONNECTIONS_PER_USER,
    tokenWarningMs: config.GATEWAY_TOKEN_WARNING_MS,
  },
  resume: { pool, epoch, watermarks, live: feed, partitionOf },
});

// Ops commands (redeliver), handled one at a time in arrival order.
let controlQueue = Promise.resolve();
const control = await startControlFeed({
  kafka,
  topic: topics.control,
  nodeId,
  logger,
  onInvalid: () => metrics.redeliveries.inc({ outcome: 'invalid' }),
  onCommand: (cmd) => {
    controlQueue = controlQueue.then(async () => {
      try {
        const r = await redeliver({ pool, registry: sessions, watermarks, epoch, partitionOf, write: node.write, isOpen: node.isOpen }, cmd);
        metrics.redeliveries.inc({ outcome: r.outcome });
        metrics.redeliveredEvents.inc(r.frames);
        if (r.outcome !== 'no_sockets') logger.info({ requestId: cmd.requestId, ...r }, 'redeliver handled');
      } catch (error) {
        metrics.redeliveries.inc({ outcome: 'failed' });
        logger.error({ err: error, requestId: cmd.requestId }, 'redeliver failed');
      }
    });
  },
});

const app = await buildGatewayApp({
  httpTimeouts: httpTimeouts(config),
  logger,
  registry,
  verify,
  pool,
  state,
  reads,
  node,
  epoch,
  partitionOf,
  maxFrameBytes: config.GATEWAY_MAX_FRAME_BYTES,
  maxConnections: config.GATEWAY_MAX_CONNECTIONS,
  origins: originPolicy(config.GATEWAY_ALLOWED_ORIGINS),
  readiness: { postgres: async () => void (await pool.query('SELECT 1')) },
});
// A node that died sends its clients here all at once: with Node's default
// accept backlog (511) the kernel drops most of those handshakes and each
// client retries after 1, 3, 7, 15… s (measured: a 10k reconnect storm took
// 60 s, bench/compare storm). The kernel caps the backlog at net.core.somaxconn.
await app.listen({ port: config.GATEWAY_PORT, host: config.GATEWAY_HOST, backlog: 4096 });
logger.info({ url: listeningUrl(app.server.address()), epoch }, 'gateway listening');

onShutdown(logger, async () => {
  // Refuse new sockets at once (503: a load balancer retries elsewhere), stop
  // the feeds, then tell every client to resume elsewhere (1001). Clients
  // lose nothing: they resume from their last cursor on another node.
  node.refuse();
  await Promise.all([feed.close(), control.close()]);
  node.drain();
  node.stop();
  clearInterval(budgetSweep);
  await app.close();
  await sender.close();
  await watermarks.close();
  await pool.end();
});
