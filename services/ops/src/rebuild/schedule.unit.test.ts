import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Positioned } from '@tidings/persister-service';
import type { StateEvent } from '@tidings/protocol';
import { foldInbox, type FoldEvent } from '../testing/fold.js';
import { scheduleState } from './schedule.js';

const TYPES = ['notification.read', 'notification.seen', 'notification.archived', 'notification.unarchived'] as const;

/** A random log: a few users, created events and state events (single or all) interleaved. */
const logArb = fc
  .array(
    fc.record({
      kind: fc.constantFrom('created', 'created', 'state', 'state', 'state', 'all'),
      user: fc.constantFrom('u1', 'u2', 'u3'),
      type: fc.constantFrom(...TYPES),
      target: fc.nat(30),
    }),
    { maxLength: 120 },
  )
  .map((steps) => {
    const created: { id: string; user: string }[] = [];
    return steps.map((s, i): FoldEvent => {
      const offset = BigInt(i);
      const time = `t${String(i).padStart(4, '0')}`;
      if (s.kind === 'created' || created.length === 0) {
        const id = `n${i}`;
        created.push({ id, user: s.user });
        return { id, type: 'notification.created', userId: s.user, offset, time, data: {} };
      }
      if (s.kind === 'all') return { id: `e${i}`, type: s.type, userId: s.user, offset, time, data: { all: true } };
      // Mostly the target's own user; sometimes another user's id (must not touch it).
      const target = created[s.target % created.length]!;
      const userId = s.target % 7 === 0 ? s.user : target.user;
      return { id: `e${i}`, type: s.type, userId, offset, time, data: { notificationId: target.id } };
    });
  });

const asPositioned = (e: FoldEvent): Positioned<StateEvent> => ({
  partition: 0,
  offset: e.offset,
  event: { id: e.id, type: e.type as StateEvent['type'], userId: e.userId, time: e.time, source: 's', data: e.data as StateEvent['data'] },
});
const back = (p: Positioned<StateEvent>): FoldEvent => ({ id: p.event.id, type: p.event.type, userId: p.event.userId, offset: p.offset, time: p.event.time, data: p.event.data });

/** Created rows first, then state in the schedule's order — what a rebuild chunk does. */
function foldScheduled(log: FoldEvent[]) {
  const created = log.filter((e) => e.type === 'notification.created');
  const groups = scheduleState(log.filter((e) => e.type !== 'notification.created').map(asPositioned));
  return { rows: foldInbox([...created, ...groups.flat().map(back)]), groups };
}

test('scheduled state events fold to the same inbox as log order (property)', () => {
  fc.assert(
    fc.property(logArb, (log) => {
      assert.deepEqual(foldScheduled(log).rows, foldInbox(log));
    }),
    { numRuns: 500 },
  );
});

test('every group is what applyState turns into one statement: one type, each notification once, `all` alone', () => {
  fc.assert(
    fc.property(logArb, (log) => {
      for (const g of foldScheduled(log).groups) {
        if (g.some((e) => 'all' in e.event.data)) {
          assert.equal(g.length, 1);
          continue;
        }
        assert.equal(new Set(g.map((e) => e.event.type)).size, 1);
        const ids = g.map((e) => `${e.event.userId}/${(e.event.data as { notificationId: string }).notificationId}`);
        assert.equal(new Set(ids).size, ids.length);
      }
    }),
    { numRuns: 300 },
  );
});

test('interleaved users collapse into few groups instead of one per event', () => {
  const log: FoldEvent[] = [];
  for (let i = 0; i < 100; i++) log.push({ id: `n${i}`, type: 'notification.created', userId: `u${i}`, offset: BigInt(i), time: 't', data: {} });
  // Alternating read/seen across 100 users: in log order 200 runs of length 1.
  for (let i = 0; i < 100; i++) {
    log.push({ id: `r${i}`, type: 'notification.read', userId: `u${i}`, offset: BigInt(100 + 2 * i), time: 't', data: { notificationId: `n${i}` } });
    log.push({ id: `s${i}`, type: 'notification.seen', userId: `u${(i + 1) % 100}`, offset: BigInt(101 + 2 * i), time: 't', data: { notificationId: `n${(i + 1) % 100}` } });
  }
  const { groups } = foldScheduled(log);
  assert.ok(groups.length <= 4, `${groups.length} groups`);
  assert.deepEqual(foldScheduled(log).rows, foldInbox(log));
});

test('an archive then unarchive of one notification stays in that order; unarchive before archive leaves it archived', () => {
  const base: FoldEvent = { id: 'n', type: 'notification.created', userId: 'u', offset: 0n, time: 't0', data: {} };
  const archive = (o: bigint): FoldEvent => ({ id: `a${o}`, type: 'notification.archived', userId: 'u', offset: o, time: `t${o}`, data: { notificationId: 'n' } });
  const unarchive = (o: bigint): FoldEvent => ({ id: `x${o}`, type: 'notification.unarchived', userId: 'u', offset: o, time: `t${o}`, data: { notificationId: 'n' } });
  assert.equal(foldScheduled([base, archive(1n), unarchive(2n)]).rows.get('n')!.archivedAt, null);
  assert.equal(foldScheduled([base, unarchive(1n), archive(2n)]).rows.get('n')!.archivedAt, 't2');
});
