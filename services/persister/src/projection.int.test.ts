import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { CreatedEvent, Envelope, StateEvent } from '@tidings/protocol';
import {
  useNamespace,
} from '@tidings/testkit';
import type { DeadRecord, GoodRecord } from './records.js';
import { persistBatch } from './store.js';

/**
 * Projection semantics on real Postgres, through the persister's own batch
 * transaction. Each test gets a partition of its own so offsets and
 * watermarks never interfere.
 */
const t = useNamespace({ poolMax: 3 });
let nextPartition = 0;


/** A user's log in one partition: append events, persist them in batches of your choice. */
function log(userId = `u-${randomBytes(3).toString('hex')}`) {
  const partition = nextPartition++;
  let offset = 0n;
  let seq = 0;
  const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s)).toISOString();
  return {
    userId,
    partition,
    created(data: Partial<CreatedEvent['data']> = {}, id = `n-${userId}-${seq}`): GoodRecord {
      const e: CreatedEvent = { id, type: 'notification.created', userId, time: at(seq++), source: 'test', data: { category: 'c', title: 't', ...data } };
      return { offset: offset++, event: e };
    },
    state(type: StateEvent['type'], target: string | 'all', opts: { id?: string; user?: string } = {}): GoodRecord {
      const e: StateEvent = {
        id: opts.id ?? `s-${userId}-${seq}`,
        type,
        userId: opts.user ?? userId,
        time: at(seq++),
        source: 'test',
        data: target === 'all' ? { all: true } : { notificationId: target },
      };
      return { offset: offset++, event: e };
    },
    /** Records with made-up offsets (replays keep theirs). */
    async persist(records: GoodRecord[], dead: DeadRecord[] = []) {
      const last = [...records.map((r) => r.offset), ...dead.map((d) => d.offset)].reduce((a, b) => (a > b ? a : b), -1n);
      return persistBatch(t.pool, partition, records, dead, last + 1n);
    },
  };
}

interface Row {
  notification_id: string;
  seen_at: string | null;
  read_at: string | null;
  archived_at: string | null;
}
async function inbox(userId: string): Promise<Map<string, Row>> {
  const r = await t.pool.query<Row>(
    `SELECT notification_id, to_char(seen_at AT TIME ZONE 'UTC', 'SS') AS seen_at, to_char(read_at AT TIME ZONE 'UTC', 'SS') AS read_at,
            to_char(archived_at AT TIME ZONE 'UTC', 'SS') AS archived_at
     FROM inbox WHERE user_id = $1`,
    [userId],
  );
  return new Map(r.rows.map((row) => [row.notification_id, row]));
}
const secs = (r: GoodRecord) => new Date((r.event as Envelope).time).toISOString().slice(17, 19);

test('created → one inbox row with the notification fields and no state', async () => {
  const l = log();
  const n = l.created({ body: 'b', url: 'https://x', payload: { k: [1] }, priority: 'high', groupKey: 'g', expiresAt: '2031-01-01T00:00:00Z' });
  const outcome = await l.persist([n]);
  assert.deepEqual(outcome, { inserted: 1, duplicates: 0, dead: 0 });
  const r = await t.pool.query('SELECT * FROM inbox WHERE notification_id = $1', [n.event.id]);
  assert.equal(r.rows.length, 1);
  const row = r.rows[0] as Record<string, unknown>;
  assert.equal(row['user_id'], l.userId);
  assert.equal(row['title'], 't');
  assert.equal(row['body'], 'b');
  assert.deepEqual(row['payload'], { k: [1] });
  assert.equal(row['priority'], 'high');
  assert.equal(row['group_key'], 'g');
  assert.equal(String(row['offset']), '0');
  assert.equal((row['created_at'] as Date).toISOString(), n.event.time);
  assert.deepEqual([row['seen_at'], row['read_at'], row['archived_at']], [null, null, null]);
});

test('read / seen / archive / unarchive by id set and clear their timestamps; read implies seen; the first time wins', async () => {
  const l = log();
  const [a, b, c] = [l.created(), l.created(), l.created()];
  await l.persist([a, b, c]);
  const seenB = l.state('notification.seen', b.event.id);
  const readA = l.state('notification.read', a.event.id);
  const readAgain = l.state('notification.read', a.event.id);
  const readB = l.state('notification.read', b.event.id);
  const archC = l.state('notification.archived', c.event.id);
  await l.persist([seenB, readA, readAgain]);
  await l.persist([readB, archC]);
  let rows = await inbox(l.userId);
  assert.deepEqual(rows.get(a.event.id), { notification_id: a.event.id, seen_at: secs(readA), read_at: secs(readA), archived_at: null });
  // b was seen before it was read: its seen time stays.
  assert.deepEqual(rows.get(b.event.id), { notification_id: b.event.id, seen_at: secs(seenB), read_at: secs(readB), archived_at: null });
  assert.deepEqual(rows.get(c.event.id), { notification_id: c.event.id, seen_at: null, read_at: null, archived_at: secs(archC) });
  const unarch = l.state('notification.unarchived', c.event.id);
  await l.persist([unarch]);
  rows = await inbox(l.userId);
  assert.equal(rows.get(c.event.id)!.archived_at, null);
  const rearch = l.state('notification.archived', c.event.id);
  await l.persist([rearch]);
  assert.equal((await inbox(l.userId)).get(c.event.id)!.archived_at, secs(rearch));
});

test('archive, unarchive, archive within ONE batch end archived at the last time', async () => {
  const l = log();
  const n = l.created();
  const s1 = l.state('notification.archived', n.event.id);
  const s2 = l.state('notification.unarchived', n.event.id);
  const s3 = l.state('notification.archived', n.event.id);
  await l.persist([n, s1, s2, s3]);
  assert.equal((await inbox(l.userId)).get(n.event.id)!.archived_at, secs(s3));
});

for (const batching of ['one batch', 'one batch per event'] as const) {
  test(`read-all / seen-all / archive-all only affect notifications earlier in the log (${batching})`, async () => {
    const l = log();
    const [n1, n2] = [l.created(), l.created()];
    const readAll = l.state('notification.read', 'all');
    const n3 = l.created();
    const seenAll = l.state('notification.seen', 'all');
    const n4 = l.created();
    const archAll = l.state('notification.archived', 'all');
    const n5 = l.created();
    const records = [n1, n2, readAll, n3, seenAll, n4, archAll, n5];
    if (batching === 'one batch') await l.persist(records);
    else for (const r of records) await l.persist([r]);
    const rows = await inbox(l.userId);
    const t = secs;
    assert.deepEqual(rows.get(n1.event.id), { notification_id: n1.event.id, seen_at: t(readAll), read_at: t(readAll), archived_at: t(archAll) });
    assert.deepEqual(rows.get(n2.event.id), { notification_id: n2.event.id, seen_at: t(readAll), read_at: t(readAll), archived_at: t(archAll) });
    assert.deepEqual(rows.get(n3.event.id), { notification_id: n3.event.id, seen_at: t(seenAll), read_at: null, archived_at: t(archAll) });
    assert.deepEqual(rows.get(n4.event.id), { notification_id: n4.event.id, seen_at: null, read_at: null, archived_at: t(archAll) });
    assert.deepEqual(rows.get(n5.event.id), { notification_id: n5.event.id, seen_at: null, read_at: null, archived_at: null });
    const unarchAll = l.state('notification.unarchived', 'all');
    await l.persist([unarchAll]);
    assert.ok([...(await inbox(l.userId)).values()].every((r) => r.archived_at === null));
  });
}

test('a state event before its notification in the log changes nothing, whatever the batching', async () => {
  const l = log();
  const early = l.state('notification.read', `n-${l.userId}-1`);
  const n = l.created({}, `n-${l.userId}-1`);
  const late = l.state('notification.seen', n.event.id);
  await l.persist([early, n, late]);
  assert.deepEqual((await inbox(l.userId)).get(n.event.id), { notification_id: n.event.id, seen_at: secs(late), read_at: null, archived_at: null });
});

test('a duplicate state event (same id) is a no-op, even after a later change', async () => {
  const l = log();
  const n = l.created();
  const arch = l.state('notification.archived', n.event.id);
  const unarch = l.state('notification.unarchived', n.event.id);
  await l.persist([n, arch, unarch]);
  // The same archive event again, at a later position (a producer retry).
  const retry = { offset: unarch.offset + 1n, event: arch.event };
  const outcome = await persistBatch(t.pool, l.partition, [retry], [], retry.offset + 1n);
  assert.deepEqual(outcome, { inserted: 0, duplicates: 1, dead: 0 });
  assert.equal((await inbox(l.userId)).get(n.event.id)!.archived_at, null);
});

test('replaying a committed batch changes nothing and never moves the watermark back', async () => {
  const l = log();
  const n = l.created();
  const read = l.state('notification.read', n.event.id);
  const dead: DeadRecord = { offset: 2n, key: l.userId, value: 'nope', reason: '/ is not valid JSON' };
  await l.persist([n, read], [dead]);
  const later = l.created();
  later.offset = 3n;
  await persistBatch(t.pool, l.partition, [later], [], 10n);
  const before = await inbox(l.userId);
  const outcome = await l.persist([n, read], [dead]);
  assert.deepEqual(outcome, { inserted: 0, duplicates: 2, dead: 1 });
  assert.deepEqual(await inbox(l.userId), before);
  const counts = await t.pool.query<{ events: number; dead: number; wm: string }>(
    `SELECT (SELECT count(*)::int FROM events WHERE partition = $1) AS events,
            (SELECT count(*)::int FROM dead_letters WHERE partition = $1) AS dead,
            (SELECT next_offset::text FROM watermarks WHERE partition = $1) AS wm`,
    [l.partition],
  );
  assert.deepEqual(counts.rows[0], { events: 3, dead: 1, wm: '10' });
});

test("a state event for another user's notification changes nothing", async () => {
  const alice = log();
  const n = alice.created();
  await alice.persist([n]);
  // Mallory names Alice's notification, by id and via read-all, in her own stream.
  const mallory = log();
  await mallory.persist([
    mallory.state('notification.read', n.event.id),
    mallory.state('notification.archived', n.event.id),
    mallory.state('notification.read', 'all'),
  ]);
  assert.deepEqual((await inbox(alice.userId)).get(n.event.id), { notification_id: n.event.id, seen_at: null, read_at: null, archived_at: null });
});

test('a state event for an unknown notification is stored in the log and changes nothing', async () => {
  const l = log();
  const n = l.created();
  await l.persist([n]);
  const ghost = l.state('notification.read', 'does-not-exist');
  assert.deepEqual(await l.persist([ghost]), { inserted: 1, duplicates: 0, dead: 0 });
  assert.equal((await inbox(l.userId)).get(n.event.id)!.read_at, null);
  const r = await t.pool.query('SELECT type FROM events WHERE id = $1', [ghost.event.id]);
  assert.deepEqual(r.rows, [{ type: 'notification.read' }]);
});
