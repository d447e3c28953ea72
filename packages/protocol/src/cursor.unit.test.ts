import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCursor, encodeCursor } from './cursor.js';

test('cursors round-trip any position exactly', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/),
      fc.integer({ min: 0, max: 999_999 }),
      fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }),
      (epoch, partition, offset) => {
        const decoded = decodeCursor(encodeCursor({ epoch, partition, offset }));
        assert.deepEqual(decoded, { ok: true, position: { epoch, partition, offset } });
      },
    ),
  );
});

test('garbage is malformed, never a position', () => {
  for (const bad of ['', 'abc', '!!!', Buffer.from('c1.e.1').toString('base64url'), Buffer.from('c1.e.x.1').toString('base64url'), Buffer.from('c2.e.1.1').toString('base64url')]) {
    assert.deepEqual(decodeCursor(bad), { ok: false, reason: 'malformed' }, bad);
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      const d = decodeCursor(s);
      if (d.ok) assert.equal(encodeCursor(d.position), s);
    }),
  );
});
