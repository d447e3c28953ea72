import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ITopicMetadata } from 'kafkajs';
import { DEFAULT_TOPICS, checkMetadata } from './topics.js';

const partitions = (n: number, leader = 1): ITopicMetadata['partitions'] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader, partitionErrorCode: 0, replicas: [1], isr: [1] }));

test('default topics: events 12 partitions, dlq 1, control 1', () => {
  assert.deepEqual(
    DEFAULT_TOPICS.map((t) => [t.topic, t.numPartitions]),
    [
      ['tidings.events', 12],
      ['tidings.events.dlq', 1],
      ['tidings.control', 1],
    ],
  );
});

test('checkMetadata: ready when every partition of every topic has a leader', () => {
  const meta = [
    { name: 'a', partitions: partitions(3) },
    { name: 'b', partitions: partitions(1) },
  ];
  assert.equal(
    checkMetadata(meta, [
      { topic: 'a', numPartitions: 3 },
      { topic: 'b', numPartitions: 1 },
    ]),
    undefined,
  );
});

test('checkMetadata: names what is missing', () => {
  const noLeader = partitions(3);
  noLeader[2] = { ...noLeader[2]!, leader: -1 };
  assert.match(checkMetadata([{ name: 'a', partitions: noLeader }], [{ topic: 'a', numPartitions: 3 }]) ?? '', /a: no leader yet for partitions 2/);
  assert.match(checkMetadata([], [{ topic: 'a', numPartitions: 3 }]) ?? '', /a: no metadata/);
});

test('checkMetadata: a partition-count mismatch throws (waiting cannot fix it)', () => {
  assert.throws(
    () => checkMetadata([{ name: 'a', partitions: partitions(6) }], [{ topic: 'a', numPartitions: 12 }]),
    (err: Error & { code?: string }) =>
      err.code === 'TIDINGS_ERR_KAFKA_TOPICS_FAILED' && /exists with 6 partitions, expected 12/.test(err.message),
  );
});
