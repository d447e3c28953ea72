import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSeenIds } from './dedupe.js';

test('an id is new once, a duplicate afterwards', () => {
  const seen = createSeenIds(10);
  assert.equal(seen.add('a'), true);
  assert.equal(seen.add('a'), false);
  assert.equal(seen.add('b'), true);
  assert.equal(seen.size, 2);
});

test('bounded: the oldest ids are forgotten first, memory stays at capacity', () => {
  const seen = createSeenIds(3);
  for (const id of ['a', 'b', 'c', 'd']) seen.add(id);
  assert.equal(seen.size, 3);
  assert.equal(seen.has('a'), false, 'oldest evicted');
  assert.equal(seen.has('b'), true);
  assert.equal(seen.add('d'), false, 'recent ids still caught');
  for (let i = 0; i < 10000; i++) seen.add(`x${i}`);
  assert.equal(seen.size, 3);
});

test('capacity must be a positive integer', () => {
  assert.throws(() => createSeenIds(0), RangeError);
  assert.throws(() => createSeenIds(1.5), RangeError);
});
