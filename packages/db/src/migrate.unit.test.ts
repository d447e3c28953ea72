import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DbError } from './errors.js';
import { DEFAULT_MIGRATIONS_DIR, migrate, newEpoch } from './migrate.js';

test('the default migrations folder is the repository migrations/ with drizzle-kit output', () => {
  assert.match(DEFAULT_MIGRATIONS_DIR, /[/\\]migrations[/\\]$/);
  assert.ok(existsSync(join(DEFAULT_MIGRATIONS_DIR, 'meta', '_journal.json')));
});

test('epochs are 8 base62 characters, cursor-safe, and differ', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const epoch = newEpoch();
    // protocol's cursor decoder accepts /^[A-Za-z0-9_-]{1,64}$/.
    assert.match(epoch, /^[A-Za-z0-9]{8}$/);
    seen.add(epoch);
  }
  assert.equal(seen.size, 1000);
});

test('a missing migrations folder fails before connecting, naming the file', async () => {
  await assert.rejects(migrate('postgres://nobody@127.0.0.1:1/none', { migrationsDir: '/nonexistent/migrations' }), (err: unknown) => {
    assert.ok(err instanceof DbError);
    assert.equal(err.code, 'TIDINGS_ERR_DB_MIGRATIONS_NOT_FOUND');
    assert.match(err.message, /\/nonexistent\/migrations\/meta\/_journal\.json/);
    return true;
  });
});

test('an unreachable server is TIDINGS_ERR_DB_UNAVAILABLE (retryable), with the cause', async () => {
  await assert.rejects(migrate('postgres://nobody@127.0.0.1:1/none'), (err: unknown) => {
    assert.ok(err instanceof DbError);
    assert.equal(err.code, 'TIDINGS_ERR_DB_UNAVAILABLE');
    assert.equal(err.retryable, true);
    assert.ok(err.cause instanceof Error);
    return true;
  });
});
