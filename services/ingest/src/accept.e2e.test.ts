import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { explicitEventId } from '@tidings/producer';
import {
  readTopic,
  requestJson,
  topicEndOffsets,
  useStack,
  waitForWatermarks,
} from '@tidings/testkit';

/**
 * Good inputs through real processes: ingest → Kafka → persister → Postgres.
 * Each accepted id must end up in `events` and `inbox` exactly once.
 */
const t = useStack({ gateways: 0, poolMax: 2 });
let writer: string;
let topicsWriter: string;

before(async () => {
  await t.ready();
  writer = await t.token('billing', ['notifications:write']);
  topicsWriter = await t.token('billing', ['topics:write']);
});

const data = { category: 'test', title: 'hello' };
const run = () => randomBytes(4).toString('hex');
const logs = () => `\ningest:\n${t.stack.ingest.logs.slice(-15).join('\n')}\npersister:\n${t.stack.persister.logs.slice(-15).join('\n')}`;

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<string[]> {
  const res = await requestJson<{ ids: string[] }>('POST', `${t.stack.ingest.url}${path}`, { token: writer, body, headers });
  assert.equal(res.status, 202, JSON.stringify(res.body) + logs());
  return res.body.ids;
}

/** Waits until the persister has consumed everything written so far, then counts rows per id. */
async function rowsPerId(ids: readonly string[]): Promise<{ events: Map<string, number>; inbox: Map<string, number> }> {
  await waitForWatermarks(t.ns.databaseUrl, await topicEndOffsets(t.ns.brokers, t.ns.topics.events));
  const count = async (sql: string) =>
    new Map((await t.pool.query<{ id: string; n: number }>(sql, [ids])).rows.map((r) => [r.id, r.n] as [string, number]));
  return {
    events: await count('SELECT id, count(*)::int AS n FROM events WHERE id = ANY($1) GROUP BY id'),
    inbox: await count('SELECT notification_id AS id, count(*)::int AS n FROM inbox WHERE notification_id = ANY($1) GROUP BY notification_id'),
  };
}

function assertOnceEach(rows: { events: Map<string, number>; inbox: Map<string, number> }, ids: readonly string[]): void {
  for (const id of ids) {
    assert.equal(rows.events.get(id), 1, `events rows for ${id}`);
    assert.equal(rows.inbox.get(id), 1, `inbox rows for ${id}`);
  }
}

test('userId, userIds (deduplicated) and a batch are each stored once, for the right users', async () => {
  const r = run();
  const [single] = await post('/v1/notifications', { userId: `solo-${r}`, data });
  const many = await post('/v1/notifications', { userIds: [`a-${r}`, `b-${r}`, `a-${r}`, `c-${r}`], data });
  assert.equal(many.length, 3, 'a repeated recipient gets one notification');
  const batch = await post('/v1/notifications/batch', {
    notifications: [
      { userId: `a-${r}`, data: { ...data, title: 'one' } },
      { userIds: [`b-${r}`, `c-${r}`], data: { ...data, title: 'two', priority: 'high', payload: { n: 1 } } },
    ],
  });
  assert.equal(batch.length, 3);
  const ids = [single!, ...many, ...batch];
  assert.equal(new Set(ids).size, ids.length, 'ids are distinct');
  assertOnceEach(await rowsPerId(ids), ids);
  const owners = await t.pool.query<{ id: string; user_id: string; title: string }>(
    `SELECT e.id, e.user_id, i.title FROM events e JOIN inbox i ON i.notification_id = e.id WHERE e.id = ANY($1)`,
    [ids],
  );
  const byId = new Map(owners.rows.map((o) => [o.id, o]));
  assert.equal(byId.get(single!)!.user_id, `solo-${r}`);
  assert.deepEqual(many.map((id) => byId.get(id)!.user_id), [`a-${r}`, `b-${r}`, `c-${r}`]);
  assert.deepEqual(batch.map((id) => [byId.get(id)!.user_id, byId.get(id)!.title]), [
    [`a-${r}`, 'one'],
    [`b-${r}`, 'two'],
    [`c-${r}`, 'two'],
  ]);
});

test('a topic with 20,000 subscribers fans out to each of them once; PUT/DELETE manage the audience', async () => {
  const r = run();
  const topic = `news-${r}`;
  // The bulk of the audience straight into the table (billing's topic: topics belong to their producer); the API path for a few.
  await t.pool.query(
    `INSERT INTO topic_subscriptions (owner, topic, user_id) SELECT 'billing', $1, 'sub-' || $2 || '-' || lpad(g::text, 5, '0') FROM generate_series(1, 20000) g`,
    [topic, r],
  );
  const url = (userId: string) => `${t.stack.ingest.url}/v1/topics/${topic}/subscribers/${userId}`;
  for (const [method, userId] of [['PUT', `late-${r}`], ['PUT', `late-${r}`], ['PUT', `gone-${r}`], ['DELETE', `gone-${r}`], ['DELETE', `never-${r}`]] as const) {
    const res = await requestJson(method, url(userId), { token: topicsWriter });
    assert.equal(res.status, 204, `${method} ${userId}: ${JSON.stringify(res.body)}`);
  }
  const ids = await post('/v1/notifications', { topic, data: { ...data, title: 'breaking' } });
  assert.equal(ids.length, 20001);
  assert.equal(new Set(ids).size, 20001);
  const rows = await rowsPerId(ids);
  assert.equal(rows.events.size, 20001);
  assert.equal(rows.inbox.size, 20001);
  assert.ok([...rows.events.values(), ...rows.inbox.values()].every((n) => n === 1));
  const users = await t.pool.query<{ n: number; late: number; gone: number }>(
    `SELECT count(DISTINCT user_id)::int AS n, count(*) FILTER (WHERE user_id = $2)::int AS late, count(*) FILTER (WHERE user_id = $3)::int AS gone
     FROM events WHERE id = ANY($1)`,
    [ids, `late-${r}`, `gone-${r}`],
  );
  assert.deepEqual(users.rows[0], { n: 20001, late: 1, gone: 0 });
});

test('a topic nobody subscribes to is accepted with no ids', async () => {
  assert.deepEqual(await post('/v1/notifications', { topic: `empty-${run()}`, data }), []);
});

test('Idempotency-Key: a retry gets the same ids and stores nothing twice', async () => {
  const r = run();
  const key = { 'idempotency-key': `order-${r}` };
  const body = { userIds: [`k1-${r}`, `k2-${r}`], data };
  const first = await post('/v1/notifications', body, key);
  const retry = await post('/v1/notifications', body, key);
  assert.deepEqual(retry, first);
  const batchBody = { notifications: [{ userId: `k1-${r}`, data }, { userId: `k2-${r}`, data }] };
  // A key names one request: the batch needs its own (the same key on another route is a 422, see tenancy.e2e.test.ts).
  const batchKey = { 'idempotency-key': `order-${r}-batch` };
  const batchFirst = await post('/v1/notifications/batch', batchBody, batchKey);
  const batchRetry = await post('/v1/notifications/batch', batchBody, batchKey);
  assert.deepEqual(batchRetry, batchFirst);
  // Another key, or no key, is another notification.
  const other = await post('/v1/notifications', body, { 'idempotency-key': `order-${r}-2` });
  const none = await post('/v1/notifications', body);
  const all = [...first, ...batchFirst, ...other, ...none];
  assert.equal(new Set(all).size, 8);
  assertOnceEach(await rowsPerId(all), all);
});

test('G4: an explicit id submitted twice in sequence and five times concurrently is one event and one inbox row', async () => {
  const r = run();
  // Explicit ids are scoped to the producer: the event ids are derived from them and the token's sub.
  const seqId = explicitEventId('billing', `seq-${r}`);
  const conId = explicitEventId('billing', `con-${r}`);
  const userId = `g4-${r}`;
  assert.deepEqual(await post('/v1/notifications', { id: `seq-${r}`, userId, data }), [seqId]);
  assert.deepEqual(await post('/v1/notifications', { id: `seq-${r}`, userId, data }), [seqId]);
  const concurrent = await Promise.all(Array.from({ length: 5 }, () => post('/v1/notifications', { id: `con-${r}`, userId, data })));
  assert.ok(concurrent.every((ids) => ids.length === 1 && ids[0] === conId));
  // Kafka holds every submission: the persister is what makes them one.
  const records = await readTopic(t.ns.brokers, t.ns.topics.events, (rs) => rs.filter((x) => x.key === userId).length >= 7);
  assert.equal(records.filter((x) => x.key === userId).length, 7);
  const rows = await rowsPerId([seqId, conId]);
  assertOnceEach(rows, [seqId, conId]);
  const inbox = await t.pool.query('SELECT notification_id FROM inbox WHERE user_id = $1 ORDER BY notification_id', [userId]);
  assert.deepEqual(inbox.rows.map((x: { notification_id: string }) => x.notification_id), [conId, seqId].sort());
});
