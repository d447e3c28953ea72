import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import type { WebSocket } from 'ws';
import { decodeCursor, encodeCursor, type SyncedMessage } from '@tidings/protocol';
import type { LiveFeed } from './live.js';
import { createRegistry } from './registry.js';
import { resume, type ResumeContext } from './resume.js';
import type { OutFrame, Session } from './session-types.js';
import type { Watermarks } from './watermarks.js';

/**
 * The G3 seam with in-memory stand-ins for Postgres, the live feed and the
 * watermarks: whatever the interleaving of replay pages, live dispatches and
 * watermark moves, the client sees each of its events once, in log order,
 * with `synced` exactly between replayed and live ones.
 */
const EPOCH = 'e1';
const USER = 'u';

interface Rec {
  offset: bigint;
  userId: string;
}

/**
 * Postgres as the gateway sees it: the persister commits rows together with
 * the watermark, so only rows below the current watermark are visible.
 */
function fakePool(log: Rec[], queries: { count: number }, watermark: () => bigint): pg.Pool {
  return {
    query: async (_sql: string, params: unknown[]) => {
      queries.count += 1;
      const [userId, , after, before, limit] = params as [string, number, string, string, number];
      const rows = log
        .filter((r) => r.userId === userId && r.offset > BigInt(after) && r.offset < BigInt(before) && r.offset < watermark())
        .slice(0, limit)
        .map((r) => ({ offset: r.offset.toString(), json: JSON.stringify({ id: `e${r.offset}` }) }));
      return { rows };
    },
  } as unknown as pg.Pool;
}

function fakeWatermarks(initial: bigint): Watermarks & { set(v: bigint): void } {
  let mark = initial;
  const waiters = new Set<() => void>();
  return {
    get: () => mark,
    waitFor: (_p, offset) =>
      mark >= offset ? Promise.resolve(true) : new Promise((resolve) => waiters.add(() => resolve(mark >= offset))),
    set(v) {
      mark = v;
      for (const w of [...waiters]) {
        waiters.delete(w);
        w();
      }
    },
    close: async () => undefined,
  };
}

/** What the client got, in order: event offsets and the synced message. */
function harness(opts: { log: Rec[]; l0: bigint; w: bigint; logEnd?: bigint; pageSize?: number }) {
  const out: (bigint | SyncedMessage)[] = [];
  const registry = createRegistry();
  const watermarks = fakeWatermarks(opts.w);
  const queries = { count: 0 };
  const session: Session = { connectionId: 'c1', userId: USER, ws: {} as WebSocket, buffer: null, lastOffset: -1n };
  const record = (frame: string) => {
    const m = JSON.parse(frame) as { type: string; cursor: string };
    if (m.type === 'synced') out.push(m as unknown as SyncedMessage);
    else out.push(decodeCursor(m.cursor).ok ? (decodeCursor(m.cursor) as { position: { offset: bigint } }).position.offset : -99n);
  };
  // The node's delivery contract (connection.ts): buffer while replaying, else dedupe by offset.
  const deliver = (s: Session, o: OutFrame) => {
    if (s.buffer) return void s.buffer.push(o);
    if (o.offset <= s.lastOffset) return;
    s.lastOffset = o.offset;
    record(o.frame);
  };
  const live: LiveFeed = { partitions: 4, position: () => opts.l0, logEnd: async () => opts.logEnd ?? opts.l0, close: async () => undefined };
  const ctx: ResumeContext = {
    pool: fakePool(opts.log, queries, () => watermarks.get(0)),
    live,
    watermarks,
    registry,
    epoch: EPOCH,
    partitionOf: () => 0,
    write: (_s, frame) => void record(frame),
    push: deliver,
    isOpen: () => true,
    pageSize: opts.pageSize ?? 3,
  };
  const dispatch = (offset: bigint) => {
    const frame = JSON.stringify({ type: 'event', cursor: encodeCursor({ epoch: EPOCH, partition: 0, offset }) });
    for (const s of registry.get(USER) ?? []) deliver(s, { offset, frame, eventTimeMs: Date.now() });
  };
  return { out, ctx, session, watermarks, dispatch, registry, queries };
}

const cursorAt = (offset: bigint, partition = 0, epoch = EPOCH) => encodeCursor({ epoch, partition, offset });
const offsets = (out: (bigint | SyncedMessage)[]) => out.filter((x): x is bigint => typeof x === 'bigint');
const syncedOf = (out: (bigint | SyncedMessage)[]) => out.find((x): x is SyncedMessage => typeof x !== 'bigint')!;
const tick = () => new Promise((r) => setImmediate(r));

// Offsets 0..19 in partition 0: the user's are the even ones plus 15 and 17; the rest belong to someone else.
const LOG: Rec[] = Array.from({ length: 20 }, (_, i) => ({ offset: BigInt(i), userId: i % 2 === 0 || i === 15 || i === 17 ? USER : 'other' }));
const mine = (from: bigint) => LOG.filter((r) => r.userId === USER && r.offset > from).map((r) => r.offset);

test('persister behind the feed: replay waits for the watermark, live events are buffered, no gap, no duplicate', async () => {
  const h = harness({ log: LOG, l0: 15n, w: 10n });
  const done = resume(h.ctx, h.session, cursorAt(3n));
  // Registered before the first await: live records from L0 on land in the buffer.
  assert.ok(h.registry.get(USER)?.has(h.session));
  h.dispatch(15n);
  h.dispatch(16n);
  await tick();
  h.watermarks.set(12n); // not yet past L0: keep waiting, replay what is there
  h.dispatch(17n);
  await tick();
  h.watermarks.set(20n);
  const result = await done;
  h.dispatch(18n);
  h.dispatch(17n); // a redelivered-by-Kafka duplicate must not show twice
  assert.deepEqual(offsets(h.out), mine(3n));
  const synced = syncedOf(h.out);
  assert.equal(synced.recovered, true);
  // synced sits between the replayed (< L0) and the live (>= L0) events, and names the last replayed position.
  assert.equal(h.out.indexOf(synced), offsets(h.out).filter((o) => o < 15n).length);
  assert.equal((decodeCursor(synced.cursor) as { position: { offset: bigint } }).position.offset, 14n);
  assert.equal(result.replayed, mine(3n).filter((o) => o < 15n).length);
});

test('a feed behind another node: events already in the log at hello but not yet read here come right after synced, once, in order', async () => {
  // The persister (W = 20) and another node are ahead of this node's feed
  // (L0 = 16): 16..19 were accepted before hello and may already show on the
  // user's other devices, but this node has not dispatched them yet.
  const h = harness({ log: LOG, l0: 16n, w: 20n });
  await resume(h.ctx, h.session, cursorAt(-1n));
  const synced = syncedOf(h.out);
  assert.equal(synced.recovered, true);
  // What the client holds at `synced` is only the replay below L0 ...
  assert.deepEqual(offsets(h.out), mine(-1n).filter((o) => o < 16n));
  // ... and the rest follows as the feed catches up: no gap, no repeat.
  for (const o of [16n, 17n, 18n, 16n, 17n]) h.dispatch(o);
  assert.deepEqual(offsets(h.out), mine(-1n).filter((o) => o <= 18n));
  assert.equal(h.out.indexOf(synced), mine(-1n).filter((o) => o < 16n).length);
});

test('replay pages through history larger than a page', async () => {
  const h = harness({ log: LOG, l0: 20n, w: 20n, pageSize: 2 });
  const r = await resume(h.ctx, h.session, cursorAt(-1n));
  assert.deepEqual(offsets(h.out), mine(-1n));
  assert.equal(r.replayed, mine(-1n).length);
  assert.ok(h.queries.count >= Math.ceil(mine(-1n).length / 2));
});

test('no cursor: synced at the current position, nothing replayed, live from L0', async () => {
  const h = harness({ log: LOG, l0: 15n, w: 15n });
  const done = resume(h.ctx, h.session, undefined);
  await done;
  h.dispatch(15n);
  assert.deepEqual(offsets(h.out), [15n]);
  assert.equal(syncedOf(h.out).recovered, true);
  assert.equal(h.queries.count, 0);
});

test('a cursor ahead of this node (another node was further) resumes after it; one past the log end is refused', async () => {
  const ahead = harness({ log: LOG, l0: 15n, w: 15n, logEnd: 20n });
  const p = resume(ahead.ctx, ahead.session, cursorAt(16n));
  ahead.dispatch(15n);
  ahead.dispatch(16n);
  ahead.dispatch(17n);
  await p;
  assert.deepEqual(offsets(ahead.out), [17n]);
  assert.equal(syncedOf(ahead.out).recovered, true);

  const beyond = harness({ log: LOG, l0: 15n, w: 15n, logEnd: 20n });
  await resume(beyond.ctx, beyond.session, cursorAt(20n));
  assert.deepEqual(syncedOf(beyond.out), { ...syncedOf(beyond.out), recovered: false, reason: 'cursor_ahead' });
});

test('cursors that cannot be honoured say so, replay nothing, and go live', async () => {
  for (const [cursor, reason] of [
    ['%%%', 'malformed_cursor'],
    [Buffer.from('c1.e1.0').toString('base64url'), 'malformed_cursor'],
    [cursorAt(3n, 0, 'other-epoch'), 'unknown_epoch'],
    [cursorAt(3n, 1), 'partition_changed'],
  ] as const) {
    const h = harness({ log: LOG, l0: 15n, w: 15n });
    await resume(h.ctx, h.session, cursor);
    h.dispatch(15n);
    const synced = syncedOf(h.out);
    assert.equal(synced.recovered, false, cursor);
    assert.equal(synced.reason, reason);
    assert.deepEqual(offsets(h.out), [15n], 'only live events after synced');
    assert.equal(h.queries.count, 0);
  }
});
