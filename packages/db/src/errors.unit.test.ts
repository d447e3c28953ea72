import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DB_ERRORS, DbError, describeError, errorCode, isUnavailable, isUniqueViolation, type DbErrorCode } from './errors.js';

test('every code is TIDINGS_ERR_DB_*, with a message and a retryable flag', () => {
  for (const [code, entry] of Object.entries(DB_ERRORS)) {
    assert.match(code, /^TIDINGS_ERR_DB_[A-Z_]+$/);
    assert.ok(entry.message.length > 0, code);
    assert.equal(typeof entry.retryable, 'boolean', code);
  }
});

test('DbError carries code, retryable, the operation and the cause', () => {
  const cause = new Error('connect ECONNREFUSED 127.0.0.1:5432');
  const err = new DbError('TIDINGS_ERR_DB_UNAVAILABLE', 'error connecting to migrate', { cause });
  assert.equal(err.code, 'TIDINGS_ERR_DB_UNAVAILABLE' satisfies DbErrorCode);
  assert.equal(err.retryable, true);
  assert.equal(err.message, 'database is unavailable: error connecting to migrate');
  assert.equal(err.cause, cause);
  assert.equal(err.name, 'DbError');
  assert.equal(new DbError('TIDINGS_ERR_DB_MIGRATION_FAILED').retryable, false);
});

function pgError(code: string, message = 'x'): Error {
  return Object.assign(new Error(message), { code });
}

test('isUnavailable: connection failures and server shutdown, not statement errors', () => {
  assert.equal(isUnavailable(pgError('ECONNREFUSED')), true);
  assert.equal(isUnavailable(pgError('57P01', 'terminating connection due to administrator command')), true);
  assert.equal(isUnavailable(pgError('53300', 'too many connections')), true);
  assert.equal(isUnavailable(pgError('08006')), true);
  assert.equal(isUnavailable(new Error('Connection terminated unexpectedly')), true);
  assert.equal(isUnavailable(pgError('23505')), false);
  assert.equal(isUnavailable(pgError('42P01')), false);
  assert.equal(isUnavailable('ECONNREFUSED'), false);
});

test('isUniqueViolation: SQLSTATE 23505 only', () => {
  assert.equal(isUniqueViolation(pgError('23505')), true);
  assert.equal(isUniqueViolation(pgError('23503')), false);
  assert.equal(isUniqueViolation(undefined), false);
});

/** What drizzle throws: "Failed query: …" wrapping the pg error as `cause`. */
function drizzleWrapped(inner: Error): Error {
  return Object.assign(new Error(`Failed query: insert into "events" values ($1)\nparams: x`, { cause: inner }), {
    query: 'insert into "events"\n  values ($1)',
  });
}

test('codes and messages are found through a drizzle wrapper', () => {
  const wrapped = drizzleWrapped(pgError('23505', 'duplicate key value violates unique constraint "events_pkey"'));
  assert.equal(errorCode(wrapped), '23505');
  assert.equal(isUniqueViolation(wrapped), true);
  assert.equal(describeError(wrapped), 'duplicate key value violates unique constraint "events_pkey" (in: insert into "events" values ($1))');
  assert.equal(isUnavailable(drizzleWrapped(pgError('57P01'))), true);
  assert.equal(isUnavailable(drizzleWrapped(new Error('Connection terminated unexpectedly'))), true);
  assert.equal(describeError(new Error('plain')), 'plain');
});
