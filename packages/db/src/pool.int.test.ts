import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createPool } from './pool.js';
import { startTestPostgres, type TestPostgres } from './testing/postgres.js';

let server: TestPostgres;
let url: string;
before(async () => {
  server = await startTestPostgres();
  url = await server.createDatabase();
});
after(() => server?.close());

test('pool connections carry application_name and statement_timeout; int8 comes back as an exact string', async () => {
  const pool = createPool(url, { applicationName: 'tidings-pool-test', statementTimeoutMs: 1500 });
  try {
    const { rows } = await pool.query<{ app: string; timeout: string; big: unknown; n: unknown }>(
      `select current_setting('application_name') as app, current_setting('statement_timeout') as timeout,
              9007199254740993::int8 as big, 7::int4 as n`,
    );
    assert.deepEqual(rows[0], { app: 'tidings-pool-test', timeout: '1500ms', big: '9007199254740993', n: 7 });
    await assert.rejects(pool.query('select pg_sleep(5)'), /statement timeout/);
  } finally {
    await pool.end();
  }
});

test('an idle connection killed by the server goes to onError instead of crashing the process', async () => {
  const errors: Error[] = [];
  const pool = createPool(url, { applicationName: 'tidings-pool-victim', onError: (err) => errors.push(err) });
  const admin = createPool(url, { applicationName: 'tidings-pool-admin' });
  try {
    await pool.query('select 1'); // one idle connection now
    await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tidings-pool-victim'`);
    for (let i = 0; i < 100 && errors.length === 0; i++) await delay(20);
    assert.equal(errors.length, 1);
    // The pool recovers with a new connection.
    assert.deepEqual((await pool.query('select 1 as one')).rows, [{ one: 1 }]);
  } finally {
    await pool.end();
    await admin.end();
  }
});
