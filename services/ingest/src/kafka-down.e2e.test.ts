import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { explicitEventId } from '@tidings/producer';
import type { ErrorBody } from '@tidings/protocol';
import {
  createNamespace,
  readTopic,
  requestJson,
  startKafka,
  startStack,
  testAuthEnv,
  testEnv,
  tokenFor,
  topicEndOffsets,
  waitForPersisted,
  waitForWatermarks,
  type JsonResponse,
  type Namespace,
  type RunningKafka,
  type Stack,
} from '@tidings/testkit';

/**
 * G1/G6 with Kafka gone: ingest answers 503 within its send timeout, accepts
 * nothing (the refused notification never becomes visible to a
 * read-committed consumer nor reaches Postgres), and works again once Kafka
 * is back. Runs on a broker of its own, since it stops it.
 */
const env = testEnv();
const SEND_TIMEOUT_MS = 1500;
let kafka: RunningKafka;
let ns: Namespace;
let stack: Stack;
let pool: pg.Pool;
let writer: string;

before(async () => {
  kafka = await startKafka({ heapMb: 384 });
  ns = await createNamespace(kafka.brokers.join(','), env.databaseUrl);
  stack = await startStack({
    env: ns.env,
    authEnv: testAuthEnv(env.authSecret),
    gateways: 0,
    extraEnv: { ingest: { INGEST_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS) }, persister: { PERSISTER_SESSION_TIMEOUT_MS: '6000' } },
  });
  pool = new pg.Pool({ connectionString: ns.databaseUrl, max: 2 });
  writer = await tokenFor(env.authSecret, 'billing', ['notifications:write']);
});
after(async () => {
  await pool?.end();
  await stack?.stop();
  await ns?.drop();
  await kafka?.stop();
});

const userId = 'kafka-down-user';
const data = { category: 'test', title: 'hello' };
const logs = () => `\ningest:\n${stack.ingest.logs.slice(-20).join('\n')}`;
/** The event id of an explicit id sent by this file's producer (ids are scoped to the producer). */
const ev = (id: string) => explicitEventId('billing', id);

async function timedPost(path: string, body: unknown): Promise<JsonResponse<ErrorBody & { ids: string[] }> & { ms: number }> {
  const t0 = Date.now();
  const res = await requestJson<ErrorBody & { ids: string[] }>('POST', `${stack.ingest.url}${path}`, { token: writer, body });
  return { ...res, ms: Date.now() - t0 };
}

/**
 * POSTs until accepted (a broker that just started, or restarted, needs a
 * moment before its transaction coordinator answers), with a short pause
 * between attempts and a deadline. Every refusal must be a clean 503.
 */
async function postUntilAccepted(body: (attempt: number) => unknown): Promise<Awaited<ReturnType<typeof timedPost>> & { attempts: number }> {
  const deadline = Date.now() + 60000;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const r = await timedPost('/v1/notifications', body(attempt));
    if (r.status === 202) return { ...r, attempts: attempt + 1 };
    assert.equal(r.status, 503, JSON.stringify(r.body) + logs());
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`ingest did not accept within 60 s${logs()}`);
}

test('Kafka stopped: 503 within the send timeout and nothing accepted; after the restart it works, and a retry is safe', async () => {
  // The same id on every attempt: a retry after a 503 is safe (G4), and so is this warm-up.
  await postUntilAccepted(() => ({ id: 'before', userId, data }));

  const refused: Array<Awaited<ReturnType<typeof timedPost>>> = [];
  await kafka.restart({
    whileDown: async () => {
      refused.push(await timedPost('/v1/notifications', { id: 'while-down', userId, data }));
      refused.push(await timedPost('/v1/notifications/batch', { notifications: [{ id: 'retried-later', userId, data }, { userIds: ['x1', 'x2'], data }] }));
    },
  });
  for (const r of refused) {
    assert.equal(r.status, 503, JSON.stringify(r.body) + logs());
    assert.equal(r.body.code, 'TIDINGS_ERR_UNAVAILABLE');
    assert.equal(r.headers.get('retry-after'), '1');
    // "Fast": bounded by the send timeout (plus scheduling slack), not by kafkajs' own retries.
    assert.ok(r.ms < SEND_TIMEOUT_MS + 1500, `503 took ${r.ms} ms`);
  }

  // Back up: the first accepted request proves recovery (each attempt a new id, so refused ones can be looked for).
  const recovered = await postUntilAccepted((attempt) => ({ id: `after-${attempt}`, userId, data }));
  // The client's retry of the refused batch, with the same ids, is safe (G4).
  const retry = await timedPost('/v1/notifications/batch', { notifications: [{ id: 'retried-later', userId, data }] });
  assert.equal(retry.status, 202, JSON.stringify(retry.body));
  const last = await timedPost('/v1/notifications', { id: 'last', userId, data });
  assert.equal(last.status, 202, JSON.stringify(last.body));

  // One user, one partition: once `last` is read, every committed earlier record has been too.
  const records = await readTopic(ns.brokers, ns.topics.events, (rs) => rs.some((r) => r.value?.includes(ev('last'))));
  const ids = records.filter((r) => r.key === userId).map((r) => (JSON.parse(r.value!) as { id: string }).id);
  assert.ok(!ids.includes(ev('while-down')), `refused notification became visible: ${ids.join(',')}`);
  // Of the attempts after the restart, only the accepted one is visible.
  const attempted = new Set(Array.from({ length: recovered.attempts }, (_, a) => ev(`after-${a}`)));
  assert.deepEqual(ids.filter((id) => attempted.has(id)), recovered.body.ids);
  assert.deepEqual(ids.filter((id) => id === ev('retried-later')), [ev('retried-later')], 'only the retry is visible');
  assert.equal(ids[0], ev('before'));
  assert.equal(ids.at(-1), ev('last'));
  assert.ok(!records.some((r) => r.key === 'x1' || r.key === 'x2'), 'nothing of the refused batch is visible');

  // Postgres agrees once the persister has caught up with the log.
  await waitForPersisted(ns.databaseUrl, [ev('before'), ev('retried-later'), ev('last'), recovered.body.ids[0]!], 60000).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\npersister (exit ${String(stack.persister.proc.exitCode ?? stack.persister.proc.signalCode)}):\n${stack.persister.logs.slice(-30).join('\n')}`);
  });
  await waitForWatermarks(ns.databaseUrl, await topicEndOffsets(ns.brokers, ns.topics.events), 60000);
  const stored = await pool.query<{ id: string }>('SELECT id FROM events WHERE user_id = ANY($1) ORDER BY "offset"', [[userId, 'x1', 'x2']]);
  assert.deepEqual(stored.rows.map((r) => r.id), ids);
});
