import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle, BUNDLE_NAME, SOURCE_FILES } from './bundle.js';

test('the browser bundle is one self-contained ES module with the page beside it, free of Node code', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tidings-bundle-'));
  const out = await buildBundle(dir);
  const code = await readFile(join(dir, BUNDLE_NAME), 'utf8');
  assert.ok(out.bytes > 10_000 && out.bytes < 100_000, `${out.bytes} bytes`);
  assert.match(code, /export\s*\{[^}]*\bconnect\b/, 'exports connect');
  assert.match(code, /createInbox/);
  assert.doesNotMatch(code, /\brequire\(|from\s*["']node:|from\s*["']ws["']/, 'no Node imports');
  assert.doesNotMatch(code, /new Ajv|@sinclair\/typebox/, 'no schema validator');
  for (const f of SOURCE_FILES) assert.ok((await readFile(join(dir, f), 'utf8')).length > 0, f);
});
