import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ERRORS } from './errors.js';

test('every wire error code is documented in docs/errors.md with its status', async () => {
  const doc = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  for (const [code, { status }] of Object.entries(ERRORS)) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\``));
    assert.ok(row, `${code} is not documented`);
    if (!['TIDINGS_ERR_BAD_FRAME', 'TIDINGS_ERR_UNKNOWN_TYPE', 'TIDINGS_ERR_HELLO_REQUIRED', 'TIDINGS_ERR_ALREADY_HELLO'].includes(code)) {
      assert.match(row, new RegExp(`\\| ${status} \\|`), `${code} documented with another status`);
    }
  }
});
