import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clip, progressLine, table } from './format.js';

test('tables align columns and right-align numeric ones', () => {
  const out = table(['id', 'name'], [
    [7, 'alice'],
    [12345, null],
  ]).split('\n');
  assert.deepEqual(out, ['   id  name', '-----  -----', '    7  alice', '12345  -']);
});

test('progress reflects offsets done over targets, capped at 100%', () => {
  const line = progressLine(
    { state: 'running', phase: 'load', events: 1500, eventsPerSec: 60000, partitions: [{ done: '50', target: '100' }, { done: '0', target: '100' }] },
    10,
  );
  assert.match(line, /^\[###-------\] {2}25% {2}1,500 events {2}60,000 ev\/s {2}running\/load$/);
  assert.match(progressLine({ state: 'done', phase: 'finished', events: 0, eventsPerSec: 0, partitions: [] }, 4), /^\[####\] 100%/);
  assert.match(progressLine({ state: 'done', phase: 'finished', events: 9, eventsPerSec: 0, partitions: [{ done: '200', target: '100' }] }, 4), /100%/);
});

test('clip shortens long values with an ellipsis and keeps short ones', () => {
  assert.equal(clip('abc', 5), 'abc');
  assert.equal(clip('abcdefgh', 5), 'abcd…');
  assert.equal(clip({ a: 1 }, 50), '{"a":1}');
});
