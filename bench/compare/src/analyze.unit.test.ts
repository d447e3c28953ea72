import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze } from './analyze.js';
import { PublishLog } from './publisher.js';
import { ratio, table } from './report.js';
import type { Receipts } from './types.js';

/** Publishes `n` messages to each of `users` users, accepted at t = seq·10 ms, except the `refused` (user, seq) pairs. */
function published(users: number, n: number, refused: [number, number][] = []): PublishLog {
  const log = new PublishLog(users);
  for (let s = 1; s <= n; s++) {
    for (let u = 0; u < users; u++) {
      const seq = log.issue(u);
      log.sendT[u]![seq - 1] = seq * 10 - 5;
      log.ackT[u]![seq - 1] = refused.some(([ru, rs]) => ru === u && rs === seq) ? Number.NaN : seq * 10;
    }
  }
  return log;
}

const receipts = (xs: [number, number, number][]): Receipts => ({
  users: Int32Array.from(xs.map((x) => x[0])),
  seqs: Int32Array.from(xs.map((x) => x[1])),
  times: Float64Array.from(xs.map((x) => x[2])),
});

test('a clean delivery counts nothing lost, duplicated or reordered, and measures accept → receipt', () => {
  const log = published(2, 3);
  const r = receipts([
    [0, 1, 12], [1, 1, 13], [0, 2, 22], [1, 2, 23], [0, 3, 32], [1, 3, 33],
  ]);
  const d = analyze(log, new Int32Array(2), log.mark(), [r]);
  assert.deepEqual([d.issued, d.accepted, d.received, d.lost, d.duplicated, d.reordered, d.unexpected], [6, 6, 6, 0, 0, 0, 0]);
  assert.equal(d.acceptToReceiptMs.max, 3);
  assert.equal(d.sendToReceiptMs.max, 8);
});

test('loss, duplicates, reordering and deliveries of refused publishes are each counted', () => {
  const log = published(1, 5, [[0, 5]]);
  // seq 2 never arrives, 3 arrives twice, 4 before 3 (a reorder, not a gap), 5 was refused yet delivered.
  const r = receipts([[0, 1, 11], [0, 4, 41], [0, 3, 42], [0, 3, 43], [0, 5, 51]]);
  const d = analyze(log, new Int32Array(1), log.mark(), [r]);
  assert.equal(d.accepted, 4);
  assert.equal(d.lost, 1);
  assert.equal(d.duplicated, 1);
  assert.equal(d.reordered, 1);
  assert.equal(d.unexpected, 1);
});

test("a phase ignores other phases' messages and excludes warm-up from latency only", () => {
  const log = published(1, 4);
  const from = Int32Array.of(2);
  const r = receipts([[0, 1, 11], [0, 3, 31], [0, 4, 41]]);
  const d = analyze(log, from, log.mark(), [r], 35);
  assert.deepEqual([d.issued, d.received, d.lost], [2, 2, 0]);
  assert.equal(d.acceptToReceiptMs.count, 1, 'seq 3 was sent at 25 ms, before measureFrom');
});

test('ratios read Tidings over the peer, with the zero cases spelled out', () => {
  assert.equal(ratio(10, 20), '0.50×');
  assert.equal(ratio(0, 0), '=');
  assert.equal(ratio(3, 0), '∞');
  assert.equal(ratio(Number.NaN, 1), 'n/a');
  const t = table([
    { system: 'tidings', metrics: [{ name: 'lost', value: 0, unit: '', better: 'lower' }], detail: {}, settings: {} },
    { system: 'seed', metrics: [{ name: 'lost', value: 40, unit: '', better: 'lower' }], detail: {}, settings: {} },
  ]);
  assert.match(t, /\| lost \| 0 \| 40 \| 0\.00× \|/);
});
