import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { CLIENT_ERRORS, TidingsClientError } from './errors.js';

test('every client error code is documented in docs/client.md, with its retryable flag', async () => {
  const doc = await readFile(new URL('../../../docs/client.md', import.meta.url), 'utf8');
  for (const [code, { retryable }] of Object.entries(CLIENT_ERRORS)) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\``));
    assert.ok(row, `${code} is missing from docs/client.md`);
    assert.match(row, retryable ? /\| yes \|/ : /\| no \|/, `${code}: retryable is ${retryable}`);
  }
});

test('errors carry their code, the catalogue message and retryability; server codes pass through', () => {
  const e = new TidingsClientError('TIDINGS_ERR_CLIENT_TIMEOUT');
  assert.equal(e.code, 'TIDINGS_ERR_CLIENT_TIMEOUT');
  assert.equal(e.retryable, true);
  assert.equal(e.message, CLIENT_ERRORS.TIDINGS_ERR_CLIENT_TIMEOUT.message);
  const s = new TidingsClientError('TIDINGS_ERR_UNAVAILABLE', 'retry', { retryable: true, status: 503 });
  assert.equal(s.code, 'TIDINGS_ERR_UNAVAILABLE');
  assert.equal(s.status, 503);
  assert.ok(s instanceof Error);
});
