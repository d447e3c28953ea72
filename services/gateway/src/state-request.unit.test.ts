import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import type { AtomicSender } from '@tidings/kafka';
import { createBudgets } from './budget.js';
import { recordState, type StateContext } from './state-request.js';

/**
 * The rule of state requests as pure logic, with in-memory stand-ins for the
 * mirror (an `inbox` of id → owner), Kafka (what was written) and the
 * watermark. The end-to-end test (e2e/budgets.e2e.test.ts) runs it for real.
 */
function world(opts: { live?: bigint; mark?: bigint; recheckMs?: number; perSec?: number; burst?: number } = {}) {
  const inbox = new Map<string, string>();
  const written: { notificationId?: string; all?: true; userId: string }[] = [];
  let mark = opts.mark ?? 0n;
  const waiters: (() => void)[] = [];
  const pool = {
    query: async (_sql: string, [userId, ids]: [string, string[]]) => ({
      rows: ids.filter((id) => inbox.get(id) === userId).map((id) => ({ notification_id: id })),
    }),
  } as unknown as pg.Pool;
  const sender = {
    send: async (batches: { messages: { value: string }[] }[]) => {
      for (const m of batches[0]!.messages) {
        const e = JSON.parse(m.value) as { userId: string; data: { notificationId?: string; all?: true } };
        written.push({ userId: e.userId, ...e.data });
      }
    },
  } as unknown as AtomicSender;
  const ctx: StateContext = {
    pool,
    sender,
    topic: 'events',
    writes: createBudgets({ perSec: opts.perSec ?? 1000, burst: opts.burst ?? 1000 }),
    watermarks: {
      get: () => mark,
      waitFor: (_p, offset, timeoutMs) =>
        new Promise((resolve) => {
          if (mark >= offset) return resolve(true);
          const t = setTimeout(() => resolve(false), timeoutMs);
          waiters.push(() => {
            if (mark < offset) return;
            clearTimeout(t);
            resolve(true);
          });
        }),
    },
    livePosition: () => opts.live ?? 0n,
    partitionOf: () => 0,
    recheckMs: opts.recheckMs ?? 60_000,
  };
  const advance = (to: bigint) => {
    mark = to;
    for (const w of waiters) w();
  };
  return { ctx, inbox, written, advance };
}

test("only the caller's own notifications produce events; others and unknown ids are ignored, duplicates count once", async () => {
  const w = world();
  w.inbox.set('a1', 'ann').set('a2', 'ann').set('b1', 'bob');
  const r = await recordState(w.ctx, 'ann', 'read', { ids: ['a1', 'b1', 'zz', 'a1', 'a2'] });
  assert.ok(r.ok);
  assert.equal(r.ids.length, 2);
  assert.deepEqual(r.ignored, ['b1', 'zz']);
  assert.deepEqual(w.written, [
    { userId: 'ann', notificationId: 'a1' },
    { userId: 'ann', notificationId: 'a2' },
  ]);
});

test('all stays one event', async () => {
  const w = world();
  const r = await recordState(w.ctx, 'ann', 'read', { all: true });
  assert.ok(r.ok);
  assert.deepEqual([r.ids.length, r.ignored], [1, []]);
  assert.deepEqual(w.written, [{ userId: 'ann', all: true }]);
});

test('unknown ids wait for the watermark to reach the live position, then count if the row arrived', async () => {
  const w = world({ live: 10n, mark: 5n });
  const pending = recordState(w.ctx, 'ann', 'seen', { ids: ['fresh', 'never'] });
  // The persister stores the live-delivered notification and moves the watermark past it.
  w.inbox.set('fresh', 'ann');
  w.advance(10n);
  const r = await pending;
  assert.ok(r.ok);
  assert.deepEqual([r.ids.length, r.ignored], [1, ['never']]);
});

test('no wait when the mirror has caught up with what was delivered live', async () => {
  const w = world({ live: 10n, mark: 10n, recheckMs: 60_000 });
  const r = await recordState(w.ctx, 'ann', 'read', { ids: ['unknown'] });
  assert.ok(r.ok);
  assert.deepEqual([r.ids, r.ignored], [[], ['unknown']]);
});

test('the wait is bounded: the persister not catching up means the ids are ignored after recheckMs', async () => {
  const w = world({ live: 10n, mark: 5n, recheckMs: 30 });
  const r = await recordState(w.ctx, 'ann', 'read', { ids: ['late'] });
  assert.ok(r.ok);
  assert.deepEqual(r.ignored, ['late']);
});

test('the budget is charged per distinct id asked for, owned or not; a refused request writes nothing', async () => {
  const w = world({ perSec: 1, burst: 3 });
  w.inbox.set('a1', 'ann');
  assert.equal((await recordState(w.ctx, 'ann', 'read', { ids: ['a1', 'x', 'y', 'x'] })).ok, true);
  const refused = await recordState(w.ctx, 'ann', 'read', { ids: ['a1'] });
  assert.equal(refused.ok, false);
  assert.equal(w.written.length, 1);
  assert.equal((await recordState(w.ctx, 'bob', 'read', { ids: ['b1'] })).ok, true, 'another user has their own budget');
});
