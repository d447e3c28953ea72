import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import pg from 'pg';
import { POSTGRES_LAUNCHER_ERROR_CODES, PostgresLauncherError } from './errors.js';
import { startPostgres } from './launcher.js';
import { describeDurability, postgresDurability } from '../testing/postgres-settings.js';
import { RUN_DIR_PREFIX } from './stale.js';

async function query<T extends object>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Run folders in tmpdir owned by this process (other test files run in parallel). */
async function ownRunDirs(): Promise<string[]> {
  const mine: string[] = [];
  for (const name of (await readdir(tmpdir())).filter((n) => n.startsWith(RUN_DIR_PREFIX))) {
    try {
      const owner = JSON.parse(await readFile(join(tmpdir(), name, 'owner.json'), 'utf8')) as { pid: number };
      if (owner.pid === process.pid) mine.push(name);
    } catch {
      // Not a finished run folder: not ours.
    }
  }
  return mine;
}

test('starts, answers select version(), stops and deletes its folder', async () => {
  const logs: string[] = [];
  const postgres = await startPostgres({ log: (m) => logs.push(m) });
  try {
    const url = new URL(postgres.databaseUrl);
    assert.equal(url.hostname, '127.0.0.1');
    assert.equal(Number(url.port), postgres.port);
    assert.equal(url.pathname, '/tidings');
    assert.ok(existsSync(postgres.dataDir));

    const [row] = await query<{ version: string; db: string; fsync: string; sc: string; listen: string; max: string }>(
      postgres.databaseUrl,
      `select version(), current_database() as db, current_setting('fsync') as fsync,
              current_setting('synchronous_commit') as sc, current_setting('listen_addresses') as listen,
              current_setting('max_connections') as max`,
    );
    assert.match(row?.version ?? '', /^PostgreSQL 18\./);
    assert.equal(row?.db, 'tidings');
    assert.equal(row?.fsync, 'off');
    assert.equal(row?.sc, 'on');
    assert.equal(row?.listen, '127.0.0.1');
    assert.equal(row?.max, '300');
    // What benchmarks record next to their figures: this server does not make crash-safe commits.
    const durability = await postgresDurability(postgres.databaseUrl);
    assert.deepEqual(
      { ...durability, version: 'x', sharedBuffers: 'x' },
      { version: 'x', sharedBuffers: 'x', fsync: 'off', synchronousCommit: 'on', fullPageWrites: 'off', durable: false },
    );
    assert.match(describeDurability(durability), /fsync off.*NOT crash-safe/);

    // The password is part of the URL; without it the server refuses.
    const noPassword = new URL(postgres.databaseUrl);
    noPassword.password = 'wrong';
    await assert.rejects(query(noPassword.href, 'select 1'), /password authentication failed/);

    assert.ok(logs.some((l) => /^postgres: initdb in \d+ ms$/.test(l)), logs.join('\n'));
    assert.ok(logs.some((l) => new RegExp(`^postgres: started 18\\.\\d+ on 127\\.0\\.0\\.1:${postgres.port} in \\d+ ms$`).test(l)), logs.join('\n'));
  } finally {
    await postgres.stop();
  }
  assert.equal(existsSync(dirname(postgres.dataDir)), false);
  await postgres.stop(); // idempotent
  await assert.rejects(query(postgres.databaseUrl, 'select 1'), /ECONNREFUSED/);
});

test('restart keeps data, port and URL; also after an immediate (crash-like) shutdown', async () => {
  const postgres = await startPostgres();
  try {
    await query(postgres.databaseUrl, 'create table t (v int)');
    await query(postgres.databaseUrl, 'insert into t values (1)');
    await postgres.restart();
    await query(postgres.databaseUrl, 'insert into t values (2)');
    // Committed just before SIGQUIT: synchronous_commit is on, so it must survive.
    await postgres.restart({ mode: 'immediate' });
    const rows = await query<{ v: number }>(postgres.databaseUrl, 'select v from t order by v');
    assert.deepEqual(rows.map((r) => r.v), [1, 2]);
  } finally {
    await postgres.stop();
  }
  await assert.rejects(postgres.restart(), (err: unknown) => {
    assert.ok(err instanceof PostgresLauncherError);
    assert.equal(err.code, POSTGRES_LAUNCHER_ERROR_CODES.STOPPED);
    return true;
  });
});

test('a server killed from outside is reported, and restart() brings it back', async () => {
  let reportExit!: (signal: NodeJS.Signals | null) => void;
  const reported = new Promise<NodeJS.Signals | null>((resolve) => (reportExit = resolve));
  const postgres = await startPostgres({ onUnexpectedExit: (_code, signal) => reportExit(signal) });
  try {
    const pid = Number((await readFile(join(postgres.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    // The server child is unref'd (a forgotten stop() must not hang the process):
    // this timer keeps the loop alive until its exit is seen.
    const timeout = new AbortController();
    const notReported = delay(10_000, 'not reported', { signal: timeout.signal }).catch(() => 'aborted');
    assert.equal(await Promise.race([reported, notReported]), 'SIGKILL');
    timeout.abort();
    await postgres.restart();
    assert.deepEqual(await query(postgres.databaseUrl, 'select 1 as one'), [{ one: 1 }]);
  } finally {
    await postgres.stop();
  }
});

test('a taken port given by the caller fails with the server output, leaving nothing behind', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  const before = await ownRunDirs();
  try {
    await assert.rejects(startPostgres({ port }), (err: unknown) => {
      assert.ok(err instanceof PostgresLauncherError);
      assert.equal(err.code, POSTGRES_LAUNCHER_ERROR_CODES.START_FAILED);
      assert.match(err.message, /Address already in use/);
      assert.match(err.message, /last output:\n {2}\| /);
      return true;
    });
  } finally {
    blocker.close();
  }
  assert.deepEqual(await ownRunDirs(), before);
});

test('a start that outlives startTimeoutMs is abandoned and cleaned up', async () => {
  const before = await ownRunDirs();
  await assert.rejects(startPostgres({ startTimeoutMs: 50 }), (err: unknown) => {
    assert.ok(err instanceof PostgresLauncherError);
    assert.equal(err.code, POSTGRES_LAUNCHER_ERROR_CODES.INITDB_FAILED);
    assert.match(err.message, /within startTimeoutMs/);
    return true;
  });
  assert.deepEqual(await ownRunDirs(), before);
});

test('durable: true keeps fsync and full_page_writes on', async () => {
  const postgres = await startPostgres({ durable: true });
  try {
    const [row] = await query<{ fsync: string; fpw: string }>(
      postgres.databaseUrl,
      `select current_setting('fsync') as fsync, current_setting('full_page_writes') as fpw`,
    );
    assert.deepEqual(row, { fsync: 'on', fpw: 'on' });
    const durability = await postgresDurability(postgres.databaseUrl);
    assert.equal(durability.durable, true);
    assert.match(describeDurability(durability), /fsync on.* — crash-safe commits$/);
  } finally {
    await postgres.stop();
  }
});
