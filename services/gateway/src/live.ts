import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { misplacement } from '@tidings/kafka';
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
  /** The consumer crashed and kafkajs will not restart it: live delivery has stopped. */
  onFatal?: (error: Error) => void;
}

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

  // A fresh group per process: it has no committed offsets and no peers, and
  // we position it explicitly at the log end read above, so no record
  // between that read and the first fetch can slip past unseen.
  const consumer: Consumer = opts.kafka.consumer({
    groupId: `tidings-gateway-${opts.nodeId}-${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: 50,
    sessionTimeout: 30000,
    readUncommitted: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: false });

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

  // A rejoin (a session timeout after a long pause, or kafkajs restarting the
  // consumer after a retriable crash) would resume from committed offsets —
  // this group commits none, so from the log end — and silently skip records
  // that live sessions are owed. Every join goes back to what was dispatched.
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const [partition, offset] of position) consumer.seek({ topic: opts.topic, partition, offset: offset.toString() });
  });
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) opts.onFatal?.(e.payload.error);
  });

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
  opts.logger.info({ partitions: position.size }, 'live feed consuming');

  return {
    partitions,
    position: (p) => position.get(p) ?? 0n,
    async logEnd(partition) {
      const latest = await admin.fetchTopicOffsets(opts.topic);
      return BigInt(latest.find((o) => o.partition === partition)?.high ?? '0');
    },
    async close() {
      await consumer.disconnect();
      await admin.disconnect();
    },
  };
}
