import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWatermarks, longestStandstill, partitionLogs, type LogRecord, type WatermarkSample } from './watermark-check.js';

// Partition 0 holds records at 0..5 with transaction markers at 3 and 7 (absent from a
// read-committed read); the log ends at 8. Partition 1 holds 0..1, marker at 2, end 3.
const records: LogRecord[] = [
  ...[0n, 1n, 2n, 4n, 5n, 6n].map((offset) => ({ partition: 0, offset, id: `a${offset}` })),
  ...[0n, 1n].map((offset) => ({ partition: 1, offset, id: `b${offset}` })),
];
const logs = partitionLogs(
  records,
  new Map([
    [0, 8n],
    [1, 3n],
  ]),
);
const sample = (atMs: number, partition: number, watermark: bigint, from: bigint, stored: bigint[]): WatermarkSample => ({ atMs, partition, watermark, from, stored });

test('a watermark that only moves forward over stored records and markers passes', () => {
  const v = checkWatermarks(
    [
      sample(10, 0, 3n, 0n, [0n, 1n, 2n]),
      sample(20, 0, 4n, 3n, []), // 3 is a marker: nothing to store
      sample(20, 1, 3n, 0n, [0n, 1n]),
      sample(30, 0, 4n, 4n, []), // unchanged
      sample(40, 0, 8n, 4n, [4n, 5n, 6n]),
    ],
    logs,
  );
  assert.deepEqual(v, { samples: 5, regressions: [], overshoots: [] });
});

test('a watermark that moves back is a regression, judged against the highest reading', () => {
  const v = checkWatermarks(
    [sample(10, 0, 5n, 0n, [0n, 1n, 2n, 4n]), sample(20, 0, 2n, 5n, []), sample(30, 0, 4n, 5n, []), sample(40, 0, 5n, 5n, [])],
    logs,
  );
  assert.equal(v.samples, 4);
  assert.deepEqual(
    v.regressions.map((f) => [f.atMs, f.partition, f.watermark]),
    [
      [20, 0, '2'],
      [30, 0, '4'],
    ],
  );
  assert.deepEqual(v.overshoots, []);
});

test('a watermark claiming a record Postgres does not hold in that snapshot is an overshoot', () => {
  const v = checkWatermarks(
    [
      sample(10, 0, 2n, 0n, [0n, 1n]),
      // 4 and 5 are claimed but only 2 is stored; 3 is a marker and is not reported.
      sample(20, 0, 6n, 2n, [2n]),
      // The rows arrive later: that does not excuse the earlier claim, and the range is not judged twice.
      sample(30, 0, 7n, 6n, [6n]),
    ],
    logs,
  );
  assert.deepEqual(v.regressions, []);
  assert.equal(v.overshoots.length, 1);
  assert.equal(v.overshoots[0]!.atMs, 20);
  assert.match(v.overshoots[0]!.detail, /2 record\(s\) below it not stored: 4, 5/);
});

test('a watermark past the log end is an overshoot, and samples are judged in time order', () => {
  const v = checkWatermarks([sample(20, 1, 4n, 3n, []), sample(10, 1, 3n, 0n, [0n, 1n])], logs);
  assert.equal(v.overshoots.length, 1);
  assert.match(v.overshoots[0]!.detail, /past the log end 3/);
});

test('an id repeated in the log is required at none of its offsets (stored once, G4)', () => {
  const l = partitionLogs(
    [
      { partition: 2, offset: 0n, id: 'x' },
      { partition: 2, offset: 1n, id: 'y' },
      { partition: 2, offset: 2n, id: 'x' },
    ],
    new Map([[2, 3n]]),
  );
  assert.deepEqual(l.get(2), { end: 3n, required: [1n] });
  assert.deepEqual(checkWatermarks([sample(1, 2, 3n, 0n, [0n, 1n])], l).overshoots, []);
});

test('the longest standstill ends at an advance; the quiet at the end is not one', () => {
  const w = (atMs: number, partition: number, watermark: bigint) => sample(atMs, partition, watermark, 0n, []);
  const s = longestStandstill([w(0, 0, 1n), w(100, 0, 2n), w(200, 0, 2n), w(900, 0, 2n), w(1000, 0, 5n), w(0, 1, 1n), w(400, 1, 3n), w(5000, 1, 3n)]);
  assert.deepEqual(s, { partition: 0, fromMs: 100, toMs: 1000 });
  assert.equal(longestStandstill([]), undefined);
});
