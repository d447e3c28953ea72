import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvelope, validateEnvelope } from './validate.js';
import { compile } from './validate.js';
import { NotificationRequest } from './http.js';

const good = {
  id: 'evt-1',
  type: 'notification.created',
  userId: 'alice@example.com',
  time: '2026-11-25T10:00:00.000Z',
  source: 'billing',
  data: { category: 'invoice', title: 'Your invoice', payload: { amount: 12 } },
};

function paths(result: ReturnType<typeof validateEnvelope>): string[] {
  assert.equal(result.ok, false);
  return result.ok ? [] : result.issues.map((i) => i.path);
}

test('accepts a created envelope and state envelopes', () => {
  assert.equal(validateEnvelope(good).ok, true);
  const read = { ...good, id: 'evt-2', type: 'notification.read', data: { notificationId: 'evt-1' } };
  assert.equal(validateEnvelope(read).ok, true);
  const readAll = { ...read, data: { all: true } };
  assert.equal(validateEnvelope(readAll).ok, true);
});

test('names each failing field', () => {
  assert.deepEqual(paths(validateEnvelope({ ...good, data: { category: 'x' } })), ['/data/title']);
  assert.deepEqual(paths(validateEnvelope({ ...good, extra: 1 })), ['/extra']);
  assert.deepEqual(paths(validateEnvelope({ ...good, userId: 'bad user!' })), ['/userId']);
  assert.deepEqual(paths(validateEnvelope({ ...good, time: 'yesterday' })), ['/time']);
  assert.deepEqual(paths(validateEnvelope({ ...good, type: 'notification.deleted' })), ['/type']);
  assert.deepEqual(paths(validateEnvelope({ ...good, id: 'x'.repeat(129) })), ['/id']);
  assert.deepEqual(paths(validateEnvelope({ ...good, data: { ...good.data, priority: 'urgent' } })), ['/data/priority']);
  assert.deepEqual(paths(validateEnvelope([])), ['/']);
});

test('state events need exactly one of notificationId and all', () => {
  const read = { ...good, type: 'notification.read' };
  assert.equal(validateEnvelope({ ...read, data: {} }).ok, false);
  assert.equal(validateEnvelope({ ...read, data: { all: false } }).ok, false);
  assert.equal(validateEnvelope({ ...read, data: { all: true, notificationId: 'a' } }).ok, false);
});

test('enforces the payload and envelope byte limits', () => {
  const big = { ...good, data: { ...good.data, payload: { s: 'x'.repeat(16 * 1024) } } };
  assert.deepEqual(paths(validateEnvelope(big)), ['/data/payload']);
  const huge = { ...good, data: { ...good.data, body: 'y'.repeat(16 * 1024), url: 'z'.repeat(2048) } };
  assert.equal(validateEnvelope(huge).ok, true);
});

test('parseEnvelope rejects non-JSON, null and oversized records', () => {
  assert.equal(parseEnvelope('{not json').ok, false);
  assert.equal(parseEnvelope(null).ok, false);
  assert.equal(parseEnvelope('x'.repeat(70 * 1024)).ok, false);
  assert.equal(parseEnvelope(Buffer.from(JSON.stringify(good))).ok, true);
});

test('notification requests reject wrong types without coercion', () => {
  const check = compile(NotificationRequest);
  assert.equal(check({ userId: 'a', data: { category: 'c', title: 't' } }).ok, true);
  const bad = check({ userId: 42, data: { category: 'c', title: 't' } });
  assert.equal(bad.ok, false);
  const many = check({ userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`), data: { category: 'c', title: 't' } });
  assert.equal(many.ok, false);
  assert.equal(many.ok ? '' : many.issues[0]?.path, '/userIds');
});
