import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CreatedEvent } from '@tidings/protocol';
import {
  useNamespace,
} from '@tidings/testkit';
import type { DeadRecord, GoodRecord } from './records.js';
import { isDataError, salvageBatch } from './salvage.js';
import { persistBatch } from './store.js';

/**
 * Defence in depth: a record that passed validation but that Postgres
 * refuses must not block its partition forever. The records here bypass
 * validation on purpose (validation now refuses both kinds).
 */
const t = useNamespace({ poolMax: 2 });


const created = (offset: bigint, id: string, over: Partial<CreatedEvent> = {}, data: Partial<CreatedEvent['data']> = {}): GoodRecord => {
  const event: CreatedEvent = { id, type: 'notification.created', userId: 'u1', time: '2030-01-01T00:00:00Z', source: 's', data: { category: 'c', title: 't', ...data }, ...over };
  return { offset, event, key: 'u1', value: JSON.stringify(event) };
};

test('isDataError tells refused data from an unavailable database', () => {
  assert.equal(isDataError(new Error('wrapped', { cause: Object.assign(new Error('out of range'), { code: '22008' }) })), true);
  assert.equal(isDataError(Object.assign(new Error('nul'), { code: '22P05' })), true);
  assert.equal(isDataError(Object.assign(new Error('terminating connection'), { code: '57P01' })), false);
  assert.equal(isDataError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), false);
  assert.equal(isDataError(new Error('plain')), false);
});

test('a batch Postgres refuses is bisected: the bad records are dead-lettered with the reason, the rest stored in order, watermark at the end', async () => {
  const p = 0;
  const good = [
    created(0n, 'ok-0'),
    created(1n, 'bad-year', { time: '0000-01-01T00:00:00Z' }),
    created(2n, 'ok-2'),
    created(4n, 'bad-nul', {}, { title: 'a\u0000b' }),
    created(5n, 'ok-5'),
  ];
  const dead: DeadRecord[] = [{ offset: 3n, key: 'u1', value: 'not json', reason: '/ is not valid JSON' }];
  await assert.rejects(persistBatch(t.pool, p, good, dead, 7n), (e: unknown) => isDataError(e));
  const { outcome, dead: allDead } = await salvageBatch(t.pool, p, good, dead, 7n);
  assert.deepEqual(outcome, { inserted: 3, duplicates: 0, dead: 3 });
  assert.deepEqual(allDead.map((d) => d.offset).sort(), [1n, 3n, 4n]);
  const events = await t.pool.query<{ id: string }>('SELECT id FROM events WHERE partition = $1 ORDER BY "offset"', [p]);
  assert.deepEqual(events.rows.map((r) => r.id), ['ok-0', 'ok-2', 'ok-5']);
  const letters = await t.pool.query<{ offset: string; reason: string; value: string }>('SELECT "offset"::text AS offset, reason, value FROM dead_letters WHERE partition = $1 ORDER BY dead_letters."offset"', [p]);
  assert.deepEqual(letters.rows.map((r) => r.offset), ['1', '3', '4']);
  assert.match(letters.rows[0]!.reason, /postgres refused the record: 22008/);
  assert.equal(letters.rows[0]!.value, good[1]!.value);
  assert.match(letters.rows[2]!.reason, /postgres refused the record: 22/);
  const wm = await t.pool.query<{ n: string }>('SELECT next_offset::text AS n FROM watermarks WHERE partition = $1', [p]);
  assert.equal(wm.rows[0]!.n, '7');
  // Replaying the same batch (crash before the offset commit) changes nothing.
  const again = await salvageBatch(t.pool, p, good, dead, 7n);
  assert.deepEqual(again.outcome, { inserted: 0, duplicates: 3, dead: 3 });
  assert.equal((await t.pool.query('SELECT 1 FROM dead_letters WHERE partition = $1', [p])).rows.length, 3);
});

test('a new id at a position already stored under another id is dead-lettered, not dropped as a duplicate', async () => {
  const p = 1;
  await persistBatch(t.pool, p, [created(0n, 'first-at-0')], [], 1n);
  const intruder = created(0n, 'other-at-0');
  await assert.rejects(persistBatch(t.pool, p, [intruder], [], 1n), (e: unknown) => isDataError(e));
  const { dead } = await salvageBatch(t.pool, p, [intruder], [], 1n);
  assert.equal(dead.length, 1);
  assert.match(dead[0]!.reason, /23505/);
  const ids = await t.pool.query<{ id: string }>('SELECT id FROM events WHERE partition = $1', [p]);
  assert.deepEqual(ids.rows.map((r) => r.id), ['first-at-0']);
});
