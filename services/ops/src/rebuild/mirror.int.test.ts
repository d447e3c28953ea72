import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyState, insertCreated, type Positioned } from '@tidings/persister-service';
import type { CreatedEvent, StateEvent } from '@tidings/protocol';
import {
  useNamespace,
} from '@tidings/testkit';
import { applyMirrorRange } from './mirror.js';

/**
 * The mirror path folds a chunk's state into its created rows in SQL and
 * hands only older rows to the persister's applyState. Property: for random
 * logs and any chunk size, it builds exactly the inbox the persister's own
 * functions build when fed the log batch by batch (as the live persister
 * does) — every column of every row.
 */
const t = useNamespace({ poolMax: 2 });


const TYPES = ['notification.read', 'notification.seen', 'notification.archived', 'notification.unarchived'] as const;
type Ev = Positioned<CreatedEvent> | Positioned<StateEvent>;

const logArb = fc
  .array(
    fc.record({
      kind: fc.constantFrom('created', 'created', 'state', 'state', 'state', 'all', 'early'),
      user: fc.constantFrom('u1', 'u2', 'u3'),
      type: fc.constantFrom(...TYPES),
      target: fc.nat(40),
      ms: fc.nat(999),
      payload: fc.boolean(),
    }),
    { minLength: 1, maxLength: 80 },
  )
  .map((steps) => {
    const created: { id: string; user: string }[] = [];
    return steps.map((s, i): Ev => {
      const offset = BigInt(i * 3 + (i % 3)); // gaps, as duplicates and dead letters leave in a real log
      const time = `2025-01-01T00:00:${String(i % 60).padStart(2, '0')}.${String(s.ms).padStart(3, '0')}Z`;
      const base = { id: `e${i}`, userId: s.user, time, source: 'prop' };
      if (s.kind === 'created' || created.length === 0) {
        created.push({ id: base.id, user: s.user });
        const data = { category: 'c', title: `t${i}`, ...(s.payload ? { payload: { n: i, deep: [1, { x: null }] }, priority: 'high' as const, expiresAt: time } : {}) };
        return { partition: 0, offset, event: { ...base, type: 'notification.created', data } };
      }
      if (s.kind === 'all') return { partition: 0, offset, event: { ...base, type: s.type, data: { all: true } } };
      // 'early': aimed at a notification created later in the log (must not apply); otherwise an existing one, sometimes another user's.
      const target = s.kind === 'early' ? `e${i + 1 + (s.target % 5)}` : created[s.target % created.length]!.id;
      const userId = s.kind === 'early' || s.target % 6 !== 0 ? (created.find((c) => c.id === target)?.user ?? s.user) : s.user;
      return { partition: 0, offset, event: { ...base, userId, type: s.type, data: { notificationId: target } } };
    });
  });

async function reset(): Promise<void> {
  await t.pool.query('TRUNCATE events; DROP TABLE IF EXISTS by_persister; DROP TABLE IF EXISTS by_mirror');
  await t.pool.query('CREATE TABLE by_persister (LIKE inbox INCLUDING ALL); CREATE TABLE by_mirror (LIKE inbox INCLUDING ALL)');
}

async function checksum(table: string): Promise<string> {
  const r = await t.pool.query<{ md5: string | null; n: string }>(`SELECT count(*)::text AS n, md5(string_agg(t::text, ',' ORDER BY notification_id)) AS md5 FROM ${table} t`);
  return `${r.rows[0]!.n}:${r.rows[0]!.md5}`;
}

test('a mirror rebuild equals the persister fed the same log, for any chunk size (property)', async () => {
  await fc.assert(
    fc.asyncProperty(logArb, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), async (log, chunk, batch) => {
      await reset();
      const client = await t.pool.connect();
      try {
        await client.query(
          `INSERT INTO events (id, user_id, partition, "offset", type, time, source, data)
           SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::timestamptz[], $7::text[], $8::jsonb[])`,
          [
            log.map((e) => e.event.id),
            log.map((e) => e.event.userId),
            log.map((e) => e.partition),
            log.map((e) => e.offset.toString()),
            log.map((e) => e.event.type),
            log.map((e) => e.event.time),
            log.map((e) => e.event.source),
            log.map((e) => JSON.stringify(e.event.data)),
          ],
        );
        // The persister: batch by batch, created rows first, then state in log order.
        for (let i = 0; i < log.length; i += batch) {
          const part = log.slice(i, i + batch);
          await insertCreated(client, part.filter((e): e is Positioned<CreatedEvent> => e.event.type === 'notification.created'), 'by_persister');
          await applyState(client, part.filter((e): e is Positioned<StateEvent> => e.event.type !== 'notification.created'), 'by_persister');
        }
        await applyMirrorRange(client, { table: 'by_mirror', partition: 0, from: 0n, until: log[log.length - 1]!.offset + 1n, chunk, ownTransactions: true });
      } finally {
        client.release();
      }
      assert.equal(await checksum('by_mirror'), await checksum('by_persister'));
    }),
    { numRuns: 60 },
  );
});

test('a range applied in pieces continues where it stopped', async () => {
  await reset();
  const ids = Array.from({ length: 10 }, (_, i) => `p${i}`);
  await t.pool.query(
    `INSERT INTO events (id, user_id, partition, "offset", type, time, source, data)
     SELECT id, 'u', 3, o, 'notification.created', now(), 's', '{"category":"c","title":"t"}'
     FROM unnest($1::text[]) WITH ORDINALITY AS x(id, o)`,
    [ids],
  );
  const client = await t.pool.connect();
  try {
    const first = await applyMirrorRange(client, { table: 'by_mirror', partition: 3, from: 0n, until: 5n, chunk: 2, ownTransactions: true });
    assert.deepEqual(first, { events: 4, next: 5n });
    const rest = await applyMirrorRange(client, { table: 'by_mirror', partition: 3, from: first.next, until: 100n, chunk: 4, ownTransactions: true });
    assert.deepEqual(rest, { events: 6, next: 100n });
    const none = await applyMirrorRange(client, { table: 'by_mirror', partition: 3, from: 100n, until: 100n, chunk: 4, ownTransactions: true });
    assert.deepEqual(none, { events: 0, next: 100n });
  } finally {
    client.release();
  }
  assert.equal((await checksum('by_mirror')).split(':')[0], '10');
});
