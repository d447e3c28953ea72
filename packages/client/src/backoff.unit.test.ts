import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, backoffWindow } from './backoff.js';

const opts = { baseMs: 500, capMs: 30000 };

test('the window doubles per attempt from the base and stops at the cap', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffWindow(a, opts)),
    [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000],
  );
  assert.equal(backoffWindow(10_000, opts), 30000, 'huge attempt counts stay finite and capped');
  assert.equal(backoffWindow(-3, opts), 500, 'negative attempts are treated as the first');
});

test('full jitter: the delay spans [0, window) uniformly', () => {
  assert.equal(backoffDelay(3, opts, () => 0), 0);
  assert.equal(backoffDelay(3, opts, () => 0.5), 2000);
  assert.equal(backoffDelay(3, opts, () => 0.999999), 3999);
  // Many clients of one attempt spread over the whole window, not a wave.
  let seed = 7;
  const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const delays = Array.from({ length: 2000 }, () => backoffDelay(4, opts, rnd));
  assert.ok(Math.min(...delays) < 400 && Math.max(...delays) > 7600, `spread ${Math.min(...delays)}..${Math.max(...delays)}`);
  const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
  assert.ok(Math.abs(mean - 4000) < 300, `mean ${mean}`);
});
