import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { renderConfigDocs } from './config-docs.js';

test('docs/configuration.md matches every service config schema (run `npm run docs:config`)', async () => {
  const doc = await readFile(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(doc, await renderConfigDocs());
});
