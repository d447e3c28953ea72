import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, requestFingerprint } from './idempotency.js';

/** Reverses the key order of every object, deeply: the same JSON value, written differently. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reordered(v)]));
  return value;
}

test('property: key order does not change the canonical form; the canonical form is the same JSON value', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      assert.equal(canonicalJson(reordered(v)), canonicalJson(v));
      assert.deepEqual(JSON.parse(canonicalJson(v)), JSON.parse(JSON.stringify(v)));
    }),
    { numRuns: 500 },
  );
});

test('property: different JSON values fingerprint differently', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      fc.pre(canonicalJson(a) !== canonicalJson(b));
      assert.notEqual(requestFingerprint('POST', '/v1/notifications', a), requestFingerprint('POST', '/v1/notifications', b));
    }),
    { numRuns: 500 },
  );
});

test('the route and the recipients are part of the request', () => {
  const body = { userId: 'u1', data: { category: 'c', title: 't' } };
  const fp = requestFingerprint('POST', '/v1/notifications', body);
  assert.equal(requestFingerprint('POST', '/v1/notifications', { data: { title: 't', category: 'c' }, userId: 'u1' }), fp);
  assert.notEqual(requestFingerprint('POST', '/v1/notifications/batch', body), fp);
  assert.notEqual(requestFingerprint('POST', '/v1/notifications', { ...body, userId: 'u2' }), fp);
  assert.match(fp, /^[A-Za-z0-9_-]{43}$/, 'a sha256, not the body');
});
