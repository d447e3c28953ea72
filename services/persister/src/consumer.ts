import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type pg from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { partitionCount, type AtomicSender, type TopicNames } from '@tidings/kafka';
import type { Logger } from '@tidings/runtime';
import { classify, type DeadRecord } from './records.js';
import { isDataError, salvageBatch } from './salvage.js';
import { advanceWatermark, persistBatch } from './store.js';

export interface PersisterOptions {
  kafka: Kafka;
  pool: pg.Pool;
  /** Writes dead letters to the DLQ topic. */
  dlqSender: AtomicSender;
  topics: TopicNames;
  groupId: string;
  concurrency: number;
  sessionTimeoutMs: number;
  logger: Logger;
  registry: Registry;
  /**
   * Consumer events, registered before the first join so none is missed:
   * `onJoin` after every group join, `onCrash` for every crash, with
   * `restart` false when kafkajs gave the consumer up for good.
   */
  onJoin?: () => void;
  onCrash?: (error: Error, restart: boolean) => void;
}

type PersisterMetrics = ReturnType<typeof createMetrics>;
// A process may start several consumers in its life (see superviseConsumer in @tidings/kafka); a
// registry refuses a metric name twice, so each registry gets one set.
const metricsByRegistry = new WeakMap<Registry, PersisterMetrics>();

function metrics(registry: Registry): PersisterMetrics {
  let m = metricsByRegistry.get(registry);
  if (!m) {
    m = createMetrics(registry);
    metricsByRegistry.set(registry, m);
  }
  return m;
}

function createMetrics(registry: Registry) {
  return {
    persisted: new Counter({ name: 'tidings_persister_events_total', help: 'Events handled, by outcome', labelNames: ['outcome'], registers: [registry] }),
    batchSeconds: new Histogram({
      name: 'tidings_persister_batch_seconds',
      help: 'Postgres transaction time per batch',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    lag: new Gauge({ name: 'tidings_persister_lag_records', help: 'Records behind the log end, per partition', labelNames: ['partition'], registers: [registry] }),
    dlq: new Counter({ name: 'tidings_dlq_records_total', help: 'Records sent to the dead-letter topic', registers: [registry] }),
  };
}

function dlqMessage(sourceTopic: string, partition: number, d: DeadRecord) {
  return {
    key: d.key,
    value: d.value,
    headers: {
      'tidings-reason': d.reason.slice(0, 1000),
      'tidings-source-topic': sourceTopic,
      'tidings-source-partition': String(partition),
      'tidings-source-offset': d.offset.toString(),
    },
  };
}

/** Read with a short-lived admin client: the consumer's own metadata is not exposed by kafkajs. */
async function readPartitionCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await partitionCount(admin, topic);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The persister loop. Order of effects per batch, and why:
 * 1. one Postgres transaction (rows, projection, dead letters, watermark);
 * 2. dead letters to the DLQ topic (re-sent if we crash before 3 — the DLQ
 *    is keyed by source position, so a repeat is recognisable);
 * 3. the Kafka offset commit. A crash anywhere re-delivers the batch, and
 *    step 1 is idempotent, so nothing is lost or doubled.
 */
export async function startPersister(opts: PersisterOptions): Promise<Consumer> {
  const m = metrics(opts.registry);
  const consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: opts.sessionTimeoutMs,
    heartbeatInterval: Math.min(3000, Math.floor(opts.sessionTimeoutMs / 3)),
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 2 * 1024 * 1024,
    // Read committed (kafkajs default): a request ingest answered 503 for is never persisted.
    readUncommitted: false,
  });
  consumer.on(consumer.events.GROUP_JOIN, () => opts.onJoin?.());
  consumer.on(consumer.events.CRASH, (e) => opts.onCrash?.(e.payload.error, e.payload.restart));
  let partitions: number;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: opts.topics.events, fromBeginning: true });
    partitions = await readPartitionCount(opts.kafka, opts.topics.events);
  } catch (error) {
    // A half-started consumer must not keep its connections: the caller starts a new one.
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }

  // Batches with only transaction markers or aborted records never reach
  // eachBatch; move the watermark over them so it can reach the log end.
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    const { partition, batchSize, lastOffset, offsetLag } = e.payload;
    m.lag.set({ partition: String(partition) }, Number(offsetLag));
    if (batchSize !== 0 || lastOffset === undefined || lastOffset === null) return;
    const next = BigInt(lastOffset) + 1n;
    advanceWatermark(opts.pool, partition, next)
      .then(() => consumer.commitOffsets([{ topic: opts.topics.events, partition, offset: next.toString() }]))
      .catch((error: unknown) => opts.logger.warn({ err: error, partition }, 'could not advance watermark over markers'));
  });

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: opts.concurrency,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
      if (!isRunning() || isStale() || batch.isEmpty()) return;
      const classified = classify(batch.messages, { partition: batch.partition, partitions });
      const good = classified.good;
      let dead = classified.dead;
      // lastOffset() of a non-empty batch is its last record, markers included.
      const next = BigInt(batch.lastOffset()) + 1n;
      const end = m.batchSeconds.startTimer();
      let outcome;
      try {
        outcome = await persistBatch(opts.pool, batch.partition, good, dead, next);
      } catch (error) {
        // Anything but "Postgres refused this data" (unavailable, deadlock…) fails the batch: it is redelivered.
        if (!isDataError(error)) throw error;
        opts.logger.warn({ err: error, partition: batch.partition }, 'postgres refused a record; bisecting the batch to dead-letter it');
        ({ outcome, dead } = await salvageBatch(opts.pool, batch.partition, good, dead, next));
      }
      end();
      if (outcome.impostors) dead = [...dead, ...outcome.impostors];
      if (dead.length > 0) {
        await opts.dlqSender.send([{ topic: opts.topics.dlq, messages: dead.map((d) => dlqMessage(opts.topics.events, batch.partition, d)) }]);
        m.dlq.inc(dead.length);
        opts.logger.warn({ partition: batch.partition, offsets: dead.map((d) => d.offset.toString()) }, 'records dead-lettered');
      }
      m.persisted.inc({ outcome: 'inserted' }, outcome.inserted);
      m.persisted.inc({ outcome: 'duplicate' }, outcome.duplicates);
      m.persisted.inc({ outcome: 'dead' }, outcome.dead);
      resolveOffset(batch.lastOffset());
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next.toString() }]);
      m.lag.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
      await heartbeat();
    },
  });
  return consumer;
}
