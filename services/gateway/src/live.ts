import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { misplacement, superviseConsumer, type ConsumerEvents } from '@tidings/kafka';
import { parseEnvelope } from '@tidings/protocol';
import type { Logger } from '@tidings/runtime';
import { eventFrame } from './frames.js';
import type { SessionRegistry } from './registry.js';
import type { OutFrame, Session } from './session-types.js';

/**
 * The node's live feed: one consumer (its own group, so gateway nodes never
 * rebalance each other) reading every partition of the event topic, routing
 * each record to the sockets of its user on this node.
 *
 * Invariant the resume logic builds on: `position(p)` is the next offset of
 * partition p to be dispatched. Every record below it was dispatched before
 * any session registered after this call, and every record at or above it
 * will be dispatched to sessions registered now.
 */
export interface LiveFeed {
  readonly partitions: number;
  position(partition: number): bigint;
  /** Log end of a partition, asked of the broker (for cursors that claim to be ahead). */
  logEnd(partition: number): Promise<bigint>;
  close(): Promise<void>;
}

export interface LiveFeedOptions {
  kafka: Kafka;
  /** The event topic. */
  topic: string;
  nodeId: string;
  epoch: string;
  registry: SessionRegistry;
  deliver: (session: Session, out: OutFrame) => void;
  logger: Logger;
  onBatch?: (partition: number, lag: number) => void;
  /**
   * Waits before each new consumer after kafkajs gave one up; its length
   * bounds the failures in a row before `onFatal`.
   */
  restartDelaysMs?: readonly number[];
  /** No consumer could be kept running (`restartDelaysMs` exhausted): live delivery has stopped. */
  onFatal?: (error: Error) => void;
}

/** ≈ 2 minutes of new consumers (as the persister) before the node gives up. */
const RESTART_DELAYS_MS = [500, 1000, 2000, 5000, 10000, 20000, 30000, 30000, 30000];

export async function startLiveFeed(opts: LiveFeedOptions): Promise<LiveFeed> {
  const admin = opts.kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(opts.topic);
  const position = new Map<number, bigint>(offsets.map((o) => [o.partition, BigInt(o.high)]));
  // The count cursors and the record contract are computed with (docs/protocol.md).
  const partitions = position.size;
  const advance = (partition: number, next: bigint) => {
    if (next > (position.get(partition) ?? 0n)) position.set(partition, next);
  };

  const dispatch = (partition: number, m: KafkaMessage) => {
    const key = m.key?.toString('utf8');
    const sessions = key === undefined ? undefined : opts.registry.get(key);
    // Records of users with no socket here are skipped undecoded.
    if (!sessions || sessions.size === 0 || !m.value) return;
    const text = m.value.toString('utf8');
    const parsed = parseEnvelope(text);
    // Invalid records are the persister's to dead-letter; a record whose key
    // is not its userId must never reach the key's user, and one outside its
    // key's partition is never delivered (a resume could not replay it).
    if (!parsed.ok || parsed.value.userId !== key || misplacement(key, partition, partitions) !== undefined) return;
    const out: OutFrame = {
      offset: BigInt(m.offset),
      frame: eventFrame(opts.epoch, partition, BigInt(m.offset), text),
      eventTimeMs: Date.parse(parsed.value.time),
    };
    for (const s of sessions) opts.deliver(s, out);
  };

  /**
   * One consumer, reading from `position` on. A fresh group per consumer: it
   * has no committed offsets and no peers, and it is positioned explicitly,
   * so no record between the log-end read above (or the last dispatch of a
   * consumer kafkajs gave up) and its first fetch can slip past unseen.
   */
  async function startConsumer(events: ConsumerEvents): Promise<Consumer> {
    const consumer: Consumer = opts.kafka.consumer({
      groupId: `tidings-gateway-${opts.nodeId}-${randomBytes(4).toString('hex')}`,
      maxWaitTimeInMs: 50,
      sessionTimeout: 30000,
      readUncommitted: false,
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: opts.topic, fromBeginning: false });
      // A rejoin (a session timeout after a long pause, or kafkajs restarting the
      // consumer after a retriable crash) would resume from committed offsets —
      // this group commits none, so from the log end — and silently skip records
      // that live sessions are owed. Every join goes back to what was dispatched.
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const [partition, offset] of position) consumer.seek({ topic: opts.topic, partition, offset: offset.toString() });
        events.onJoin();
      });
      consumer.on(consumer.events.CRASH, (e) => events.onCrash(e.payload.error, e.payload.restart));
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
        const { partition, batchSize, lastOffset } = e.payload;
        // Marker-only batches still move the position (they never reach eachBatch).
        if (batchSize === 0 && lastOffset !== undefined && lastOffset !== null) advance(partition, BigInt(lastOffset) + 1n);
      });
      const running = consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) dispatch(batch.partition, m);
          advance(batch.partition, BigInt(batch.lastOffset()) + 1n);
          opts.onBatch?.(batch.partition, Number(batch.offsetLag()));
        },
      });
      // Registered synchronously, before the group join completes, so the first
      // fetch of every partition starts exactly at the recorded position.
      for (const [partition, offset] of position) {
        consumer.seek({ topic: opts.topic, partition, offset: offset.toString() });
      }
      await running;
      return consumer;
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  // kafkajs gives a consumer up for good on some errors while a broker
  // restarts; a new one resumes at `position`, so nothing is skipped or repeated.
  const supervisor = superviseConsumer({
    start: startConsumer,
    delaysMs: opts.restartDelaysMs ?? RESTART_DELAYS_MS,
    logger: opts.logger,
    onReady: () => undefined,
    onGiveUp: (error) => opts.onFatal?.(error),
  });
  await supervisor.started;
  opts.logger.info({ partitions: position.size }, 'live feed consuming');

  return {
    partitions,
    position: (p) => position.get(p) ?? 0n,
    async logEnd(partition) {
      const latest = await admin.fetchTopicOffsets(opts.topic);
      return BigInt(latest.find((o) => o.partition === partition)?.high ?? '0');
    },
    async close() {
      await supervisor.stop();
      await admin.disconnect();
    },
  };
}
