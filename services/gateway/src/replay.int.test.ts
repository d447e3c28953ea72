import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useNamespace,
} from '@tidings/testkit';
import { replayPage } from './replay.js';

/** Replay pages against the real mirror schema: numeric log order across digit lengths, keyset paging, time filter. */
const t = useNamespace({ poolMax: 2 });
const USER = 'replay-user';
const BASE = Date.parse('2024-05-01T00:00:00.000Z');

before(async () => {
  await t.ready();
  // Offsets 0..24 of partition 3: the user's are the multiples of 3 below 10 and everything from 10 on; one second apart.
  for (let o = 0; o < 25; o++) {
    const userId = o >= 10 || o % 3 === 0 ? USER : 'someone-else';
    await t.pool.query(
      `INSERT INTO events (id, user_id, partition, "offset", type, time, source, data) VALUES ($1, $2, 3, $3, 'notification.created', $4, 'svc', $5)`,
      [`ev-${o}`, userId, o, new Date(BASE + o * 1000), { category: 'c', title: `t${o}` }],
    );
  }
});

const mine = (from: number, to = 25) => Array.from({ length: 25 }, (_, o) => o).filter((o) => o > from && o < to && (o >= 10 || o % 3 === 0));

test('pages come in numeric log order, also across digit lengths (9 before 10)', async () => {
  const seen: number[] = [];
  let afterOffset = -1n;
  for (;;) {
    const rows = await replayPage(t.pool, USER, 3, afterOffset, 25n, 4);
    seen.push(...rows.map((r) => Number(r.offset)));
    if (rows.length < 4) break;
    afterOffset = rows.at(-1)!.offset;
  }
  assert.deepEqual(seen, mine(-1));
});

test('the upper bound is exclusive and other users never appear', async () => {
  const rows = await replayPage(t.pool, USER, 3, 5n, 12n, 100);
  assert.deepEqual(rows.map((r) => Number(r.offset)), mine(5, 12));
  assert.deepEqual(await replayPage(t.pool, USER, 2, -1n, 25n, 100), [], 'another partition holds nothing of the user');
});

test('rows are the envelope as JSON text, time in UTC with milliseconds', async () => {
  const [row] = await replayPage(t.pool, USER, 3, 11n, 13n, 1);
  assert.deepEqual(JSON.parse(row!.json), {
    id: 'ev-12',
    type: 'notification.created',
    userId: USER,
    time: new Date(BASE + 12_000).toISOString(),
    source: 'svc',
    data: { category: 'c', title: 't12' },
  });
});

test('since keeps events at or after a time', async () => {
  const rows = await replayPage(t.pool, USER, 3, -1n, 25n, 100, new Date(BASE + 20_000));
  assert.deepEqual(rows.map((r) => Number(r.offset)), [20, 21, 22, 23, 24]);
});
