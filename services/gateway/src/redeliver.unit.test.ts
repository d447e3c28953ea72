import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import type { WebSocket } from 'ws';
import { encodeCursor } from '@tidings/protocol';
import { redeliver, type RedeliverContext } from './redeliver.js';
import { createRegistry } from './registry.js';
import type { Session } from './session-types.js';
import type { Watermarks } from './watermarks.js';

const EPOCH = 'e1';
const USER = 'alice';

/** A mirror of offsets 0..9 of partition 2, all alice's; `time` = offset seconds. */
function setup(pageSize = 3) {
  const registry = createRegistry();
  const written = new Map<Session, { offset: bigint; redelivered: boolean }[]>();
  const open = new Set<Session>();
  const pool = {
    query: async (_sql: string, params: unknown[]) => {
      const [, , after, before, limit, since] = params as [string, number, string, string, number, Date | null];
      const rows = Array.from({ length: 10 }, (_, i) => BigInt(i))
        .filter((o) => o > BigInt(after) && o < BigInt(before) && (!since || Number(o) * 1000 >= since.getTime()))
        .slice(0, limit)
        .map((o) => ({ offset: o.toString(), json: JSON.stringify({ id: `e${o}` }) }));
      return { rows };
    },
  } as unknown as pg.Pool;
  const watermarks: Watermarks = { get: () => 8n, waitFor: async () => true, close: async () => undefined };
  const session = (id: string, buffer: Session['buffer'] = null, isOpen = true): Session => {
    const s: Session = { connectionId: id, userId: USER, ws: {} as WebSocket, buffer, lastOffset: 5n };
    registry.add(s);
    if (isOpen) open.add(s);
    written.set(s, []);
    return s;
  };
  const ctx: RedeliverContext = {
    pool,
    registry,
    watermarks,
    epoch: EPOCH,
    partitionOf: () => 2,
    write: (s, frame) => {
      const m = JSON.parse(frame) as { cursor: string; redelivered?: boolean; event: { id: string } };
      written.get(s)!.push({ offset: BigInt(m.event.id.slice(1)), redelivered: m.redelivered === true });
      return undefined;
    },
    isOpen: (s) => open.has(s),
    pageSize,
  };
  return { ctx, session, written };
}

const cursor = (offset: bigint, partition = 2, epoch = EPOCH) => encodeCursor({ epoch, partition, offset });

test('redelivers after the cursor up to the watermark, in order, flagged, to live sockets only', async () => {
  const { ctx, session, written } = setup();
  const live1 = session('a');
  const live2 = session('b');
  const replaying = session('c', []);
  const closing = session('d', null, false);
  const r = await redeliver(ctx, { type: 'redeliver', requestId: 'r', userId: USER, fromCursor: cursor(2n) });
  assert.deepEqual(r, { outcome: 'delivered', frames: 10, sockets: 2 });
  for (const s of [live1, live2]) {
    assert.deepEqual(written.get(s)!.map((w) => w.offset), [3n, 4n, 5n, 6n, 7n]);
    assert.ok(written.get(s)!.every((w) => w.redelivered));
    assert.equal(s.lastOffset, 5n, 'redelivery does not move the dedup position');
  }
  assert.deepEqual(written.get(replaying), []);
  assert.deepEqual(written.get(closing), []);
});

test('from a time: events at or after it', async () => {
  const { ctx, session, written } = setup(2);
  const s = session('a');
  await redeliver(ctx, { type: 'redeliver', requestId: 'r', userId: USER, fromTime: new Date(4000).toISOString() });
  assert.deepEqual(written.get(s)!.map((w) => w.offset), [4n, 5n, 6n, 7n]);
});

test('no sockets, or a cursor of another epoch or partition: nothing is written', async () => {
  const none = setup();
  assert.equal((await redeliver(none.ctx, { type: 'redeliver', requestId: 'r', userId: USER, fromCursor: cursor(0n) })).outcome, 'no_sockets');
  for (const [c, outcome] of [
    [cursor(0n, 2, 'old'), 'unknown_epoch'],
    [cursor(0n, 3), 'partition_changed'],
    ['%%', 'malformed_cursor'],
  ] as const) {
    const { ctx, session, written } = setup();
    const s = session('a');
    assert.equal((await redeliver(ctx, { type: 'redeliver', requestId: 'r', userId: USER, fromCursor: c })).outcome, outcome);
    assert.deepEqual(written.get(s), []);
  }
});
