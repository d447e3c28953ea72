import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCursor, encodeCursor } from './cursor.js';
import { jsonTooDeep } from './json-depth.js';
import { decimalAtMostPattern, LIMITS, POSITION_PATTERN } from './limits.js';
import { parseEnvelope } from './validate.js';

/** Depth of a parsed JSON value (test oracle; recursion is fine at these sizes). */
function depth(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depth));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depth));
  return 0;
}

test('jsonTooDeep agrees with the real nesting of any JSON text, brackets inside strings included', () => {
  const nested = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a') }), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), tie('node'), { maxKeys: 3 })),
  })).node;
  fc.assert(
    fc.property(nested, fc.integer({ min: 0, max: 8 }), (value, max) => {
      const text = JSON.stringify(value);
      assert.equal(jsonTooDeep(text, max), depth(value) > max, text);
      assert.equal(jsonTooDeep(Buffer.from(text), max), depth(value) > max, text);
    }),
    { numRuns: 3000 },
  );
});

test('a record nested 4,500 deep is refused before parsing, with a reason (issue #14 item 7)', () => {
  const deep = `{"id":"e","payload":${'['.repeat(4500)}${']'.repeat(4500)}}`;
  const r = parseEnvelope(deep);
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.issues[0]!.message, new RegExp(`deeper than ${LIMITS.jsonMaxDepth}`));
  // Far deeper than any stack: still a plain answer.
  assert.equal(parseEnvelope(Buffer.from('['.repeat(60000))).ok, false);
});

test('the position pattern takes exactly the decimals 0..2^63-1', () => {
  const re = new RegExp(POSITION_PATTERN);
  for (const ok of ['0', '1', '9223372036854775807', '9223372036854775806', '0000000000000000001', '999999999999999999']) assert.ok(re.test(ok), ok);
  for (const bad of ['9223372036854775808', '9999999999999999999', '10000000000000000000', '-1', '', '1e3', ' 1']) assert.ok(!re.test(bad), bad);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n }), fc.bigInt({ min: 1n, max: 2n ** 64n }), (n, max) => {
      assert.equal(new RegExp(decimalAtMostPattern(max)).test(n.toString()), n <= max, `${n} vs ${max}`);
    }),
    { numRuns: 3000 },
  );
});

test('a cursor naming an offset beyond 2^63-1 is malformed, not a query error', () => {
  const text = Buffer.from('c1.ep.0.9999999999999999999').toString('base64url');
  assert.deepEqual(decodeCursor(text), { ok: false, reason: 'malformed' });
  const max = encodeCursor({ epoch: 'ep', partition: 0, offset: LIMITS.positionMax });
  assert.equal(decodeCursor(max).ok, true);
});
