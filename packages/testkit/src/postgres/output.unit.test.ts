import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutputTail } from './output.js';

test('joins lines split across chunks and reports each whole line once', () => {
  const tail = new OutputTail();
  const seen: string[] = [];
  tail.onLine((l) => seen.push(l));
  tail.push('LOG:  database system is re');
  tail.push('ady to accept connections\r\nsecond');
  assert.deepEqual(seen, ['LOG:  database system is ready to accept connections']);
  assert.deepEqual(tail.lines(), ['LOG:  database system is ready to accept connections', 'second']);
  tail.end();
  assert.deepEqual(seen, ['LOG:  database system is ready to accept connections', 'second']);
});

test('keeps only the last lines and formats them for an error message', () => {
  const tail = new OutputTail(2);
  tail.push('a\nb\nc\n');
  assert.deepEqual(tail.lines(), ['b', 'c']);
  assert.equal(tail.format(), '  | b\n  | c');
  assert.equal(new OutputTail().format(), '  (no output)');
});
