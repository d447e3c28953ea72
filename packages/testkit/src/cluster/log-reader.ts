import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { LogRecord } from './watermark-check.js';
import { settlesWithin } from '../testing/settle.js';

/**
 * Reads a topic from the beginning to `ends` (per partition, e.g. the end
 * offsets after the load stopped) as a read-committed consumer — what the
 * persister sees: transaction markers and aborted records are skipped, so
 * the positions it returns are exactly the records that had to be stored.
 * Marker-only batches never reach `eachBatch`, so progress over them comes
 * from END_BATCH_PROCESS, as in the persister.
 */
export async function readCommittedLog(brokers: string, topic: string, ends: ReadonlyMap<number, bigint>, timeoutMs: number): Promise<LogRecord[]> {
  const kafka = new Kafka({ clientId: `tidings-cluster-${randomBytes(3).toString('hex')}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `tidings-cluster-read-${randomBytes(5).toString('hex')}`, maxWaitTimeInMs: 100, readUncommitted: false });
  const records: LogRecord[] = [];
  const reached = new Map<number, bigint>();
  const behind = () => [...ends].filter(([p, end]) => end > 0n && (reached.get(p) ?? 0n) < end);
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const advance = (partition: number, next: bigint) => {
    if (next > (reached.get(partition) ?? 0n)) reached.set(partition, next);
    if (behind().length === 0) done();
  };
  await consumer.connect();
  try {
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const { partition, lastOffset } = e.payload;
      if (lastOffset !== undefined && lastOffset !== null) advance(partition, BigInt(lastOffset) + 1n);
    });
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition) ?? 0n;
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset >= end) break;
          records.push({ partition: batch.partition, offset, id: envelopeId(m.value, batch.partition, offset) });
        }
        if (!batch.isEmpty()) advance(batch.partition, BigInt(batch.lastOffset()) + 1n);
      },
    });
    if (behind().length === 0) return records;
    const outcome = await settlesWithin(finished, timeoutMs);
    if (outcome === 'timeout') {
      const left = behind().map(([p, end]) => `p${p} ${reached.get(p) ?? 0n}/${end}`);
      throw new Error(`reading ${topic}: not at the end within ${timeoutMs} ms (${left.join(', ')})`);
    }
    return records;
  } finally {
    await consumer.disconnect();
  }
}

/** The envelope's id; a record that is not an envelope gets a name of its own (it must be a dead letter). */
function envelopeId(value: Buffer | null, partition: number, offset: bigint): string {
  try {
    const id = (JSON.parse(value?.toString() ?? '') as { id?: unknown }).id;
    if (typeof id === 'string') return id;
  } catch {
    // not JSON: falls through
  }
  return `@${partition}:${offset}`;
}
