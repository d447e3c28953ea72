import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unstorableIssues } from './storable.js';
import { validateEnvelope } from './validate.js';

const envelope = (data: Record<string, unknown>) => ({
  id: 'e1',
  type: 'notification.created',
  userId: 'u1',
  time: '2030-01-01T00:00:00Z',
  source: 's',
  data: { category: 'c', title: 't', ...data },
});

test('ordinary text, emoji (paired surrogates) and escapes are storable', () => {
  assert.deepEqual(unstorableIssues({ a: 'plain', b: ['😀 ok', 'tab\tnewline\n', 'é'], c: { d: 1, e: null } }), []);
});

test('NUL and unpaired surrogates are reported at their path, in values and keys', () => {
  const issues = unstorableIssues({ title: 'a\u0000b', payload: { list: ['ok', 'x\ud800'], 'k/\udc00': 1 } }, '/data');
  assert.deepEqual(
    issues.map((i) => i.path),
    ['/data/title', '/data/payload/list/1', '/data/payload/k~1\udc00'],
  );
});

test('validateEnvelope refuses an envelope Postgres could not store', () => {
  assert.ok(validateEnvelope(envelope({ body: 'fine 😀' })).ok);
  const r = validateEnvelope(envelope({ title: 'bad\u0000title' }));
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.issues.map((i) => i.path), ['/data/title']);
  const s = validateEnvelope(envelope({ payload: { note: '\udfff' } }));
  assert.deepEqual(!s.ok && s.issues.map((i) => i.path), ['/data/payload/note']);
});

test('year 0000 is refused in event and expiry times (outside timestamptz)', () => {
  const r = validateEnvelope({ ...envelope({ expiresAt: '0000-06-01T00:00:00Z' }), time: '0000-01-01T00:00:00Z' });
  assert.deepEqual(!r.ok && r.issues.map((i) => i.path).sort(), ['/data/expiresAt', '/time']);
  assert.ok(validateEnvelope({ ...envelope({ expiresAt: '0001-01-01T00:00:00Z' }), time: '9999-12-31T23:59:59Z' }).ok);
});

test('the pre-check on JSON text never misses what the walk would find', async () => {
  const { mayBeUnstorable } = await import('./storable.js');
  assert.equal(mayBeUnstorable(JSON.stringify({ a: 'plain ascii, é, ✓' })), false);
  assert.equal(mayBeUnstorable(JSON.stringify({ a: 'x\u0000' })), true);
  assert.equal(mayBeUnstorable(JSON.stringify({ a: 'x\ud800' })), true);
  assert.equal(mayBeUnstorable('{"a":"\\uD83D\\uDE00"}'), true, 'escaped pairs are walked (and pass)');
  assert.equal(mayBeUnstorable(JSON.stringify({ a: '😀' })), true, 'literal pairs are walked (and pass)');
});

test('parseEnvelope finds unstorable strings written as escapes in the raw record', async () => {
  const { parseEnvelope } = await import('./validate.js');
  const raw = (title: string) =>
    `{"id":"e1","type":"notification.created","userId":"u1","time":"2030-01-01T00:00:00Z","source":"s","data":{"category":"c","title":"${title}"}}`;
  assert.ok(parseEnvelope(Buffer.from(raw('ok \\uD83D\\uDE00'))).ok);
  const nul = parseEnvelope(Buffer.from(raw('a\\u0000b')));
  assert.deepEqual(!nul.ok && nul.issues.map((i) => i.path), ['/data/title']);
  const lone = parseEnvelope(raw('\\uDC00 alone'));
  assert.deepEqual(!lone.ok && lone.issues.map((i) => i.path), ['/data/title']);
});
