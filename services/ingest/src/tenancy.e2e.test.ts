import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { baseId } from '@tidings/producer';
import type { ErrorBody } from '@tidings/protocol';
import { readTopic, requestJson, topicEndOffsets, useStack, waitForWatermarks } from '@tidings/testkit';

/**
 * Producers are tenants (docs/contract.md §10): ids, idempotency keys and
 * topics are scoped to the producing service, so nothing one producer sends
 * replaces, suppresses, reveals or redirects another's notifications.
 * Real processes: ingest → Kafka → persister → Postgres.
 */
const t = useStack({ gateways: 0, poolMax: 2 });
const producers = { billing: '', rogue: '' };

before(async () => {
  await t.ready();
  producers.billing = await t.token('billing', ['notifications:write', 'topics:write']);
  producers.rogue = await t.token('rogue', ['notifications:write', 'topics:write']);
});

type Producer = keyof typeof producers;
const run = () => randomBytes(4).toString('hex');
const logs = () => `\ningest:\n${t.stack.ingest.logs.slice(-15).join('\n')}\npersister:\n${t.stack.persister.logs.slice(-15).join('\n')}`;

function call<T>(as: Producer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return requestJson<T>(method, `${t.stack.ingest.url}${path}`, { token: producers[as], body, headers });
}

async function post(as: Producer, path: string, body: unknown, headers: Record<string, string> = {}): Promise<string[]> {
  const res = await call<{ ids: string[] }>(as, 'POST', path, body, headers);
  assert.equal(res.status, 202, JSON.stringify(res.body) + logs());
  return res.body.ids;
}

/** What the persister stored for these ids, once it has consumed everything written so far. */
async function stored(ids: readonly string[]): Promise<{ source: string; user_id: string; title: string }[]> {
  await waitForWatermarks(t.ns.databaseUrl, await topicEndOffsets(t.ns.brokers, t.ns.topics.events));
  const r = await t.pool.query<{ source: string; user_id: string; title: string }>(
    `SELECT e.source, e.user_id, i.title FROM events e JOIN inbox i ON i.notification_id = e.id WHERE e.id = ANY($1) ORDER BY e.source, e.user_id`,
    [ids],
  );
  return r.rows;
}

const note = (title: string) => ({ category: 'invoice', title });

test('two producers with the same explicit id, to the same user: each notification is stored, with its own content', async () => {
  const r = run();
  const user = `u-${r}`;
  // The squatter goes first with the id it expects the victim to use.
  const fake = await post('rogue', '/v1/notifications', { id: `inv-${r}`, userId: user, data: note('FAKE') });
  const real = await post('billing', '/v1/notifications', { id: `inv-${r}`, userId: user, data: note('Invoice ready') });
  assert.notDeepEqual(real, fake, 'the same explicit id from two producers is two events');
  assert.deepEqual(await stored([...fake, ...real]), [
    { source: 'billing', user_id: user, title: 'Invoice ready' },
    { source: 'rogue', user_id: user, title: 'FAKE' },
  ]);
  // A retry by the owner is still the same event (G4).
  assert.deepEqual(await post('billing', '/v1/notifications', { id: `inv-${r}`, userId: user, data: note('Invoice ready') }), real);
});

test('the same explicit id squatted on another user does not keep the owner\'s notification from being stored', async () => {
  const r = run();
  const fake = await post('rogue', '/v1/notifications', { id: `inv-${r}`, userId: `elsewhere-${r}`, data: note('FAKE') });
  const real = await post('billing', '/v1/notifications', { id: `inv-${r}`, userId: `u-${r}`, data: note('Invoice ready') });
  assert.deepEqual(await stored([...fake, ...real]), [
    { source: 'billing', user_id: `u-${r}`, title: 'Invoice ready' },
    { source: 'rogue', user_id: `elsewhere-${r}`, title: 'FAKE' },
  ]);
});

test('an id derived from another producer\'s Idempotency-Key cannot be squatted by posting it as an explicit id', async () => {
  const r = run();
  const key = `order-${r}`;
  // Anyone can compute billing's key-derived id; the squatter posts it first, to the same and to another user.
  const victimId = baseId(undefined, 0, { source: 'billing', idempotencyKey: key })!;
  const squats = [
    ...(await post('rogue', '/v1/notifications', { id: victimId, userId: `u-${r}`, data: note('FAKE') })),
    ...(await post('rogue', '/v1/notifications', { id: victimId, userId: `v-${r}`, data: note('FAKE') })),
  ];
  const real = await post('billing', '/v1/notifications', { userId: `u-${r}`, data: note('Invoice ready') }, { 'idempotency-key': key });
  assert.deepEqual(real, [victimId]);
  assert.ok(!squats.includes(victimId));
  const rows = await stored([...squats, ...real]);
  // The squatter's first post is its own notification; its second (its own id again, for another
  // user) is not a retry of it, so the persister dead-letters it instead of storing or dropping it.
  assert.deepEqual(rows, [
    { source: 'billing', user_id: `u-${r}`, title: 'Invoice ready' },
    { source: 'rogue', user_id: `u-${r}`, title: 'FAKE' },
  ]);
});

test('Idempotency-Key reused with a different body, recipient or route: 422 TIDINGS_ERR_IDEMPOTENCY_MISMATCH and nothing sent; the same request proceeds', async () => {
  const r = run();
  const key = { 'idempotency-key': `order-${r}` };
  const body = { userIds: [`a-${r}`, `b-${r}`], data: note(`first-${r}`) };
  const first = await post('billing', '/v1/notifications', body, key);
  const refused = [
    { path: '/v1/notifications', body: { ...body, data: note(`changed-body-${r}`) } },
    { path: '/v1/notifications', body: { ...body, userIds: [`a-${r}`, `intruder-${r}`] } },
    { path: '/v1/notifications', body: { userId: `a-${r}`, data: note(`changed-body-${r}`) } },
    { path: '/v1/notifications/batch', body: { notifications: [{ userId: `a-${r}`, data: note(`changed-body-${r}`) }] } },
  ];
  for (const c of refused) {
    const res = await call<ErrorBody>('billing', 'POST', c.path, c.body, key);
    assert.equal(res.status, 422, `${c.path} ${JSON.stringify(c.body)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, 'TIDINGS_ERR_IDEMPOTENCY_MISMATCH');
    assert.deepEqual(res.body.issues?.map((i) => i.path), ['/headers/idempotency-key']);
  }
  // The same request again (keys in another order) is a retry: same ids.
  assert.deepEqual(await post('billing', '/v1/notifications', { data: note(`first-${r}`), userIds: [`a-${r}`, `b-${r}`] }, key), first);
  // Keys are per producer: another producer's request under the same key is its own.
  const other = await post('rogue', '/v1/notifications', { userId: `a-${r}`, data: note(`rogue-${r}`) }, key);
  assert.ok(!first.includes(other[0]!));

  // Nothing of a refused request reached Kafka: read up to a later marker.
  await post('billing', '/v1/notifications', { userId: `a-${r}`, data: note(`marker-${r}`) });
  const records = await readTopic(t.ns.brokers, t.ns.topics.events, (rs) => rs.some((x) => x.value?.includes(`marker-${r}`)));
  const mine = records.filter((x) => x.value?.includes(r));
  assert.ok(!mine.some((x) => x.value!.includes(`changed-body-${r}`) || x.key === `intruder-${r}`), mine.map((x) => x.value).join('\n'));
  assert.deepEqual(await stored(first), [
    { source: 'billing', user_id: `a-${r}`, title: `first-${r}` },
    { source: 'billing', user_id: `b-${r}`, title: `first-${r}` },
  ]);
});

test('two producers\' topics of the same name are separate: each reaches only its own subscribers, and neither can unsubscribe the other\'s', async () => {
  const r = run();
  const topic = `news-${r}`;
  const sub = (as: Producer, method: 'PUT' | 'DELETE', user: string) => call(as, method, `/v1/topics/${topic}/subscribers/${user}`);
  assert.equal((await sub('billing', 'PUT', `reader-${r}`)).status, 204);
  assert.equal((await sub('rogue', 'PUT', `lurker-${r}`)).status, 204);
  // The other producer removes billing's subscriber from "its" topic of that name: no effect on billing's.
  assert.equal((await sub('rogue', 'DELETE', `reader-${r}`)).status, 204);

  const billing = await post('billing', '/v1/notifications', { topic, data: note(`billing-news-${r}`) });
  const rogue = await post('rogue', '/v1/notifications', { topic, data: note(`rogue-news-${r}`) });
  assert.equal(billing.length, 1);
  assert.equal(rogue.length, 1);
  assert.deepEqual(await stored([...billing, ...rogue]), [
    { source: 'billing', user_id: `reader-${r}`, title: `billing-news-${r}` },
    { source: 'rogue', user_id: `lurker-${r}`, title: `rogue-news-${r}` },
  ]);
  // Its owner can still remove its subscriber.
  assert.equal((await sub('billing', 'DELETE', `reader-${r}`)).status, 204);
  assert.deepEqual(await post('billing', '/v1/notifications', { topic, data: note('nobody') }), []);
});
