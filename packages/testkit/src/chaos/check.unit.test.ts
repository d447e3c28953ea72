import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeSequence } from './check.js';

test('a clean sequence has no findings, even with ids the client saw but ingest never acknowledged', () => {
  assert.deepEqual(judgeSequence(['a', 'c'], ['a', 'b', 'c'], ['a', 'b', 'c']), { lost: [], unpersisted: [], duplicated: [], reordered: [] });
});

test('each kind of break is named by id', () => {
  // Log a b c d; accepted a b c d x (x never persisted); received a c b c.
  const f = judgeSequence(['a', 'b', 'c', 'd', 'x'], ['a', 'b', 'c', 'd'], ['a', 'c', 'b', 'c']);
  assert.deepEqual(f, { lost: ['d', 'x'], unpersisted: ['x'], duplicated: ['c'], reordered: ['b'] });
});
