import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { createAtomicSender, createKafka, type AtomicSender } from '@tidings/kafka';
import type { RebuildStatus } from '@tidings/protocol';
import {
  requestJson,
  topicEndOffsets,
  useStack,
  waitForWatermarks,
} from '@tidings/testkit';
import { inboxChecksum, inboxGaps, inboxVsFold, startLoad } from './testing/load.js';

/**
 * Projection rebuilds on a real stack: under live load (the swap loses and
 * doubles nothing), from Kafka, and from the Postgres mirror after Kafka's
 * copy of the log is gone. "Identical" is a checksum over every inbox row
 * and column, plus a pure-JS fold of the mirror as an independent reference.
 */
// Small chunks so even a test-sized log takes several chunks per partition; a short lock timeout for the lock test.
const t = useStack({ gateways: 1, withOps: true, extraEnv: { ops: { OPS_REBUILD_CHUNK: '500', OPS_REBUILD_LOCK_TIMEOUT_MS: '8000' } }, poolMax: 3 });
let sender: AtomicSender;
let opsToken: string;
let producerToken: string;
const users = Array.from({ length: 96 }, (_, i) => `rb-user-${i}`);

before(async () => {
  await t.ready();
  sender = createAtomicSender({ kafka: createKafka({ brokers: t.env.brokers.split(','), clientId: 'ops-rebuild-test' }), transactionalId: `${t.ns.topicPrefix}ops-rebuild-test` });
  opsToken = await t.token('ops-alice', ['ops:read', 'ops:write']);
  producerToken = await t.token('rebuild-test', ['notifications:write']);
});
after(async () => {
  await sender?.close();
});

const ops = () => t.stack.ops!.url;

async function startRebuild(source: 'mirror' | 'kafka'): Promise<RebuildStatus> {
  const res = await requestJson<RebuildStatus>('POST', `${ops()}/v1/ops/rebuild`, { token: opsToken, body: { source } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.headers.get('location'), `/v1/ops/rebuild/${res.body.id}`);
  return res.body;
}

/** Polls the job (it is only observable by asking) until it ends. */
async function waitForRebuild(id: string, timeoutMs = 100000): Promise<RebuildStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await requestJson<RebuildStatus>('GET', `${ops()}/v1/ops/rebuild/${id}`, { token: opsToken });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    if (res.body.finishedAt !== null) return res.body;
    if (Date.now() > deadline) {
      throw new Error(`rebuild ${id} still ${res.body.state}/${res.body.phase} after ${timeoutMs} ms: ${JSON.stringify(res.body)}\n${t.stack.ops!.logs.slice(-15).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function rebuild(source: 'mirror' | 'kafka'): Promise<RebuildStatus> {
  const s = await waitForRebuild((await startRebuild(source)).id);
  assert.equal(s.state, 'done', JSON.stringify(s.error));
  // The status passes through its response schema: every field must survive it.
  const fields = ['actor', 'catchupRounds', 'error', 'events', 'eventsPerSec', 'finishedAt', 'id', 'partitions', 'phase', 'phases', 'source', 'startedAt', 'state'];
  assert.deepEqual(Object.keys(s).sort(), fields);
  return s;
}

/**
 * Waits until Postgres holds everything Kafka has: the watermarks reach the
 * log end, and the log end did not move meanwhile (a record that surfaced
 * late — seen once under heavy load — starts another round).
 */
async function settle(): Promise<void> {
  for (let ends = await topicEndOffsets(t.env.brokers, t.ns.topics.events); ; ) {
    await waitForWatermarks(t.ns.databaseUrl, ends, 90000);
    const again = await topicEndOffsets(t.env.brokers, t.ns.topics.events);
    if (JSON.stringify(again) === JSON.stringify(ends)) return;
    ends = again;
  }
}

async function tablesNamed(pattern: string): Promise<string[]> {
  const r = await t.pool.query<{ relname: string }>(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ $1`, [pattern]);
  return r.rows.map((x) => x.relname);
}

async function inboxIndexes(): Promise<string[]> {
  const r = await t.pool.query<{ name: string }>(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'inbox'::regclass ORDER BY 1`);
  return r.rows.map((x) => x.name);
}

async function assertConsistent(what: string): Promise<{ rows: number; md5: string }> {
  const gaps = await inboxGaps(t.pool);
  assert.deepEqual(gaps, { missing: [], extra: [] }, `${what}: every created event has exactly one inbox row`);
  const fold = await inboxVsFold(t.pool);
  assert.deepEqual(fold.diffs, [], `${what}: inbox equals the pure-JS fold of the mirror`);
  assert.equal(fold.tableRows, fold.foldRows);
  return inboxChecksum(t.pool);
}

test('a rebuild from the mirror under live load swaps in a projection identical to the live one, losing and doubling nothing', async () => {
  // A log worth rebuilding before it starts.
  const warm = startLoad({ ingestUrl: t.stack.ingest.url, token: producerToken, sender, topic: t.ns.topics.events, users, perTick: 200, pauseMs: 20 });
  while (warm.ticks() < 25) await new Promise((r) => setTimeout(r, 50));
  const warmStats = await warm.stop();
  await settle();
  const liveBefore = await assertConsistent('the live projection before any rebuild');
  assert.ok(liveBefore.rows > 0);
  const indexesBefore = await inboxIndexes();
  const oidBefore = (await t.pool.query<{ oid: number }>(`SELECT 'inbox'::regclass::oid AS oid`)).rows[0]!.oid;

  // Live traffic throughout the rebuild, the swap, and after it.
  const load = startLoad({ ingestUrl: t.stack.ingest.url, token: producerToken, sender, topic: t.ns.topics.events, users, perTick: 25, pauseMs: 100 });
  let status: RebuildStatus;
  try {
    const started = await startRebuild('mirror');
    assert.equal(started.state, 'running');
    status = await waitForRebuild(started.id);
    const ticksAtSwap = load.ticks();
    while (load.ticks() < ticksAtSwap + 5) await new Promise((r) => setTimeout(r, 50));
  } finally {
    const stats = await load.stop();
    assert.ok(stats.created > 0 && stats.state > 0 && stats.repeats > 0);
  }
  assert.equal(status.state, 'done', JSON.stringify(status.error));
  assert.ok(status.events >= warmStats.created, `applied ${status.events} events, ${warmStats.created} created before the start`);
  // Traffic that arrived while loading was caught up from the mirror, before or under the swap lock.
  assert.ok((status.phases.catchup?.events ?? 0) + (status.phases.swap?.events ?? 0) > 0, JSON.stringify(status.phases));
  for (const p of status.partitions) assert.equal(p.done, p.target, `partition ${p.partition} complete`);

  await settle();
  const oidAfter = (await t.pool.query<{ oid: number }>(`SELECT 'inbox'::regclass::oid AS oid`)).rows[0]!.oid;
  assert.notEqual(oidAfter, oidBefore, 'a new table is live');
  assert.deepEqual(await inboxIndexes(), indexesBefore, 'index names are stable across the swap');
  assert.deepEqual(await tablesNamed('^inbox_(rebuild|old)_'), [], 'no scratch or old table left');
  const live = await assertConsistent('after the swap, with the persister writing into the new table');

  // The reference: the same log rebuilt again with nothing moving.
  await rebuild('mirror');
  assert.deepEqual(await inboxChecksum(t.pool), live, 'an independent rebuild of the settled log gives the same rows');

  // Readers see the new table: the gateway's inbox API answers from it.
  const userToken = await t.token(users[0]!);
  const page = await requestJson<{ items: unknown[] }>('GET', `${t.stack.gateways[0]!.url}/v1/me/notifications?limit=5`, { token: userToken });
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.ok(page.body.items.length > 0);
});

test('a rebuild from Kafka gives the same projection, skipping repeats and dead letters the mirror does not hold', async () => {
  await settle();
  const before = await assertConsistent('before the Kafka rebuild');
  const dead = await t.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM dead_letters');
  assert.ok(Number(dead.rows[0]!.n) > 0, 'the log holds poison records');
  const s = await rebuild('kafka');
  assert.equal(s.source, 'kafka');
  assert.ok(s.phases.load!.events > 0);
  assert.deepEqual(await inboxChecksum(t.pool), before);
});

test("after Kafka's copy of the log is deleted, a Kafka rebuild refuses and a mirror rebuild gives the same result", async () => {
  await settle();
  const before = await inboxChecksum(t.pool);
  const ends = await topicEndOffsets(t.env.brokers, t.ns.topics.events);
  const admin = new Kafka({ clientId: 'ops-rebuild-test-admin', brokers: t.env.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    // kafkajs finds partition leaders from cached metadata only.
    await admin.fetchTopicMetadata({ topics: [t.ns.topics.events] });
    await admin.deleteTopicRecords({ topic: t.ns.topics.events, partitions: Object.entries(ends).map(([partition, offset]) => ({ partition: Number(partition), offset })) });
  } finally {
    await admin.disconnect();
  }

  const refused = await waitForRebuild((await startRebuild('kafka')).id);
  assert.equal(refused.state, 'failed');
  assert.equal(refused.error?.code, 'TIDINGS_ERR_REBUILD_KAFKA_TRUNCATED', refused.error?.message);
  assert.deepEqual(await inboxChecksum(t.pool), before, 'a failed rebuild leaves the live table alone');
  assert.deepEqual(await tablesNamed('^inbox_(rebuild|old)_'), [], 'and drops its scratch table');

  await rebuild('mirror');
  assert.deepEqual(await inboxChecksum(t.pool), before);

  // The audit log has the request and the outcome of each rebuild.
  const audit = await t.pool.query<{ action: string; ok: boolean; actor: string }>(
    `SELECT action, ok, actor FROM audit_log WHERE action IN ('rebuild', 'rebuild.finished') ORDER BY id`,
  );
  assert.ok(audit.rows.every((r) => r.actor === 'ops-alice'));
  assert.deepEqual(
    audit.rows.filter((r) => r.action === 'rebuild.finished').map((r) => r.ok),
    [true, true, true, false, true],
  );
});

/** Holds a lock on the live inbox that the swap's EXCLUSIVE lock must wait for (as a long reader-writer would). */
async function holdInboxLock(): Promise<{ release(): Promise<void> }> {
  const c = new pg.Client({ connectionString: t.ns.databaseUrl });
  await c.connect();
  await c.query('BEGIN');
  await c.query('LOCK TABLE inbox IN SHARE MODE');
  return {
    async release() {
      await c.query('COMMIT');
      await c.end();
    },
  };
}

async function waitForPhase(id: string, state: RebuildStatus['state']): Promise<void> {
  const deadline = Date.now() + 60000;
  for (;;) {
    const s = (await requestJson<RebuildStatus>('GET', `${ops()}/v1/ops/rebuild/${id}`, { token: opsToken })).body;
    if (s.state === state) return;
    assert.ok(s.finishedAt === null && Date.now() < deadline, `rebuild ${id} never reached ${state}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a second rebuild while one runs is refused with 409; the first completes once the swap gets its lock', async () => {
  const lock = await holdInboxLock();
  let first: RebuildStatus;
  try {
    first = await startRebuild('mirror');
    await waitForPhase(first.id, 'swapping');
    const second = await requestJson<{ code: string; message: string }>('POST', `${ops()}/v1/ops/rebuild`, { token: opsToken, body: { source: 'kafka' } });
    assert.deepEqual([second.status, second.body.code], [409, 'TIDINGS_ERR_CONFLICT']);
    assert.match(second.body.message, new RegExp(first.id));
  } finally {
    await lock.release();
  }
  const done = await waitForRebuild(first.id);
  assert.equal(done.state, 'done', JSON.stringify(done.error));
});

test('a swap that cannot get the lock in time fails cleanly: the live table stays, no scratch table is left', async () => {
  await settle();
  const before = await inboxChecksum(t.pool);
  const oidBefore = (await t.pool.query<{ oid: number }>(`SELECT 'inbox'::regclass::oid AS oid`)).rows[0]!.oid;
  const lock = await holdInboxLock();
  let s: RebuildStatus;
  try {
    s = await waitForRebuild((await startRebuild('mirror')).id);
  } finally {
    await lock.release();
  }
  assert.equal(s.state, 'failed');
  assert.equal(s.error?.code, 'TIDINGS_ERR_REBUILD_LOCK_TIMEOUT');
  assert.equal((await t.pool.query<{ oid: number }>(`SELECT 'inbox'::regclass::oid AS oid`)).rows[0]!.oid, oidBefore);
  assert.deepEqual(await inboxChecksum(t.pool), before);
  assert.deepEqual(await tablesNamed('^inbox_(rebuild|old)_'), []);
});

test('bad rebuild requests: an unknown job is 404, an unknown source 400', async () => {
  const missing = await requestJson<{ code: string }>('GET', `${ops()}/v1/ops/rebuild/000000000000`, { token: opsToken });
  assert.deepEqual([missing.status, missing.body.code], [404, 'TIDINGS_ERR_NOT_FOUND']);
  const malformed = await requestJson<{ code: string }>('GET', `${ops()}/v1/ops/rebuild/..%2Fetc`, { token: opsToken });
  assert.deepEqual([malformed.status, malformed.body.code], [400, 'TIDINGS_ERR_VALIDATION']);
  const bad = await requestJson<{ code: string }>('POST', `${ops()}/v1/ops/rebuild`, { token: opsToken, body: { source: 'tape' } });
  assert.deepEqual([bad.status, bad.body.code], [400, 'TIDINGS_ERR_VALIDATION']);
});
