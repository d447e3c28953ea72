import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ErrorBody } from '@tidings/protocol';
import { createNamespace, testEnv, tokenFor, type Namespace } from '@tidings/testkit';
import { expireIdempotencyKeys } from './idempotency.js';
import { startIngestApp, type IngestHarness } from './testing/harness.js';

/** Key retention on real Postgres (and Kafka): what is remembered, for how long, and how it goes. */
const env = testEnv();
const RETENTION_SEC = 3600;
let ns: Namespace;
let h: IngestHarness;

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  h = await startIngestApp(ns, env.authSecret, { idempotencyRetentionSec: RETENTION_SEC });
});
after(async () => {
  await h?.close();
  await ns?.drop();
});

async function post(token: string, key: string, title: string) {
  return h.app.inject({
    method: 'POST',
    url: '/v1/notifications',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    payload: JSON.stringify({ userId: 'u1', data: { category: 'c', title } }),
  });
}

test('a key is stored with a fingerprint only (never the body); past the retention it is taken over, and the sweep deletes old keys', async () => {
  const r = randomBytes(4).toString('hex');
  const token = await tokenFor(env.authSecret, `svc-${r}`, ['notifications:write']);
  const key = `k-${r}`;
  assert.equal((await post(token, key, `secret-title-${r}`)).statusCode, 202);
  const rows = await h.pool.query<{ source: string; key: string; fingerprint: string }>('SELECT source, key, fingerprint FROM idempotency_keys WHERE source = $1', [`svc-${r}`]);
  assert.deepEqual(rows.rows.map((x) => [x.source, x.key]), [[`svc-${r}`, key]]);
  assert.ok(!JSON.stringify(rows.rows).includes('secret-title'), 'the body is not stored');

  const changed = await post(token, key, `other-${r}`);
  assert.equal(changed.statusCode, 422);
  assert.equal(changed.json<ErrorBody>().code, 'TIDINGS_ERR_IDEMPOTENCY_MISMATCH');

  // Once older than the retention, the key is forgotten: the next request under it is the one remembered.
  await h.pool.query(`UPDATE idempotency_keys SET created_at = now() - make_interval(secs => $2 + 1) WHERE source = $1`, [`svc-${r}`, RETENTION_SEC]);
  assert.equal((await post(token, key, `other-${r}`)).statusCode, 202);
  assert.equal((await post(token, key, `secret-title-${r}`)).statusCode, 422, 'now the first body is the different one');

  // The sweep deletes only what is past the retention, in batches.
  const old = Array.from({ length: 25 }, (_, i) => `old-${r}-${i}`);
  await h.pool.query(`INSERT INTO idempotency_keys (source, key, fingerprint, created_at) SELECT $1, k, 'x', now() - interval '2 hours' FROM unnest($2::text[]) k`, [`svc-${r}`, old]);
  assert.ok((await expireIdempotencyKeys(h.pool, RETENTION_SEC, 10)) >= 25);
  const left = await h.pool.query<{ key: string }>('SELECT key FROM idempotency_keys WHERE source = $1', [`svc-${r}`]);
  assert.deepEqual(left.rows.map((x) => x.key), [key]);
});
