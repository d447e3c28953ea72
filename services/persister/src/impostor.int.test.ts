import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { CreatedEvent } from '@tidings/protocol';
import { useNamespace } from '@tidings/testkit';
import type { GoodRecord } from './records.js';
import { persistBatch } from './store.js';

/**
 * An id met again is a retry only if it comes from the same producer for the
 * same user (docs/contract.md §10). Anything else is dead-lettered with the
 * reason, never dropped silently as a duplicate and never stored over the
 * first. Real Postgres, one partition per test.
 */
const t = useNamespace({ poolMax: 2 });
let nextPartition = 0;

function created(offset: bigint, id: string, userId: string, source: string, title: string): GoodRecord {
  const event: CreatedEvent = { id, type: 'notification.created', userId, time: '2030-01-01T00:00:00.000Z', source, data: { category: 'c', title } };
  return { offset, event, key: userId, value: JSON.stringify(event) };
}

async function letters(partition: number): Promise<{ offset: string; key: string; reason: string; value: string }[]> {
  const r = await t.pool.query<{ offset: string; key: string; reason: string; value: string }>(
    'SELECT "offset"::text AS offset, key, reason, value FROM dead_letters WHERE partition = $1 ORDER BY "offset"',
    [partition],
  );
  return r.rows;
}

test('a stored id met again from another producer or for another user is dead-lettered with the reason; a true retry is a duplicate', async () => {
  const p = nextPartition++;
  const r = randomBytes(3).toString('hex');
  const [id, user, other] = [`taken-${r}`, `u-${r}`, `v-${r}`];
  const first = created(0n, id, user, 'billing', 'real');
  await persistBatch(t.pool, p, [first], [], 1n);

  const retry = created(1n, id, user, 'billing', 'real');
  const squatter = created(2n, id, user, 'rogue', 'FAKE');
  const redirect = created(3n, id, other, 'billing', 'real');
  const outcome = await persistBatch(t.pool, p, [retry, squatter, redirect], [], 4n);

  assert.deepEqual({ ...outcome, impostors: outcome.impostors?.map((d) => d.offset) }, { inserted: 0, duplicates: 1, dead: 2, impostors: [2n, 3n] });
  const dead = await letters(p);
  assert.deepEqual(dead.map((d) => [d.offset, d.key]), [['2', user], ['3', other]]);
  assert.match(dead[0]!.reason, /already stored for another source/);
  assert.match(dead[1]!.reason, /already stored for another userId/);
  assert.equal((JSON.parse(dead[0]!.value) as CreatedEvent).data.title, 'FAKE', 'the record is kept verbatim for ops');
  // The first event is untouched, and nobody else's inbox got a row.
  const inbox = await t.pool.query('SELECT user_id, title FROM inbox WHERE notification_id = $1', [id]);
  assert.deepEqual(inbox.rows, [{ user_id: user, title: 'real' }]);
  const events = await t.pool.query('SELECT user_id, source FROM events WHERE id = $1', [id]);
  assert.deepEqual(events.rows, [{ user_id: user, source: 'billing' }]);
});

test('within one batch the first record of an id wins and a foreign repeat of it is dead-lettered; replaying the batch changes nothing', async () => {
  const p = nextPartition++;
  const r = randomBytes(3).toString('hex');
  const [id, user] = [`same-batch-${r}`, `u-${r}`];
  const batch = [created(0n, id, user, 'billing', 'real'), created(1n, id, user, 'rogue', 'FAKE')];
  const outcome = await persistBatch(t.pool, p, batch, [], 2n);
  assert.deepEqual([outcome.inserted, outcome.duplicates, outcome.dead], [1, 0, 1]);
  const again = await persistBatch(t.pool, p, batch, [], 2n);
  assert.deepEqual([again.inserted, again.dead], [0, 1]);
  assert.deepEqual((await letters(p)).map((d) => d.offset), ['1'], 'dead-lettered once per position');
  const inbox = await t.pool.query('SELECT title FROM inbox WHERE notification_id = $1', [id]);
  assert.deepEqual(inbox.rows, [{ title: 'real' }]);
});
