import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { settlesWithin } from './settle.js';

/** A record as a test sees it: position, key, value and headers as strings. */
export interface TopicRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function client(brokers: string): Kafka {
  return new Kafka({ clientId: `tidings-test-${randomBytes(3).toString('hex')}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

/**
 * The end offset (high watermark) of each partition. Equal before and after
 * an action proves the action wrote nothing at all — not even an aborted
 * transaction.
 */
export async function topicEndOffsets(brokers: string, topic: string): Promise<Record<number, string>> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return Object.fromEntries(offsets.map((o) => [o.partition, o.high]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a topic from the beginning as a read-committed consumer in a fresh
 * group (so it sees what every real consumer sees, and commits nothing that
 * matters), until `until(records)` holds. Rejects with what it read when
 * that does not happen within `timeoutMs`.
 */
export async function readTopic(
  brokers: string,
  topic: string,
  until: (records: readonly TopicRecord[]) => boolean,
  timeoutMs = 30000,
): Promise<TopicRecord[]> {
  const consumer = client(brokers).consumer({ groupId: `tidings-test-read-${randomBytes(5).toString('hex')}`, maxWaitTimeInMs: 100, readUncommitted: false });
  const records: TopicRecord[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
        records.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers });
        if (until(records)) done();
      },
    });
    if (until(records)) return records;
    const outcome = await settlesWithin(finished, timeoutMs);
    if (outcome === 'timeout') {
      throw new Error(`reading ${topic}: condition not met within ${timeoutMs} ms; read ${records.length} records, last: ${JSON.stringify(records.slice(-3))}`);
    }
    return records;
  } finally {
    await consumer.disconnect();
  }
}
