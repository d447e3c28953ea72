import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { explicitEventId } from '@tidings/producer';
import type { ErrorBody } from '@tidings/protocol';
import { createNamespace, readTopic, testEnv, tokenFor, type Namespace } from '@tidings/testkit';
import { startIngestApp, type IngestHarness } from './testing/harness.js';

const env = testEnv();
let ns: Namespace;
let limited: IngestHarness;

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  limited = await startIngestApp(ns, env.authSecret, { rateLimitPerSec: 3 });
});
after(async () => {
  await limited?.close();
  await ns?.drop();
});

const data = { category: 'test', title: 'hello' };

function post(h: IngestHarness, token: string, body: unknown) {
  return h.app.inject({
    method: 'POST',
    url: '/v1/notifications',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

test('the rate limit is per producing service: 429 TIDINGS_ERR_RATE_LIMITED with retry-after, others unaffected, nothing of the refused written', async () => {
  const run = randomBytes(4).toString('hex');
  const userId = `rl-${run}`;
  const a = await tokenFor(env.authSecret, `svc-a-${run}`, ['notifications:write']);
  const b = await tokenFor(env.authSecret, `svc-b-${run}`, ['notifications:write']);
  const ids = Array.from({ length: 6 }, (_, i) => `rl-${run}-${i}`);
  const responses = await Promise.all(ids.map((id) => post(limited, a, { id, userId, data })));
  // Event ids are derived from the explicit ids and the producer (svc-a, svc-b).
  const ok = ids.filter((_, i) => responses[i]!.statusCode === 202).map((id) => explicitEventId(`svc-a-${run}`, id));
  const refused = responses.filter((r) => r.statusCode === 429);
  assert.equal(ok.length, 3, responses.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
  assert.equal(refused.length, 3);
  for (const r of refused) {
    const body = r.json<ErrorBody>();
    assert.equal(body.code, 'TIDINGS_ERR_RATE_LIMITED');
    assert.match(body.message, /rate limit/);
    assert.ok(Number(r.headers['retry-after']) >= 1, `retry-after: ${String(r.headers['retry-after'])}`);
  }
  // Another service is not limited by the first one's burst.
  const other = await post(limited, b, { id: `rl-${run}-other`, userId, data });
  assert.equal(other.statusCode, 202, other.body);
  // Same user, same partition: once the later record is read, every earlier committed one has been too.
  const otherId = explicitEventId(`svc-b-${run}`, `rl-${run}-other`);
  assert.deepEqual(other.json<{ ids: string[] }>().ids, [otherId]);
  const records = await readTopic(ns.brokers, ns.topics.events, (rs) => rs.some((r) => r.value?.includes(otherId)));
  const seen = records.filter((r) => r.key === userId).map((r) => (JSON.parse(r.value!) as { id: string }).id);
  assert.deepEqual(seen.sort(), [...ok, otherId].sort());
});

test('GET /openapi.json documents every producer route without auth', async () => {
  const res = await limited.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; responses?: Record<string, unknown> }>> }>();
  assert.match(doc.openapi, /^3\./);
  assert.deepEqual(Object.keys(doc.paths).sort(), [
    '/healthz',
    '/metrics',
    '/readyz',
    '/v1/notifications',
    '/v1/notifications/batch',
    '/v1/topics/{topic}/subscribers/{userId}',
  ]);
  assert.ok(doc.paths['/v1/notifications']!['post']!.requestBody, 'request body schema documented');
  assert.ok(doc.paths['/v1/notifications']!['post']!.responses!['202'], '202 documented');
  assert.ok(doc.paths['/v1/notifications/batch']!['post']);
  assert.deepEqual(Object.keys(doc.paths['/v1/topics/{topic}/subscribers/{userId}']!).sort(), ['delete', 'put']);
});

test('a batch of 100 notifications with 15 KiB payloads for one user (1.5 MB in one partition) is accepted whole, in order', async () => {
  const run = randomBytes(4).toString('hex');
  const userId = `big-${run}`;
  const token = await tokenFor(env.authSecret, `svc-big-${run}`, ['notifications:write']);
  const ids = Array.from({ length: 100 }, (_, i) => `big-${run}-${String(i).padStart(3, '0')}`);
  const notifications = ids.map((id) => ({ id, userId, data: { ...data, payload: { blob: 'x'.repeat(15 * 1024) } } }));
  const res = await limited.app.inject({
    method: 'POST',
    url: '/v1/notifications/batch',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ notifications }),
  });
  assert.equal(res.statusCode, 202, res.body);
  const eventIds = ids.map((id) => explicitEventId(`svc-big-${run}`, id));
  assert.deepEqual(res.json<{ ids: string[] }>().ids, eventIds);
  const records = await readTopic(ns.brokers, ns.topics.events, (rs) => rs.some((r) => r.value?.includes(eventIds.at(-1)!)));
  const seen = records.filter((r) => r.key === userId).map((r) => (JSON.parse(r.value!) as { id: string }).id);
  assert.deepEqual(seen, eventIds);
});
