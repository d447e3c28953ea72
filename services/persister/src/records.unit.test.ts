import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaMessage } from 'kafkajs';
import fc from 'fast-check';
import { partitionFor } from '@tidings/kafka';
import { classify } from './records.js';

const PARTITIONS = 12;
const record = (userId: string, offset: number): KafkaMessage => ({
  key: Buffer.from(userId),
  value: Buffer.from(JSON.stringify({ id: `e${offset}`, type: 'notification.created', userId, time: '2025-01-01T00:00:00.000Z', source: 'direct', data: { category: 'c', title: 't' } })),
  offset: String(offset),
  timestamp: '0',
  attributes: 0,
  headers: {},
});

test('a valid record outside its key\'s partition is dead-lettered with the partition it belongs in', () => {
  const user = 'alice';
  const home = partitionFor(user, PARTITIONS);
  const wrong = (home + 5) % PARTITIONS;
  const { good, dead } = classify([record(user, 0)], { partition: wrong, partitions: PARTITIONS });
  assert.equal(good.length, 0);
  assert.equal(dead.length, 1);
  assert.match(dead[0]!.reason, new RegExp(`in partition ${wrong}, but its key belongs in partition ${home} of ${PARTITIONS}`));
  assert.deepEqual(classify([record(user, 0)], { partition: home, partitions: PARTITIONS }).good.map((g) => g.event.userId), [user]);
});

test('property: whatever the user and partition count, a record is kept exactly in its key\'s partition', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,64}$/), fc.integer({ min: 1, max: 64 }), fc.nat(), (user, partitions, p) => {
      const partition = p % partitions;
      const { good, dead } = classify([record(user, 7)], { partition, partitions });
      assert.equal(good.length === 1, partition === partitionFor(user, partitions));
      assert.equal(good.length + dead.length, 1);
    }),
  );
});
