import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ErrorBody } from '@tidings/protocol';
import { createNamespace, testEnv, tokenFor, type Namespace } from '@tidings/testkit';
import { startIngestApp, type IngestHarness } from './testing/harness.js';

/** Every producer route counts against the producing service's rate limit, not only the notification routes. */
const env = testEnv();
let ns: Namespace;
let limited: IngestHarness;

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  limited = await startIngestApp(ns, env.authSecret, { rateLimitPerSec: 3, label: 'rl' });
});
after(async () => {
  await limited?.close();
  await ns?.drop();
});

test('topic subscription routes are rate limited per producing service: 429 with retry-after, other services unaffected, refused ones not stored', async () => {
  const run = randomBytes(4).toString('hex');
  const a = await tokenFor(env.authSecret, `svc-a-${run}`, ['topics:write']);
  const b = await tokenFor(env.authSecret, `svc-b-${run}`, ['topics:write']);
  const users = Array.from({ length: 6 }, (_, i) => `sub-${run}-${i}`);
  const put = (token: string, userId: string) =>
    limited.app.inject({ method: 'PUT', url: `/v1/topics/news-${run}/subscribers/${userId}`, headers: { authorization: `Bearer ${token}` } });
  const responses = await Promise.all(users.map((u) => put(a, u)));
  const statuses = responses.map((r) => r.statusCode);
  assert.equal(statuses.filter((s) => s === 204).length, 3, statuses.join(','));
  for (const r of responses.filter((x) => x.statusCode === 429)) {
    assert.equal(r.json<ErrorBody>().code, 'TIDINGS_ERR_RATE_LIMITED');
    assert.ok(Number(r.headers['retry-after']) >= 1, `retry-after: ${String(r.headers['retry-after'])}`);
  }
  assert.equal((await put(b, `sub-${run}-other`)).statusCode, 204, 'another service is not limited by the first one');
  const stored = await limited.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM topic_subscriptions WHERE user_id LIKE $1', [`sub-${run}-%`]);
  assert.equal(Number(stored.rows[0]!.n), 4);
});
