import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';
import { renderAsyncApi } from './asyncapi.js';

const file = new URL('../../../../docs/asyncapi.yaml', import.meta.url);

test('docs/asyncapi.yaml is generated from the protocol schemas (run `npm run docs:asyncapi`)', async () => {
  assert.equal(await readFile(file, 'utf8'), renderAsyncApi());
});

test('docs/asyncapi.yaml is a valid AsyncAPI 3 document', async () => {
  const { document, diagnostics } = await new Parser().parse(await readFile(file, 'utf8'));
  const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
  assert.deepEqual(errors, []);
  assert.ok(document);
  assert.deepEqual(
    document.channels().all().map((c) => c.address()).sort(),
    ['/v1/stream', 'tidings.control', 'tidings.events', 'tidings.events.dlq'],
  );
});
