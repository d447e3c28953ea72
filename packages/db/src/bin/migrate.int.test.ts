import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestPostgres, type TestPostgres } from '../testing/postgres.js';

const bin = fileURLToPath(new URL('./migrate.js', import.meta.url));

function run(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  // Only PATH is passed on, so an outer DATABASE_URL cannot leak into the cases.
  return new Promise((resolve) => {
    execFile(process.execPath, [bin], { env: { PATH: process.env['PATH'] ?? '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

let server: TestPostgres;
before(async () => {
  server = await startTestPostgres();
});
after(() => server?.close());

test('without DATABASE_URL: exit 1 and a message naming it', async () => {
  const result = await run({});
  assert.equal(result.code, 1);
  assert.match(result.stderr, /TIDINGS_ERR_DB_CONFIG: .*DATABASE_URL is not set/);
});

test('applies, then reports nothing to apply; never prints the URL', async () => {
  const url = await server.createDatabase();
  const first = await run({ DATABASE_URL: url });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^migrate: applied 0000_init$/m);
  const epoch = /^migrate: epoch ([A-Za-z0-9]{8}) /m.exec(first.stdout)?.[1];
  assert.ok(epoch, first.stdout);

  const second = await run({ DATABASE_URL: url });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^migrate: up to date, nothing applied$/m);
  assert.match(second.stdout, new RegExp(`^migrate: epoch ${epoch} `, 'm'));
  assert.doesNotMatch(first.stdout + second.stdout, /postgres:\/\//);
});

test('an unreachable database: exit 1 with TIDINGS_ERR_DB_UNAVAILABLE, password not printed', async () => {
  const result = await run({ DATABASE_URL: 'postgres://u:s3cret@127.0.0.1:1/none' });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /TIDINGS_ERR_DB_UNAVAILABLE/);
  assert.doesNotMatch(result.stderr, /s3cret/);
});
