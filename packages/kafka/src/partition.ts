import { Partitioners, type PartitionMetadata } from 'kafkajs';

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
