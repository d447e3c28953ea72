import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createBudgets } from './budget.js';

test('a user spends the burst at once, then is refused with the time until the request fits', () => {
  const b = createBudgets({ perSec: 10, burst: 20 });
  assert.deepEqual(b.spend('ann', 20, 0), { ok: true });
  const refused = b.spend('ann', 5, 0);
  assert.deepEqual(refused, { ok: false, retryAfterMs: 500 });
  assert.deepEqual(b.spend('ann', 5, 500), { ok: true });
});

test('budgets are per key: one user spending all of theirs leaves another untouched', () => {
  const b = createBudgets({ perSec: 1, burst: 10 });
  assert.equal(b.spend('flood', 10, 0).ok, true);
  assert.equal(b.spend('flood', 1, 0).ok, false);
  assert.equal(b.spend('quiet', 10, 0).ok, true);
});

test('a request larger than the burst passes once the bucket is full and leaves it in debt', () => {
  const b = createBudgets({ perSec: 100, burst: 50 });
  assert.equal(b.spend('big', 1000, 0).ok, true);
  // 950 units of debt: 9.5 s until one more unit fits (and then a full bucket takes 10 s).
  assert.deepEqual(b.spend('big', 1, 0), { ok: false, retryAfterMs: 9510 });
  assert.equal(b.spend('big', 1, 9510).ok, true);
});

test('the sweep forgets refilled buckets only', () => {
  const b = createBudgets({ perSec: 10, burst: 10 });
  b.spend('a', 10, 0);
  b.spend('b', 1, 0);
  assert.equal(b.sweep(50), 2);
  assert.equal(b.sweep(1000), 0);
});

// Property: whatever a user sends, over any run of T seconds it is granted at
// most burst + perSec·T units plus one request's cost, and waiting the
// advertised retryAfterMs always lets the same request through.
test('property: granted units never exceed burst + rate·time + one request; retryAfterMs is always enough', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 1, max: 2000 }),
      fc.array(fc.record({ dt: fc.integer({ min: 0, max: 500 }), cost: fc.integer({ min: 1, max: 3000 }) }), { minLength: 1, maxLength: 200 }),
      (perSec, burst, requests) => {
        const b = createBudgets({ perSec, burst });
        let now = 0;
        let granted = 0;
        let maxCost = 0;
        for (const r of requests) {
          now += r.dt;
          maxCost = Math.max(maxCost, r.cost);
          const spent = b.spend('u', r.cost, now);
          if (spent.ok) {
            granted += r.cost;
          } else {
            assert.ok(spent.retryAfterMs > 0);
            // A copy of the state (fresh budget driven the same way) must accept after the wait.
            const probe = createBudgets({ perSec, burst });
            let t = 0;
            for (const q of requests.slice(0, requests.indexOf(r))) {
              t += q.dt;
              probe.spend('u', q.cost, t);
            }
            assert.equal(probe.spend('u', r.cost, now + spent.retryAfterMs).ok, true, 'retryAfterMs suffices');
          }
          assert.ok(granted <= burst + (perSec * now) / 1000 + maxCost + 1e-6, `granted ${granted} by ${now} ms`);
        }
      },
    ),
    { numRuns: 300 },
  );
});
