import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { subscriberPages } from './subscriptions.js';

/**
 * An in-memory stand-in for the one keyset query the pager runs, with
 * Postgres' semantics (`owner = $1 AND topic = $2 AND user_id > $3 ORDER BY user_id LIMIT $4`). It also
 * records the largest page it ever handed out: the pager must never hold
 * more than one page of an audience.
 */
function fakePool(topics: Record<string, string[]>, owner = 'o') {
  const stats = { queries: 0, largest: 0 };
  const pool = {
    query: async (_sql: string, [who, topic, after, limit]: [string, string, string, number]) => {
      stats.queries += 1;
      const rows = [...(who === owner ? (topics[topic] ?? []) : [])]
        .sort()
        .filter((u) => u > after)
        .slice(0, limit)
        .map((user_id) => ({ user_id }));
      stats.largest = Math.max(stats.largest, rows.length);
      return { rows };
    },
  } as unknown as pg.Pool;
  return { pool, stats };
}

async function collect(pool: pg.Pool, topic: string, pageSize: number): Promise<string[][]> {
  const pages: string[][] = [];
  for await (const page of subscriberPages(pool, 'o', topic, pageSize)) pages.push(page);
  return pages;
}

const users = (n: number) => Array.from({ length: n }, (_, i) => `user-${String(i).padStart(6, '0')}`);

test('pages a 20,000-subscriber topic in order, every subscriber exactly once, one page at a time', async () => {
  const all = users(20000);
  const { pool, stats } = fakePool({ big: [...all].reverse(), other: ['x'] });
  const pages = await collect(pool, 'big', 1000);
  assert.equal(pages.length, 20);
  assert.ok(pages.every((p) => p.length === 1000));
  assert.deepEqual(pages.flat(), all);
  assert.equal(stats.largest, 1000);
  // An exact multiple needs one more (empty) query to know it is done.
  assert.equal(stats.queries, 21);
});

test('a last short page ends the scan without another query', async () => {
  const { pool, stats } = fakePool({ t: users(2500) });
  const pages = await collect(pool, 't', 1000);
  assert.deepEqual(pages.map((p) => p.length), [1000, 1000, 500]);
  assert.equal(stats.queries, 3);
});

test('an unknown or empty topic yields no page', async () => {
  const { pool } = fakePool({ t: [] });
  assert.deepEqual(await collect(pool, 't', 10), []);
  assert.deepEqual(await collect(pool, 'nobody', 10), []);
});

test('ids sorting before the empty string cannot exist, so the keyset start misses nobody', async () => {
  // The pager starts after '' — the smallest string — so the first subscriber is always included.
  const { pool } = fakePool({ t: ['-', '.', '0', '@', 'A', '_', 'a'] });
  assert.deepEqual((await collect(pool, 't', 3)).flat(), ['-', '.', '0', '@', 'A', '_', 'a']);
});
