import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ID_PATTERN } from '@tidings/protocol';
import { baseId, explicitEventId, recipientId } from './ids.js';

/** Explicit ids as the request schema admits them: 1..128 printable ASCII characters, no space. */
const explicitIdArb = fc.stringMatching(new RegExp(ID_PATTERN)).filter((s) => s.length >= 1 && s.length <= 128);
/** A token `sub` may hold anything, newlines included. */
const sourceArb = fc.string({ minLength: 1, maxLength: 40, unit: 'binary' });
const HASH_ID = /^h_[A-Za-z0-9_-]{32}$/;

test('property: distinct (source, explicit id) pairs derive distinct ids, and each pair always the same one', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(sourceArb, explicitIdArb), { minLength: 2, maxLength: 20, selector: ([s, id]) => JSON.stringify([s, id]) }), (pairs) => {
      const ids = pairs.map(([s, id]) => baseId(id, 0, { source: s })!);
      assert.equal(new Set(ids).size, pairs.length);
      pairs.forEach(([s, id], i) => {
        assert.equal(baseId(id, 7, { source: s, idempotencyKey: 'ignored' }), ids[i], 'stable, whatever the index or key');
        assert.equal(explicitEventId(s, id), ids[i]);
        assert.match(ids[i]!, HASH_ID);
      });
    }),
    { numRuns: 300 },
  );
});

test('property: no explicit id a producer can send derives another producer\'s id, key-derived ids included', () => {
  fc.assert(
    fc.property(sourceArb, sourceArb, explicitIdArb, fc.string({ minLength: 1, maxLength: 40 }), fc.nat(999), (victim, squatter, id, key, index) => {
      fc.pre(victim !== squatter);
      const theirs = [baseId(id, 0, { source: victim })!, baseId(undefined, index, { source: victim, idempotencyKey: key })!];
      // The squatter sends the victim's explicit id, or the victim's derived ids themselves as explicit ids.
      for (const attempt of [id, ...theirs]) {
        const mine = baseId(attempt, index, { source: squatter })!;
        assert.ok(!theirs.includes(mine), `${squatter} derived ${victim}'s id from ${attempt}`);
        for (const user of ['u1', 'u2']) assert.ok(!theirs.includes(recipientId(mine, user, false)));
      }
    }),
    { numRuns: 300 },
  );
});

test('an explicit id is scoped to the producer; several recipients each get an id derived from it', () => {
  const billing = baseId('inv-1', 0, { source: 'billing' })!;
  assert.match(billing, HASH_ID);
  assert.notEqual(billing, 'inv-1');
  assert.notEqual(baseId('inv-1', 0, { source: 'shop' }), billing);
  assert.equal(recipientId(billing, 'u1', true), billing);
  assert.notEqual(recipientId(billing, 'u1', false), recipientId(billing, 'u2', false));
  assert.equal(recipientId(billing, 'u1', false), recipientId(baseId('inv-1', 3, { source: 'billing' }), 'u1', false));
});
