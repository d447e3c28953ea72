import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDbConfig, optionalDatabaseUrl } from './config.js';
import { DbError } from './errors.js';

function configError(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof DbError);
    assert.equal(err.code, 'TIDINGS_ERR_DB_CONFIG');
    assert.match(err.message, pattern);
    return true;
  };
}

test('reads DATABASE_URL', () => {
  const config = loadDbConfig({ DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/tidings' });
  assert.equal(config.databaseUrl, 'postgres://u:p@127.0.0.1:5432/tidings');
  assert.ok(Object.isFrozen(config));
  assert.equal(loadDbConfig({ DATABASE_URL: ' postgresql://h/db ' }).databaseUrl, 'postgresql://h/db');
});

test('missing or invalid DATABASE_URL is an error naming the variable, without echoing the value', () => {
  assert.throws(() => loadDbConfig({}), configError(/DATABASE_URL is not set/));
  assert.throws(() => loadDbConfig({ DATABASE_URL: '  ' }), configError(/DATABASE_URL is not set/));
  assert.throws(() => loadDbConfig({ DATABASE_URL: 'not a url secret' }), (err: unknown) => {
    configError(/DATABASE_URL is not a valid URL/)(err);
    assert.doesNotMatch((err as Error).message, /secret/);
    return true;
  });
  assert.throws(() => loadDbConfig({ DATABASE_URL: 'mysql://u:p@h/db' }), configError(/DATABASE_URL must use postgres:\/\//));
});

test('optionalDatabaseUrl: undefined when unset, checked when set', () => {
  assert.equal(optionalDatabaseUrl({}), undefined);
  assert.equal(optionalDatabaseUrl({ DATABASE_URL: '' }), undefined);
  assert.equal(optionalDatabaseUrl({ DATABASE_URL: 'postgres://h/db' }), 'postgres://h/db');
  assert.throws(() => optionalDatabaseUrl({ DATABASE_URL: 'http://h/db' }), configError(/DATABASE_URL/));
});
