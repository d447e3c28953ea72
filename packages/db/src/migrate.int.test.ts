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

const TABLES = ['audit_log', 'dead_letters', 'events', 'inbox', 'meta', 'topic_subscriptions', 'watermarks'];

test('migrate applies the init migration once; a second run is a no-op with the same epoch', async () => {
  const url = await server.createDatabase();
  const first = await migrate(url);
  assert.deepEqual(first.applied, ['0000_init']);
  assert.match(first.epoch, /^[A-Za-z0-9]{8}$/);

  const second = await migrate(url);
  assert.deepEqual(second, { applied: [], epoch: first.epoch });

  const tables = await query<{ table_name: string }>(
    url,
    `select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
  );
  assert.deepEqual(tables.map((t) => t.table_name), TABLES);
  assert.deepEqual(await query(url, 'select key, value from meta'), [{ key: 'epoch', value: first.epoch }]);
  assert.deepEqual(await query(url, 'select count(*)::int as n from drizzle.__drizzle_migrations'), [{ n: 1 }]);

  const indexes = await query<{ indexname: string }>(url, `select indexname from pg_indexes where schemaname = 'public' order by indexname`);
  for (const name of [
    'events_partition_offset_key',
    'events_user_partition_offset_idx',
    'inbox_user_offset_idx',
    'inbox_user_unread_idx',
    'dead_letters_partition_offset_key',
    'topic_subscriptions_topic_user_id_pk',
  ]) {
    assert.ok(indexes.some((i) => i.indexname === name), `index ${name} missing`);
  }
});

test('concurrent migrate from several connections: all succeed, the migration is applied once, one epoch', async () => {
  const url = await server.createDatabase();
  const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
  assert.deepEqual(results.flatMap((r) => r.applied), ['0000_init']);
  assert.equal(new Set(results.map((r) => r.epoch)).size, 1);
  assert.deepEqual(await query(url, 'select count(*)::int as n from drizzle.__drizzle_migrations'), [{ n: 1 }]);
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
  assert.deepEqual((await migrate(url)).applied, ['0000_init']);
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
