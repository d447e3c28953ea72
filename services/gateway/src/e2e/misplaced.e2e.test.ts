import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { createKafka, EVENTS_PARTITIONS, partitionFor } from '@tidings/kafka';
import type { EventMessage } from '@tidings/protocol';
import { readTopic, useStack, waitForPersisted } from '@tidings/testkit';
import { connect, idsOf, produceTo, splitAtSynced, uniqueUser } from './helpers.js';

/**
 * The record contract for direct Kafka producers (docs/protocol.md,
 * "Producing directly to Kafka"): a producer whose partitioner is not
 * Java's murmur2 puts a user's record in another partition than the user's
 * own. Delivered live and stored, it would then be skipped by every resume
 * (which reads only the user's partition); instead it is refused: dead-
 * lettered by the persister with the reason, never delivered, never replayed.
 */
const t = useStack({ gateways: 1, poolMax: 2 });
let producerToken: string;
let wrongProducer: Producer;

/** A partitioner that is not murmur2: always one partition past the key's own. */
const offByOne = () => ({ message, partitionMetadata }: { message: { key?: Buffer | string | null }; partitionMetadata: unknown[] }) =>
  (partitionFor(String(message.key), partitionMetadata.length) + 1) % partitionMetadata.length;

before(async () => {
  await t.ready();
  producerToken = await t.token('billing', ['notifications:write']);
  wrongProducer = createKafka({ brokers: t.env.brokers.split(','), clientId: 'misplaced-test' }).producer({ createPartitioner: offByOne });
  await wrongProducer.connect();
});
after(async () => {
  await wrongProducer?.disconnect();
});

test('a record a direct producer put outside its key\'s partition is dead-lettered with the reason, not delivered live, not replayed', async () => {
  const user = uniqueUser('direct');
  const home = partitionFor(user, EVENTS_PARTITIONS);
  const wrong = (home + 1) % EVENTS_PARTITIONS;
  // A user who lives in the partition the bad record lands in: their event, sent after it, fences it.
  let fence = uniqueUser('fence');
  while (partitionFor(fence, EVENTS_PARTITIONS) !== wrong) fence = uniqueUser('fence');

  const userSocket = await connect(t.stack.gateways[0]!.url, await t.token(user));
  const fenceSocket = await connect(t.stack.gateways[0]!.url, await t.token(fence));
  const badId = `misplaced-${randomBytes(6).toString('hex')}`;
  const envelope = { id: badId, type: 'notification.created', userId: user, time: new Date().toISOString(), source: 'direct', data: { category: 'test', title: 'misplaced' } };
  const [meta] = await wrongProducer.send({ topic: t.ns.topics.events, acks: -1, messages: [{ key: user, value: JSON.stringify(envelope), headers: { 'content-type': 'application/json' } }] });
  assert.equal(meta!.partition, wrong, 'the test producer misplaces the record');

  // The fence is in the same partition after the bad record: once it is delivered and stored, so was (or was not) the bad one.
  const [fenceId] = await produceTo(t.stack.ingest.url, producerToken, [fence]);
  assert.deepEqual(idsOf(await fenceSocket.socket.waitForEvents(1)), [fenceId]);
  const [goodId] = await produceTo(t.stack.ingest.url, producerToken, [user]);
  assert.deepEqual(idsOf(await userSocket.socket.waitForEvents(1)), [goodId], 'live: only the well-placed event');
  await waitForPersisted(t.ns.databaseUrl, [fenceId!, goodId!]);

  const stored = await t.pool.query('SELECT id FROM events WHERE id = $1', [badId]);
  assert.equal(stored.rows.length, 0, 'the misplaced record is not in the mirror');
  const letters = await t.pool.query<{ reason: string }>('SELECT reason FROM dead_letters WHERE value LIKE $1', [`%${badId}%`]);
  assert.equal(letters.rows.length, 1);
  assert.match(letters.rows[0]!.reason, new RegExp(`in partition ${wrong}, but its key belongs in partition ${home} of ${EVENTS_PARTITIONS}`));
  const dlq = await readTopic(t.env.brokers, t.ns.topics.dlq, (rs) => rs.some((r) => r.value?.includes(badId)));
  assert.match(dlq.find((r) => r.value?.includes(badId))!.headers['tidings-reason'] ?? '', /belongs in partition/);

  // A resume from before both events replays the well-placed one only, and says the cursor was honoured.
  const resumed = await connect(t.stack.gateways[0]!.url, await t.token(user), userSocket.synced.cursor);
  const { replayed, synced } = splitAtSynced(resumed.socket);
  assert.deepEqual(idsOf(replayed as EventMessage[]), [goodId]);
  assert.equal(synced?.recovered, true);
  for (const s of [userSocket, fenceSocket, resumed]) s.socket.close();
});
