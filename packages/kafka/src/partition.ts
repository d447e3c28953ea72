import { Partitioners, type Admin, type PartitionMetadata } from 'kafkajs';

const partitioner = Partitioners.DefaultPartitioner();
const metadataCache = new Map<number, PartitionMetadata[]>();

/**
 * The partition a userId's events live in: the same murmur2 hash kafkajs'
 * (and Java's) default partitioner uses for keyed records, so producers and
 * gateways agree without asking the broker.
 */
export function partitionFor(userId: string, numPartitions: number): number {
  let metadata = metadataCache.get(numPartitions);
  if (!metadata) {
    metadata = Array.from({ length: numPartitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }));
    metadataCache.set(numPartitions, metadata);
  }
  return partitioner({ topic: '', partitionMetadata: metadata, message: { key: userId, value: null } });
}

/**
 * Why a keyed record is not where the record contract puts it
 * (docs/protocol.md, "Producing directly to Kafka"), or undefined when it is.
 * A record in another partition than `partitionFor(key)` would be stored and
 * delivered live, yet a resume reads only the key's own partition and would
 * skip it without a word: consumers refuse such records instead.
 */
export function misplacement(key: string, partition: number, numPartitions: number): string | undefined {
  const expected = partitionFor(key, numPartitions);
  if (expected === partition) return undefined;
  return `record is in partition ${partition}, but its key belongs in partition ${expected} of ${numPartitions} (murmur2 of the key, as Java's default partitioner)`;
}

/**
 * The events topic's partition count, read once when a consumer starts. It
 * is fixed for the life of a deployment (docs/operations.md); were it grown
 * underneath running consumers, records placed by the new count would be
 * refused (dead-lettered, not delivered) until they restart — loudly, never
 * a silent gap.
 */
export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const count = topics[0]?.partitions.length ?? 0;
  if (count === 0) throw new Error(`topic ${topic} has no partitions`);
  return count;
}
