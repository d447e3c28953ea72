import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeSequence } from '../chaos/check.js';
import { phaseAt, phaseRows, rowPassed, totalRow, type Phase } from './phases.js';

const phases: Phase[] = [
  { name: 'steady', startMs: 0 },
  { name: 'gateway SIGKILL', startMs: 1000 },
  { name: 'drain', startMs: 2000 },
];

test('phaseAt picks the last phase started at or before the time', () => {
  assert.deepEqual(
    [-5, 0, 999, 1000, 1500, 2000, 99999].map((ms) => phaseAt(phases, ms)),
    [0, 0, 0, 1, 1, 2, 2],
  );
});

test('losses, repeats and reorders are counted under the phase their event was accepted in', () => {
  const log = ['e1', 'e2', 'e3', 'e4', 'e5'];
  const acceptedIn: Record<string, number> = { e1: 0, e2: 0, e3: 1, e4: 1, e5: 1 };
  // Client A: e2 shown twice (phase 0), e4 before e3 (e3 is the one out of order, phase 1), e5 lost (phase 1).
  const a = ['e1', 'e2', 'e2', 'e4', 'e3'];
  // Client B: clean.
  const b = ['e1', 'e2', 'e3', 'e4', 'e5'];
  const rows = phaseRows({
    phases,
    clients: [a, b].map((received) => ({ received, findings: judgeSequence(log, log, received) })),
    phaseOf: (id) => acceptedIn[id]!,
    answers: [
      { accepted: 2, rejected: 0 },
      { accepted: 3, rejected: 4 },
    ],
    watermarks: { samples: 3, regressions: [{ atMs: 1200, partition: 3, watermark: '7', detail: '' }], overshoots: [] },
    sampleTimes: [10, 1200, 2500],
  });
  const pick = (i: number) => {
    const r = rows[i]!;
    return [r.accepted, r.rejected, r.delivered, r.lost, r.duplicated, r.reordered, r.watermarkSamples, r.regressions];
  };
  assert.deepEqual(pick(0), [2, 0, 4, 0, 1, 0, 1, 0]);
  assert.deepEqual(pick(1), [3, 4, 5, 1, 0, 1, 1, 1]);
  assert.deepEqual(pick(2), [0, 0, 0, 0, 0, 0, 1, 0]);
  assert.deepEqual([rowPassed(rows[0]!), rowPassed(rows[1]!), rowPassed(rows[2]!)], [false, false, true]);
  const total = totalRow(rows);
  assert.deepEqual([total.delivered, total.lost, total.duplicated, total.reordered, total.watermarkSamples], [9, 1, 1, 1, 3]);
  assert.equal(rowPassed(total), false);
});
