import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { DbError } from './errors.js';
import { DEFAULT_MIGRATIONS_DIR, migrate } from './migrate.js';
import { startTestPostgres, type TestPostgres } from './testing/postgres.js';

let server: TestPostgres;
before(async () => {
  server = await startTestPostgres();
});
after(() => server.close());

async function query<T extends object>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const TABLES = ['audit_log', 'dead_letters', 'events', 'idempotency_keys', 'inbox', 'meta', 'topic_subscriptions', 'watermarks'];
const MIGRATIONS = ['0000_init', '0001_idempotency_keys'];

test('migrate applies the migrations once; a second run is a no-op with the same epoch', async () => {
  const url = await server.createDatabase();
  const first = await migrate(url);
  assert.deepEqual(first.applied, MIGRATIONS);
  assert.match(first.epoch, /^[A-Za-z0-9]{8}$/);

  const second = await migrate(url);
  assert.deepEqual(second, { applied: [], epoch: first.epoch });

  const tables = await query<{ table_name: string }>(
    url,
    `select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
  );
  assert.deepEqual(tables.map((t) => t.table_name), TABLES);
  assert.deepEqual(await query(url, 'select key, value from meta'), [{ key: 'epoch', value: first.epoch }]);
  assert.deepEqual(await query(url, 'select count(*)::int as n from drizzle.__drizzle_migrations'), [{ n: MIGRATIONS.length }]);

  const indexes = await query<{ indexname: string }>(url, `select indexname from pg_indexes where schemaname = 'public' order by indexname`);
  for (const name of [
    'events_partition_offset_key',
    'events_user_partition_offset_idx',
    'inbox_user_offset_idx',
    'inbox_user_unread_idx',
    'dead_letters_partition_offset_key',
    'topic_subscriptions_owner_topic_user_id_pk',
    'idempotency_keys_source_key_pk',
    'idempotency_keys_created_at_idx',
  ]) {
    assert.ok(indexes.some((i) => i.indexname === name), `index ${name} missing`);
  }
});

test('concurrent migrate from several connections: all succeed, each migration is applied once, one epoch', async () => {
  const url = await server.createDatabase();
  const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
  assert.deepEqual(results.flatMap((r) => r.applied), MIGRATIONS);
  assert.equal(new Set(results.map((r) => r.epoch)).size, 1);
  assert.deepEqual(await query(url, 'select count(*)::int as n from drizzle.__drizzle_migrations'), [{ n: MIGRATIONS.length }]);
});

test('waiting on another migrate longer than lockTimeoutMs fails with TIDINGS_ERR_DB_LOCK_TIMEOUT', async () => {
  const url = await server.createDatabase();
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  try {
    await holder.query(`select pg_advisory_lock(32766977284925299)`);
    await assert.rejects(migrate(url, { lockTimeoutMs: 200 }), (err: unknown) => {
      assert.ok(err instanceof DbError);
      assert.equal(err.code, 'TIDINGS_ERR_DB_LOCK_TIMEOUT');
      assert.equal(err.retryable, true);
      return true;
    });
  } finally {
    await holder.end();
  }
  // The holder's session ended, so the lock is free again.
  assert.deepEqual((await migrate(url)).applied, MIGRATIONS);
});

test('a failing migration is TIDINGS_ERR_DB_MIGRATION_FAILED and applies nothing (one transaction)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tidings-migrations-'));
  try {
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    const journalFile = join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(await readFile(journalFile, 'utf8')) as { entries: { when: number }[] };
    const last = journal.entries.at(-1)?.when ?? 0;
    journal.entries.push({ idx: journal.entries.length, version: '7', when: last + 1, tag: '9999_broken', breakpoints: true } as never);
    await writeFile(journalFile, JSON.stringify(journal));
    await writeFile(join(dir, '9999_broken.sql'), 'CREATE TABLE "events" ("id" text);');

    const url = await server.createDatabase();
    await assert.rejects(migrate(url, { migrationsDir: dir }), (err: unknown) => {
      assert.ok(err instanceof DbError);
      assert.equal(err.code, 'TIDINGS_ERR_DB_MIGRATION_FAILED');
      assert.equal(err.retryable, false);
      assert.match(err.message, /already exists/);
      assert.ok(err.cause instanceof Error);
      return true;
    });
    const tables = await query(url, `select table_name from information_schema.tables where table_schema = 'public'`);
    assert.deepEqual(tables, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('0001 is expand-only: subscriptions stored before topics had owners are kept, with owner \'\' (no producer\'s until assigned)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tidings-migrations-'));
  try {
    // The database as 0000 left it, with a subscription in it.
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    const journalFile = join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(await readFile(journalFile, 'utf8')) as { entries: { tag: string }[] };
    await writeFile(journalFile, JSON.stringify({ ...journal, entries: journal.entries.filter((e) => e.tag === '0000_init') }));
    const url = await server.createDatabase();
    assert.deepEqual((await migrate(url, { migrationsDir: dir })).applied, ['0000_init']);
    await query(url, `insert into topic_subscriptions (topic, user_id) values ('news', 'u1')`);

    assert.deepEqual((await migrate(url)).applied, ['0001_idempotency_keys']);
    assert.deepEqual(await query(url, 'select owner, topic, user_id from topic_subscriptions'), [{ owner: '', topic: 'news', user_id: 'u1' }]);
    // Two producers' topics of one name are separate rows; an old-style insert (no owner) still works.
    await query(url, `insert into topic_subscriptions (owner, topic, user_id) values ('billing', 'news', 'u1'), ('shop', 'news', 'u1')`);
    await query(url, `insert into topic_subscriptions (topic, user_id) values ('news', 'u2')`);
    assert.deepEqual(await query(url, `select count(*)::int as n from topic_subscriptions where topic = 'news'`), [{ n: 4 }]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
