import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateEnvelope, type NotificationRequest } from '@tidings/protocol';
import { buildEnvelopes, checkEnvelopes, recipientIssues } from './envelopes.js';
import { baseId, explicitEventId, recipientId } from './ids.js';

const data = { category: 'c', title: 't' };
const NOW = '2030-01-01T00:00:00.000Z';
const build = (req: NotificationRequest, key?: string, source = 'billing', index = 0) =>
  buildEnvelopes(req, req.userId !== undefined ? [req.userId] : req.userIds!, index, { source, idempotencyKey: key }, NOW);

test('envelopes are valid, keyed by recipient, stamped with source and time', () => {
  const [e] = build({ userId: 'u1', data });
  assert.ok(validateEnvelope(e).ok);
  assert.deepEqual({ ...e!, id: 'x' }, { id: 'x', type: 'notification.created', userId: 'u1', time: NOW, source: 'billing', data });
  assert.equal(build({ userId: 'u1', time: '2029-05-05T00:00:00Z', data })[0]!.time, '2029-05-05T00:00:00Z');
});

test('repeated recipients get one envelope each, in first-seen order', () => {
  assert.deepEqual(build({ userIds: ['b', 'a', 'b', 'c', 'a'], data }).map((e) => e.userId), ['b', 'a', 'c']);
});

test('an explicit id, scoped to the source, is the event id for one recipient and derives stable, distinct ids for several', () => {
  assert.equal(build({ id: 'evt-1', userId: 'u1', data })[0]!.id, explicitEventId('billing', 'evt-1'));
  assert.notEqual(build({ id: 'evt-1', userId: 'u1', data }, undefined, 'shop')[0]!.id, explicitEventId('billing', 'evt-1'));
  const a = build({ id: 'evt-1', userIds: ['u1', 'u2'], data }).map((e) => e.id);
  const b = build({ id: 'evt-1', userIds: ['u2', 'u1'], data }).map((e) => e.id);
  assert.deepEqual(a, [b[1], b[0]], 'a recipient id depends on the base id and user only');
  assert.notEqual(a[0], a[1]);
  assert.ok(a.every((id) => /^h_[A-Za-z0-9_-]{32}$/.test(id)));
});

test('an idempotency key derives the same ids on retry, scoped to source, key and batch index', () => {
  const once = build({ userIds: ['u1', 'u2'], data }, 'k1').map((e) => e.id);
  assert.deepEqual(build({ userIds: ['u1', 'u2'], data }, 'k1').map((e) => e.id), once);
  assert.notDeepEqual(build({ userIds: ['u1', 'u2'], data }, 'k2').map((e) => e.id), once);
  assert.notDeepEqual(build({ userIds: ['u1', 'u2'], data }, 'k1', 'other-service').map((e) => e.id), once);
  assert.notDeepEqual(build({ userIds: ['u1', 'u2'], data }, 'k1', 'billing', 1).map((e) => e.id), once);
  // An explicit id wins over the key.
  assert.equal(build({ id: 'mine', userId: 'u1', data }, 'k1')[0]!.id, explicitEventId('billing', 'mine'));
});

test('without id or key every envelope gets a fresh random id', () => {
  const ids = [...build({ userIds: ['u1', 'u2'], data }), ...build({ userIds: ['u1', 'u2'], data })].map((e) => e.id);
  assert.equal(new Set(ids).size, 4);
  assert.equal(baseId(undefined, 0, { source: 's' }), undefined);
  assert.notEqual(recipientId(undefined, 'u', true), recipientId(undefined, 'u', true));
});

test('recipientIssues wants exactly one selector', () => {
  assert.deepEqual(recipientIssues({ userId: 'u', data }, ''), []);
  assert.deepEqual(recipientIssues({ topic: 't', data }, ''), []);
  assert.deepEqual(recipientIssues({ data }, '')[0]!.path, '/');
  assert.deepEqual(recipientIssues({ userId: 'u', userIds: ['v'], data }, '/notifications/3')[0]!.path, '/notifications/3');
});

test('checkEnvelopes: size problems are tooLarge with field paths under the prefix; other problems are not', () => {
  assert.deepEqual(checkEnvelopes(build({ userId: 'u', data }), ''), { ok: true });
  assert.deepEqual(checkEnvelopes([], ''), { ok: true });
  const big = checkEnvelopes(build({ userId: 'u', data: { ...data, payload: 'x'.repeat(17000) } }), '/notifications/2');
  assert.equal(big.ok, false);
  assert.ok(!big.ok && big.tooLarge && big.issues.some((i) => i.path === '/notifications/2/data/payload'));
  const huge = checkEnvelopes(build({ userId: 'u', data: { ...data, body: '\u0001'.repeat(16384) } }), '');
  assert.ok(!huge.ok && huge.tooLarge && huge.issues.some((i) => i.path === '/'));
  const badSource = checkEnvelopes(build({ userId: 'u', data }, undefined, 's'.repeat(300)), '/notifications/0');
  assert.ok(!badSource.ok && !badSource.tooLarge && badSource.issues[0]!.path === '/notifications/0/source');
});
