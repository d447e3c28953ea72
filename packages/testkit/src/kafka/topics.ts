import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, ITopicMetadata } from 'kafkajs';
import { topicSpecs, type TopicSpec as KafkaTopicSpec } from '@tidings/kafka';
import { KAFKA_LAUNCHER_ERROR_CODES, KafkaLauncherError } from './errors.js';

/** A topic to create: the kafka package's spec, plus a replication factor (1 on the single test broker). */
export interface TopicSpec extends KafkaTopicSpec {
  replicationFactor?: number;
}

/** The platform's topics with the names of docs/contract.md §2 (events 12 partitions, DLQ and control 1). */
export const DEFAULT_TOPICS: readonly TopicSpec[] = Object.freeze(topicSpecs());

export interface EnsureTopicsOptions {
  /** Bound on creation plus waiting for leaders; default 30 000 ms. */
  timeoutMs?: number;
}

/**
 * Creates the topics that do not exist yet and waits until every partition of
 * every listed topic has a leader that serves requests. Idempotent: existing topics are accepted
 * (TOPIC_ALREADY_EXISTS is not an error) as long as their partition count
 * matches — a mismatch throws, because silently running with another count
 * would break per-user ordering assumptions elsewhere.
 */
export async function ensureTopics(
  brokers: string[],
  topics: readonly TopicSpec[] = DEFAULT_TOPICS,
  options: EnsureTopicsOptions = {},
): Promise<void> {
  if (topics.length === 0) return;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const kafka = new Kafka({ clientId: 'tidings-testkit-topics', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  try {
    await admin.connect();
    // kafkajs's createTopics resolves `false` when every failure was
    // TOPIC_ALREADY_EXISTS (including "some existed, the rest were created"),
    // and skips its own leader wait in that case; we wait below regardless.
    await admin.createTopics({
      topics: topics.map((t) => ({
        topic: t.topic,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor ?? 1,
        configEntries: t.configEntries ?? [],
      })),
      waitForLeaders: false,
      timeout: timeoutMs,
    });
    await waitUntilServable(admin, topics, deadline);
  } catch (err) {
    if (err instanceof KafkaLauncherError) throw err;
    throw new KafkaLauncherError(
      KAFKA_LAUNCHER_ERROR_CODES.TOPICS_FAILED,
      `error ensuring topics ${topics.map((t) => t.topic).join(', ')} on ${brokers.join(',')}: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Waits until metadata lists a leader for every partition AND the leader
 * answers ListOffsets for all of them. The second step matters: right after
 * CreateTopics, Kafka 4.1 advertises the leader in metadata ~100-150 ms
 * before the partition can serve, and answers ListOffsets/Produce/Fetch with
 * NOT_LEADER_OR_FOLLOWER meanwhile. Producers and consumers retry that, but
 * kafkajs's admin.fetchTopicOffsets does not, so "ensured" must mean servable.
 */
async function waitUntilServable(admin: Admin, topics: readonly TopicSpec[], deadline: number): Promise<void> {
  const names = topics.map((t) => t.topic);
  let problem = 'no metadata yet';
  while (Date.now() < deadline) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: names });
      problem = checkMetadata(meta, topics) ?? '';
      if (!problem) {
        for (const name of names) await admin.fetchTopicOffsets(name);
        return;
      }
    } catch (err) {
      if (err instanceof KafkaLauncherError) throw err;
      // UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER
      // are all transient here; keep polling until the deadline.
      problem = (err as Error).message;
    }
    await delay(25);
  }
  throw new KafkaLauncherError(
    KAFKA_LAUNCHER_ERROR_CODES.TOPICS_FAILED,
    `timed out waiting for topics ${names.join(', ')} to be servable: ${problem}`,
  );
}

/**
 * Why `meta` does not (yet) satisfy `wanted`, or undefined when it does.
 * Throws for a partition-count mismatch, which waiting cannot fix.
 */
export function checkMetadata(meta: readonly ITopicMetadata[], wanted: readonly TopicSpec[]): string | undefined {
  for (const spec of wanted) {
    const m = meta.find((t) => t.name === spec.topic);
    if (!m) return `${spec.topic}: no metadata`;
    if (m.partitions.length !== spec.numPartitions) {
      throw new KafkaLauncherError(
        KAFKA_LAUNCHER_ERROR_CODES.TOPICS_FAILED,
        `topic ${spec.topic} exists with ${m.partitions.length} partitions, expected ${spec.numPartitions}`,
      );
    }
    const leaderless = m.partitions.filter((p) => p.leader < 0).map((p) => p.partitionId);
    if (leaderless.length > 0) return `${spec.topic}: no leader yet for partitions ${leaderless.join(',')}`;
  }
  return undefined;
}
