import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { createAtomicSender, type WriteRequest } from './atomic-sender.js';
import { createKafka } from './client.js';

/** Runs under `npm test`, which provides KAFKA_BROKERS (the kafka package cannot depend on testkit). */
const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean);
const kafka = createKafka({ brokers, clientId: 'atomic-sender-test' });
const topic = `t${randomBytes(4).toString('hex')}.atomic`;
let admin: Admin;

before(async () => {
  assert.ok(brokers.length > 0, 'KAFKA_BROKERS must be set (run through npm test)');
  admin = kafka.admin();
  await admin.connect();
  // Not kafkajs's waitForLeaders: it gives up on UNKNOWN_TOPIC_OR_PARTITION, which a loaded
  // Kafka 4.x answers just after creation. Poll until every partition serves ListOffsets.
  await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: false });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await admin.fetchTopicOffsets(topic)).length === 4) break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await delay(50);
  }
});
after(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

/** Everything a read-committed consumer sees on the topic, until `expected` values arrived. */
async function readAll(expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `g-${randomBytes(4).toString('hex')}`, readUncommitted: false, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  const arrived = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${values.length}/${expected} records arrived`)), 30000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value!.toString());
        if (values.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  try {
    await arrived;
  } finally {
    await consumer.disconnect();
  }
  return values;
}

test('concurrent sends share transactions and every message is committed once', async () => {
  const sender = createAtomicSender({ kafka, transactionalId: `${topic}-tx`, lingerMs: 5 });
  await sender.connect();
  const writes: WriteRequest[][] = Array.from({ length: 50 }, (_, i) => [
    { topic, messages: [0, 1, 2].map((j) => ({ key: `u${(i + j) % 7}`, value: `${i}-${j}` })) },
  ]);
  await Promise.all(writes.map((w) => sender.send(w)));
  const streamed = await sender.sendStream(
    (async function* () {
      for (let page = 0; page < 3; page++) yield [{ topic, messages: [{ key: 'stream', value: `s-${page}` }] }];
    })(),
  );
  assert.equal(streamed, 3);
  await sender.close();
  const values = await readAll(153);
  assert.equal(values.length, 153);
  assert.equal(new Set(values).size, 153, 'no duplicates');
  assert.deepEqual(values.filter((v) => v.startsWith('s-')), ['s-0', 's-1', 's-2'], 'a stream keeps its order');
});

test('a closed sender refuses writes with a stable code', async () => {
  const sender = createAtomicSender({ kafka, transactionalId: `${topic}-closed` });
  await sender.close();
  await assert.rejects(sender.send([{ topic, messages: [{ value: 'x' }] }]), (e: unknown) => (e as { code?: string }).code === 'TIDINGS_ERR_KAFKA_CLOSED');
});

test('a caller error raised inside a stream aborts the whole transaction and passes through', async () => {
  const sender = createAtomicSender({ kafka, transactionalId: `${topic}-abort` });
  const failing = (async function* () {
    yield [{ topic, messages: [{ key: 'abort', value: 'must-not-appear' }] }];
    throw Object.assign(new Error('bad page'), { code: 'TIDINGS_ERR_VALIDATION' });
  })();
  await assert.rejects(sender.sendStream(failing), (e: unknown) => (e as { code?: string }).code === 'TIDINGS_ERR_VALIDATION');
  await sender.send([{ topic, messages: [{ key: 'after', value: 'after-abort' }] }]);
  await sender.close();
  const values = await readAll(154);
  assert.ok(values.includes('after-abort'));
  assert.ok(!values.includes('must-not-appear'), 'aborted records are invisible to read-committed consumers');
});

test('a transaction larger than the broker allows per partition is sent in chunks and commits whole, in order', async () => {
  const sender = createAtomicSender({ kafka, transactionalId: `${topic}-large`, lingerMs: 20 });
  // 3 × 40 records of 30 KiB for ONE key: 3.6 MB for one partition, against the broker's 1 MiB per record batch.
  const big = (w: number, i: number) => `big-${w}-${String(i).padStart(2, '0')}-${'x'.repeat(30 * 1024)}`;
  await Promise.all([0, 1, 2].map((w) => sender.send([{ topic, messages: Array.from({ length: 40 }, (_, i) => ({ key: 'large', value: big(w, i) })) }])));
  await sender.close();
  const values = (await readAll(154 + 120)).filter((v) => v.startsWith('big-')).map((v) => v.slice(0, 9));
  const expected = [0, 1, 2].flatMap((w) => Array.from({ length: 40 }, (_, i) => big(w, i).slice(0, 9)));
  assert.deepEqual(values, expected);
});
