import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KafkaWriteError } from '@tidings/kafka';
import { validateEnvelope } from '@tidings/protocol';
import { createNamespace, readTopic, testEnv, topicEndOffsets, type Namespace } from '@tidings/testkit';
import { ProducerError } from './errors.js';
import { explicitEventId } from './ids.js';
import { createProducer } from './producer.js';
import type { Notification, Producer } from './types.js';

/** The producer library against real Kafka, in a namespace of its own. */
const env = testEnv();
let ns: Namespace;
let producer: Producer;

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  producer = createProducer({ brokers: ns.brokers.split(','), clientId: 'billing-test', source: 'billing', transactionalId: `${ns.topicPrefix}billing-0`, topicPrefix: ns.topicPrefix });
});
after(async () => {
  await producer?.close();
  await ns?.drop();
});

const data = { category: 'billing', title: 'Invoice ready' };
const run = () => randomBytes(4).toString('hex');
const parse = (v: string | null) => JSON.parse(v!) as { id: string; userId: string; source: string; type: string };

test('send: one record per recipient, key = userId, a valid envelope with the source, content-type and traceparent headers', async () => {
  const r = run();
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const { ids } = await producer.send({ userIds: [`a-${r}`, `b-${r}`, `a-${r}`], data }, { traceparent });
  assert.equal(ids.length, 2);
  const records = await readTopic(ns.brokers, ns.topics.events, (rs) => ids.every((id) => rs.some((x) => x.value?.includes(id))));
  const mine = records.filter((x) => ids.includes(parse(x.value).id));
  assert.equal(mine.length, 2);
  for (const rec of mine) {
    const env = parse(rec.value);
    assert.ok(validateEnvelope(env).ok);
    assert.equal(rec.key, env.userId);
    assert.equal(env.source, 'billing');
    assert.equal(rec.headers['content-type'], 'application/json');
    assert.equal(rec.headers['traceparent'], traceparent);
  }
  assert.deepEqual(mine.map((x) => x.key).sort(), [`a-${r}`, `b-${r}`]);
});

test('explicit ids and idempotency keys give the same ids on retry, the ids ingest derives for the same producer', async () => {
  const r = run();
  const once = await producer.send({ id: `inv-${r}`, userId: `u-${r}`, data });
  assert.deepEqual(once.ids, [explicitEventId('billing', `inv-${r}`)]);
  assert.deepEqual((await producer.send({ id: `inv-${r}`, userId: `u-${r}`, data })).ids, once.ids);
  const first = await producer.sendBatch([{ userId: `u-${r}`, data }, { userIds: [`v-${r}`, `w-${r}`], data }], { idempotencyKey: `k-${r}` });
  const retry = await producer.sendBatch([{ userId: `u-${r}`, data }, { userIds: [`v-${r}`, `w-${r}`], data }], { idempotencyKey: `k-${r}` });
  assert.equal(first.ids.length, 3);
  assert.deepEqual(retry.ids, first.ids);
});

test('sendBatch is atomic and concurrent sends all land', async () => {
  const r = run();
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => producer.sendBatch([{ userId: `c-${r}-${i}`, data }, { userId: `c-${r}-${i}`, data }])));
  const ids = results.flatMap((x) => x.ids);
  assert.equal(new Set(ids).size, 40);
  const records = await readTopic(ns.brokers, ns.topics.events, (rs) => rs.filter((x) => x.key?.startsWith(`c-${r}-`)).length >= 40);
  assert.equal(records.filter((x) => x.key?.startsWith(`c-${r}-`)).length, 40);
});

const invalid: Array<{ name: string; call: () => Promise<unknown>; code: string; path: string }> = [
  { name: 'missing title', call: () => producer.send({ userId: 'u1', data: { category: 'c' } } as unknown as Notification), code: 'TIDINGS_ERR_VALIDATION', path: '/data/title' },
  { name: 'illegal userId', call: () => producer.send({ userId: 'no spaces', data }), code: 'TIDINGS_ERR_VALIDATION', path: '/userId' },
  { name: 'unknown field', call: () => producer.send({ userId: 'u1', data, extra: 1 } as unknown as Notification), code: 'TIDINGS_ERR_VALIDATION', path: '/extra' },
  { name: 'a topic (ingest only)', call: () => producer.send({ topic: 'news', data } as unknown as Notification), code: 'TIDINGS_ERR_VALIDATION', path: '/topic' },
  { name: 'both userId and userIds', call: () => producer.send({ userId: 'u1', userIds: ['u2'], data } as unknown as Notification), code: 'TIDINGS_ERR_VALIDATION', path: '/' },
  { name: '1001 recipients', call: () => producer.send({ userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`), data }), code: 'TIDINGS_ERR_VALIDATION', path: '/userIds' },
  { name: 'payload over 16 KiB', call: () => producer.send({ userId: 'u1', data: { ...data, payload: 'p'.repeat(17000) } }), code: 'TIDINGS_ERR_TOO_LARGE', path: '/data/payload' },
  { name: 'one bad item spoils the batch', call: () => producer.sendBatch([{ userId: 'u1', data }, { userId: 'u1', data: { ...data, priority: 'urgent' as 'high' } }]), code: 'TIDINGS_ERR_VALIDATION', path: '/1/data/priority' },
  { name: 'empty batch', call: () => producer.sendBatch([]), code: 'TIDINGS_ERR_VALIDATION', path: '/' },
  { name: 'empty idempotency key', call: () => producer.send({ userId: 'u1', data }, { idempotencyKey: '' }), code: 'TIDINGS_ERR_VALIDATION', path: '/idempotencyKey' },
];
for (const c of invalid) {
  test(`rejects ${c.name} with ${c.code} at ${c.path}, writing nothing`, async () => {
    const before = await topicEndOffsets(ns.brokers, ns.topics.events);
    await assert.rejects(c.call(), (e: unknown) => {
      assert.ok(e instanceof ProducerError, String(e));
      assert.equal(e.code, c.code);
      assert.equal(e.retryable, false);
      assert.ok(e.issues.some((i) => i.path === c.path), JSON.stringify(e.issues));
      return true;
    });
    assert.deepEqual(await topicEndOffsets(ns.brokers, ns.topics.events), before);
  });
}

test('bad options are refused up front, naming the option', () => {
  assert.throws(
    () => createProducer({ brokers: [], clientId: 'x', source: 's', transactionalId: 't' }),
    (e: unknown) => e instanceof ProducerError && e.code === 'TIDINGS_ERR_PRODUCER_OPTIONS' && e.issues.some((i) => i.path === '/brokers'),
  );
  assert.throws(
    () => createProducer({ brokers: ['k:1'], clientId: 'x', source: '', transactionalId: 't', lingerMs: -1 }),
    (e: unknown) => e instanceof ProducerError && ['/source', '/lingerMs'].every((p) => e.issues.some((i) => i.path === p)),
  );
});

test('Kafka unreachable: the send rejects with a retryable KafkaWriteError within its timeout', async () => {
  const lost = createProducer({ brokers: ['127.0.0.1:1'], clientId: 'lost', source: 's', transactionalId: `lost-${run()}`, sendTimeoutMs: 500 });
  const t0 = Date.now();
  await assert.rejects(lost.send({ userId: 'u1', data }), (e: unknown) => e instanceof KafkaWriteError && e.retryable);
  assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  await lost.close();
});

test('after close, sends reject', async () => {
  const p = createProducer({ brokers: ns.brokers.split(','), clientId: 'closing', source: 's', transactionalId: `${ns.topicPrefix}closing-0`, topicPrefix: ns.topicPrefix });
  await p.send({ userId: 'u1', data });
  await p.close();
  await assert.rejects(p.send({ userId: 'u1', data }), (e: unknown) => e instanceof KafkaWriteError && e.code === 'TIDINGS_ERR_KAFKA_CLOSED');
});
