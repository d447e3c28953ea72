import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type pg from 'pg';
import { describeError, isUniqueViolation } from './errors.js';
import { migrate } from './migrate.js';
import { createDb, createPool, type Db } from './pool.js';
import { deadLetters, events, inbox, topicSubscriptions, watermarks } from './schema.js';
import { startTestPostgres, type TestPostgres } from './testing/postgres.js';
import type { NewEventRow } from './types.js';

let server: TestPostgres;
let pool: pg.Pool;
let db: Db;

before(async () => {
  server = await startTestPostgres();
  const url = await server.createDatabase();
  await migrate(url);
  pool = createPool(url, { applicationName: 'db-schema-test', max: 4 });
  db = createDb(pool);
});
after(async () => {
  await pool?.end();
  await server?.close();
});

function event(id: string, offset: bigint, over: Partial<NewEventRow> = {}): NewEventRow {
  return {
    id,
    userId: 'u1',
    partition: 3,
    offset,
    type: 'notification.created',
    time: new Date('2025-01-02T03:04:05.678Z'),
    source: 'svc',
    data: { category: 'c', title: 't' },
    ...over,
  };
}

test('a duplicate event id conflicts: ON CONFLICT DO NOTHING returns no row (G4)', async () => {
  const first = await db.insert(events).values(event('dup-1', 10n)).onConflictDoNothing().returning({ id: events.id });
  assert.deepEqual(first, [{ id: 'dup-1' }]);
  // Same id at another position (a producer retry that Kafka stored twice).
  const again = await db.insert(events).values(event('dup-1', 11n)).onConflictDoNothing().returning({ id: events.id });
  assert.deepEqual(again, []);
  const rows = await db.select({ offset: events.offset }).from(events).where(eq(events.id, 'dup-1'));
  assert.deepEqual(rows, [{ offset: 10n }]);
});

test('one row per log position: another id at a stored (partition, offset) conflicts too', async () => {
  await db.insert(events).values(event('pos-1', 20n));
  const other = await db.insert(events).values(event('pos-2', 20n)).onConflictDoNothing().returning({ id: events.id });
  assert.deepEqual(other, []);
  await assert.rejects(db.insert(events).values(event('pos-3', 20n)), (err: unknown) => {
    // drizzle wraps the pg error; isUniqueViolation looks through the wrapper.
    assert.ok(isUniqueViolation(err));
    assert.match(describeError(err), /duplicate key value violates unique constraint "events_partition_offset_key" \(in: insert into "events"/);
    return true;
  });
});

test('bigint offsets round-trip exactly, through drizzle (bigint) and raw queries (string)', async () => {
  const big = 9007199254740993n; // 2^53 + 1: a float would read 9007199254740992
  const max = 9223372036854775807n;
  await db.insert(events).values([event('big-1', big), event('big-2', max)]);
  await db.insert(watermarks).values({ partition: 3, nextOffset: big });

  const rows = await db.select({ id: events.id, offset: events.offset }).from(events).where(gt(events.offset, big - 1n)).orderBy(asc(events.offset));
  assert.deepEqual(rows, [
    { id: 'big-1', offset: big },
    { id: 'big-2', offset: max },
  ]);
  const [mark] = await db.select().from(watermarks).where(eq(watermarks.partition, 3));
  assert.equal(mark?.nextOffset, big);

  const raw = await pool.query<{ offset: unknown }>(`select "offset" from events where id = 'big-1'`);
  assert.equal(raw.rows[0]?.offset, '9007199254740993');
});

test('event time and jsonb data round-trip', async () => {
  await db.insert(events).values(event('time-1', 30n, { data: { category: 'c', title: 't', nested: { n: [1, 'x', null] } } }));
  const [row] = await db.select().from(events).where(eq(events.id, 'time-1'));
  assert.equal(row?.time.toISOString(), '2025-01-02T03:04:05.678Z');
  assert.deepEqual(row?.data, { category: 'c', title: 't', nested: { n: [1, 'x', null] } });
  assert.ok(row?.persistedAt instanceof Date);
});

test('inbox defaults; a poison record is dead-lettered once per position; subscriptions are unique', async () => {
  await db.insert(inbox).values({
    notificationId: 'n1',
    userId: 'u1',
    partition: 3,
    offset: 40n,
    category: 'c',
    title: 't',
    createdAt: new Date(),
  });
  const [n] = await db.select().from(inbox).where(eq(inbox.notificationId, 'n1'));
  assert.equal(n?.priority, 'normal');
  assert.equal(n?.readAt, null);

  const letter = { partition: 3, offset: 41n, key: null, value: '{not json', reason: 'invalid JSON' };
  assert.equal((await db.insert(deadLetters).values(letter).onConflictDoNothing().returning()).length, 1);
  assert.equal((await db.insert(deadLetters).values(letter).onConflictDoNothing().returning()).length, 0);
  const [stored] = await db.select().from(deadLetters);
  assert.equal(typeof stored?.id, 'bigint');
  assert.equal(stored?.retryCount, 0);

  await db.insert(topicSubscriptions).values({ topic: 't1', userId: 'u1' });
  const dup = await db.insert(topicSubscriptions).values({ topic: 't1', userId: 'u1' }).onConflictDoNothing().returning();
  assert.deepEqual(dup, []);
});

/** Plan of a query with sequential scans disfavoured, so an applicable index shows up even on tiny tables. */
async function plan(query: { toSQL(): { sql: string; params: unknown[] } }): Promise<string> {
  const { sql: text, params } = query.toSQL();
  const client = await pool.connect();
  try {
    await client.query('set enable_seqscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain ${text}`, params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query('reset enable_seqscan');
    client.release();
  }
}

test('the indexes serve the queries they exist for (docs/contract.md §5)', async () => {
  const replay = db
    .select()
    .from(events)
    .where(and(eq(events.userId, 'u1'), eq(events.partition, 3), gt(events.offset, 5n)))
    .orderBy(asc(events.offset));
  assert.match(await plan(replay), /events_user_partition_offset_idx/);

  const page = db.select().from(inbox).where(eq(inbox.userId, 'u1')).orderBy(desc(inbox.offset)).limit(50);
  const pagePlan = await plan(page);
  assert.match(pagePlan, /inbox_user_offset_idx/);
  assert.doesNotMatch(pagePlan, /Sort/, 'the index order must satisfy ORDER BY offset DESC');

  const unread = db
    .select({ n: sql<number>`count(*)` })
    .from(inbox)
    .where(and(eq(inbox.userId, 'u1'), isNull(inbox.readAt), isNull(inbox.archivedAt)));
  assert.match(await plan(unread), /inbox_user_unread_idx/);
});
