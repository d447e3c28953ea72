import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/**
 * A read-committed consumer beside the clients: when it first sees an event
 * is when the event became visible in Kafka (as close as this process can
 * tell). Client receipt minus that isolates the gateway hop (Kafka → gateway
 * → socket) from ingest's transaction time.
 */
export interface Probe {
  seen: Map<string, number>;
  close(): Promise<void>;
}

export async function startProbe(brokers: string, topic: string): Promise<Probe> {
  const kafka = new Kafka({ clientId: 'bench-gateway-probe', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-gateway-probe-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 50, readUncommitted: false });
  const seen = new Map<string, number>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  let joined: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        const id = (JSON.parse(m.value?.toString('utf8') ?? '{}') as { id?: string }).id;
        if (id && !seen.has(id)) seen.set(id, now);
      }
    },
  });
  await ready;
  return { seen, close: () => consumer.disconnect() };
}
