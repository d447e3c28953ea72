import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditBudget } from './audit-budget.js';

test('a flood is admitted up to the burst, then at the rate; the next admitted row says how many were dropped', () => {
  let clock = 0;
  const budget = createAuditBudget({ perSec: 2, burst: 3, now: () => clock });
  const flood = Array.from({ length: 10 }, () => budget.take('anonymous'));
  assert.deepEqual(flood.map((r) => r !== undefined), [true, true, true, false, false, false, false, false, false, false]);
  clock += 500; // one token back at 2/s
  assert.deepEqual(budget.take('anonymous'), { dropped: 7 });
  assert.equal(budget.take('anonymous'), undefined);
  clock += 10_000; // refills to the burst, not beyond
  assert.deepEqual([1, 2, 3, 4].map(() => budget.take('anonymous')), [{ dropped: 1 }, { dropped: 0 }, { dropped: 0 }, undefined]);
});

test('an anonymous flood does not use up the budget of authenticated callers', () => {
  const budget = createAuditBudget({ perSec: 1, burst: 2, now: () => 0 });
  for (let i = 0; i < 100; i++) budget.take('anonymous');
  assert.deepEqual(budget.take('authenticated'), { dropped: 0 });
});
