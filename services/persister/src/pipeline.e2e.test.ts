import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createKafka, partitionFor, EVENTS_PARTITIONS } from '@tidings/kafka';
import {
  readTopic,
  requestJson,
  topicEndOffsets,
  useStack,
  waitForPersisted,
  waitForWatermarks,
} from '@tidings/testkit';
import { produce, type Sent } from './testing/load.js';

/** The persister as a process: completeness, per-user order, and poison records. */
const t = useStack({ gateways: 0, poolMax: 2 });
let writer: string;

before(async () => {
  await t.ready();
  writer = await t.token('loadgen', ['notifications:write']);
});

const logs = () => `\npersister:\n${t.stack.persister.logs.slice(-20).join('\n')}`;

test('every accepted event is in Postgres once, each user in one partition, in the order it was accepted', async () => {
  const r = randomBytes(3).toString('hex');
  const sent: Sent = new Map();
  // 4 concurrent producers, each owning 5 users: 4 × 25 batches × 40 = 4000 events.
  const counts = await Promise.all(
    Array.from({ length: 4 }, (_, p) =>
      produce({ ingestUrl: t.stack.ingest.url, token: writer, users: Array.from({ length: 5 }, (_, u) => `ord-${r}-${p}-${u}`), batches: 25, size: 40, sent }),
    ),
  );
  const total = counts.reduce((a, b) => a + b, 0);
  assert.equal(total, 4000);
  await waitForWatermarks(t.ns.databaseUrl, await topicEndOffsets(t.ns.brokers, t.ns.topics.events)).catch((e: Error) => assert.fail(e.message + logs()));

  const rows = await t.pool.query<{ id: string; user_id: string; partition: number }>(
    `SELECT id, user_id, partition FROM events WHERE user_id LIKE $1 ORDER BY partition, "offset"`,
    [`ord-${r}-%`],
  );
  assert.equal(rows.rows.length, total);
  assert.equal(new Set(rows.rows.map((x) => x.id)).size, total, 'no id twice');
  const stored = new Map<string, string[]>();
  for (const row of rows.rows) {
    assert.equal(row.partition, partitionFor(row.user_id, EVENTS_PARTITIONS), `${row.user_id} outside its partition`);
    stored.set(row.user_id, [...(stored.get(row.user_id) ?? []), row.id]);
  }
  assert.equal(stored.size, 20);
  for (const [userId, ids] of sent) assert.deepEqual(stored.get(userId), ids, `order of ${userId}`);
  const inbox = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM inbox WHERE user_id LIKE $1', [`ord-${r}-%`]);
  assert.equal(inbox.rows[0]!.n, total);
});

test('poison records written straight to Kafka land in dead_letters and the DLQ topic with their reason; later records persist', async () => {
  const userId = `poison-${randomBytes(3).toString('hex')}`;
  const time = new Date().toISOString();
  const envelope = (over: Record<string, unknown>) => JSON.stringify({ id: `p-${randomBytes(4).toString('hex')}`, type: 'notification.created', userId, time, source: 'rogue', data: { category: 'c', title: 't' }, ...over });
  const poison: Array<{ value: string | null; reason: RegExp }> = [
    { value: '{"id": "half', reason: /not valid JSON/ },
    { value: envelope({ userId: 'someone-else' }), reason: /key does not match userId/ },
    { value: envelope({ data: { title: 'no category' } }), reason: /\/data\/category/ },
    { value: envelope({ type: 'notification.deleted' }), reason: /\/type/ },
    { value: null, reason: /no value/ },
    // Valid JSON Schema-wise once, but not storable in Postgres: would have blocked the partition.
    { value: envelope({ data: { category: 'c', title: 'nul \u0000 inside' } }), reason: /\/data\/title/ },
    { value: envelope({ time: '0000-01-01T00:00:00Z' }), reason: /\/time/ },
  ];
  const kafka = createKafka({ brokers: t.ns.brokers.split(','), clientId: 'rogue-producer' });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: t.ns.topics.events, acks: -1, messages: poison.map((p) => ({ key: userId, value: p.value })) });
  } finally {
    await producer.disconnect();
  }
  // A good notification for the same user, hence the same partition and a later offset.
  const res = await requestJson<{ ids: string[] }>('POST', `${t.stack.ingest.url}/v1/notifications`, { token: writer, body: { userId, data: { category: 'c', title: 'after the poison' } } });
  assert.equal(res.status, 202);
  await waitForPersisted(t.ns.databaseUrl, res.body.ids).catch((e: Error) => assert.fail(e.message + logs()));

  const dead = await t.pool.query<{ partition: number; offset: string; key: string; value: string | null; reason: string }>(
    `SELECT partition, "offset"::text AS offset, key, value, reason FROM dead_letters WHERE key = $1 ORDER BY dead_letters."offset"`,
    [userId],
  );
  assert.equal(dead.rows.length, poison.length, JSON.stringify(dead.rows));
  dead.rows.forEach((row, i) => {
    assert.equal(row.partition, partitionFor(userId, EVENTS_PARTITIONS));
    assert.equal(row.value, poison[i]!.value);
    assert.match(row.reason, poison[i]!.reason);
  });
  const good = await t.pool.query<{ offset: string }>('SELECT "offset"::text AS offset FROM events WHERE id = $1', [res.body.ids[0]]);
  assert.ok(BigInt(good.rows[0]!.offset) > BigInt(dead.rows.at(-1)!.offset), 'the good record came after the poison');
  const stored = await t.pool.query('SELECT id FROM events WHERE user_id = $1 OR source = $2', [userId, 'rogue']);
  assert.equal(stored.rows.length, 1, 'only the good record is in the event log');

  const dlq = await readTopic(t.ns.brokers, t.ns.topics.dlq, (rs) => rs.filter((x) => x.key === userId).length >= poison.length);
  const mine = dlq.filter((x) => x.key === userId);
  assert.equal(mine.length, poison.length);
  mine.forEach((rec, i) => {
    assert.equal(rec.value, poison[i]!.value);
    assert.match(rec.headers['tidings-reason'] ?? '', poison[i]!.reason);
    assert.equal(rec.headers['tidings-source-topic'], t.ns.topics.events);
    assert.equal(rec.headers['tidings-source-partition'], String(dead.rows[i]!.partition));
    assert.equal(rec.headers['tidings-source-offset'], dead.rows[i]!.offset);
  });
});
