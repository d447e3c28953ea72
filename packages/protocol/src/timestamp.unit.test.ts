import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTimestamp, timestampProblem } from './timestamp.js';
import { validateEnvelope } from './validate.js';

const envelope = (time: string, expiresAt?: string) => ({
  id: 'e1',
  type: 'notification.created',
  userId: 'u1',
  time,
  source: 's',
  data: { category: 'c', title: 't', ...(expiresAt ? { expiresAt } : {}) },
});

test('timestamps Postgres stores as the same instant are accepted', () => {
  for (const s of [
    '2024-05-01T12:00:00Z',
    '2024-05-01t12:00:00z',
    '2024-05-01 12:00:00Z',
    '2024-05-01T12:00:00.123456789+15:59',
    '2024-05-01T12:00:00-15:59',
    '2024-02-29T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '0001-01-01T00:00:00-01:00',
    '9999-12-31T23:59:59.999999Z',
    '9999-12-31T23:59:59.9999990000Z',
    '9999-12-31T23:59:59+01:00',
  ]) assert.equal(timestampProblem(s), undefined, s);
});

test('timestamps Postgres refuses or rewrites are refused with a reason (issue #14 item 1)', () => {
  for (const [s, why] of [
    ['2024-05-01T12:00:00+20:00', /±15:59/],
    ['2024-05-01T12:00:00+16:00', /±15:59/],
    ['2024-05-01T12:00:00-16:00', /±15:59/],
    ['2024-05-01T12:00:00+01:60', /offset/],
    ['0000-01-01T00:00:00Z', /calendar|before/],
    ['0001-01-01T00:30:00+01:00', /before 0001/],
    ['9999-12-31T23:59:59-15:00', /after 9999/],
    ['9999-12-31T23:59:59.9999995Z', /after 9999/],
    ['2016-12-31T23:59:60Z', /leap second/],
    ['2023-02-29T00:00:00Z', /calendar/],
    ['2024-05-01T24:00:00Z', /time of day/],
    ['2024-05-01T12:00:00', /RFC 3339/],
    ['2024-05-01T12:00:00+02', /RFC 3339/],
    ['2024-05-01T12:00:00+0200', /RFC 3339/],
    ['+012024-05-01T12:00:00Z', /RFC 3339/],
  ] as const) assert.match(timestampProblem(s) ?? 'accepted', why, s);
});

test('the envelope refuses an out-of-domain time and expiresAt at their paths', () => {
  const r = validateEnvelope(envelope('2024-05-01T12:00:00+20:00', '2024-05-01T12:00:00+20:00'));
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.issues.map((i) => i.path).sort(), ['/data/expiresAt', '/time']);
});

test('every accepted timestamp parses with Date and names the same instant as its UTC rendering', () => {
  const part = (n: number, w = 2) => String(n).padStart(w, '0');
  const arb = fc
    .record({
      y: fc.oneof(fc.constantFrom(0, 1, 1970, 9999), fc.integer({ min: 0, max: 9999 })),
      mo: fc.integer({ min: 0, max: 13 }),
      d: fc.integer({ min: 0, max: 32 }),
      h: fc.integer({ min: 0, max: 24 }),
      mi: fc.integer({ min: 0, max: 60 }),
      s: fc.integer({ min: 0, max: 60 }),
      frac: fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined }),
      off: fc.oneof(fc.constant('Z'), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }).map((m) => `${m < 0 ? '-' : '+'}${part(Math.floor(Math.abs(m) / 60))}:${part(Math.abs(m) % 60)}`)),
    })
    .map((t) => `${part(t.y, 4)}-${part(t.mo)}-${part(t.d)}T${part(t.h)}:${part(t.mi)}:${part(t.s)}${t.frac ? `.${t.frac}` : ''}${t.off}`);
  fc.assert(
    fc.property(arb, (s) => {
      if (!isTimestamp(s)) return;
      const ms = Date.parse(s);
      assert.ok(Number.isFinite(ms), s);
      const iso = new Date(ms).toISOString();
      assert.match(iso, /^\d{4}-/, `${s} renders as ${iso}`);
    }),
    { numRuns: 5000 },
  );
});
