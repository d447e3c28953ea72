import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClientFrame } from './inbound.js';

const frame = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

test('valid frames of every client type parse', () => {
  for (const msg of [
    { type: 'hello', token: 't' },
    { type: 'hello', token: 't', cursor: 'abc' },
    { type: 'hello' },
    { type: 'ping', id: 'p1' },
    { type: 'refresh', id: 'r', token: 't' },
    { type: 'read', id: 'x', ids: ['a', 'b'] },
    { type: 'seen', all: true },
    { type: 'archive', ids: ['a'] },
    { type: 'unarchive', ids: ['a'] },
  ]) {
    const r = parseClientFrame(frame(msg), false);
    assert.equal(r.ok, true, JSON.stringify(msg));
    assert.deepEqual(r.ok && r.msg, msg);
  }
});

test('bad frames get a stable code, a message, and the request id when readable', () => {
  const cases: [Buffer, boolean, string, string | undefined][] = [
    [frame('not json'), false, 'TIDINGS_ERR_BAD_FRAME', undefined],
    [frame('{"type":'), false, 'TIDINGS_ERR_BAD_FRAME', undefined],
    [frame([1, 2]), false, 'TIDINGS_ERR_BAD_FRAME', undefined],
    [frame('"hello"'), false, 'TIDINGS_ERR_BAD_FRAME', undefined],
    [frame('null'), false, 'TIDINGS_ERR_BAD_FRAME', undefined],
    [frame({ type: 'ping' }), true, 'TIDINGS_ERR_BAD_FRAME', undefined],
    [frame({ type: 'subscribe', id: 'q1' }), false, 'TIDINGS_ERR_UNKNOWN_TYPE', 'q1'],
    [frame({ type: 'toString', id: 'q2' }), false, 'TIDINGS_ERR_UNKNOWN_TYPE', 'q2'],
    [frame({ type: 42 }), false, 'TIDINGS_ERR_UNKNOWN_TYPE', undefined],
    [frame({ id: 'q3' }), false, 'TIDINGS_ERR_UNKNOWN_TYPE', 'q3'],
    [frame({ type: 'read', id: 'q4', ids: 'x' }), false, 'TIDINGS_ERR_VALIDATION', 'q4'],
    [frame({ type: 'read', id: 'q5', ids: [] }), false, 'TIDINGS_ERR_VALIDATION', 'q5'],
    [frame({ type: 'hello', token: 7 }), false, 'TIDINGS_ERR_VALIDATION', undefined],
    [frame({ type: 'ping', id: 'q6', extra: 1 }), false, 'TIDINGS_ERR_VALIDATION', 'q6'],
    [frame({ type: 'refresh', id: 'q7' }), false, 'TIDINGS_ERR_VALIDATION', 'q7'],
    [frame({ type: 'seen', all: false }), false, 'TIDINGS_ERR_VALIDATION', undefined],
  ];
  for (const [data, binary, code, id] of cases) {
    const r = parseClientFrame(data, binary);
    assert.equal(r.ok, false, data.toString());
    if (r.ok) continue;
    assert.equal(r.code, code, data.toString());
    assert.equal(r.id, id, data.toString());
    assert.ok(r.message.length > 0);
  }
});

test('validation errors name the failing field', () => {
  const r = parseClientFrame(frame({ type: 'read', id: 'x', ids: 'nope' }), false);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.path, '/ids');
});

test('fragmented and ArrayBuffer payloads are read as one text', () => {
  const parts = [Buffer.from('{"type":"pi'), Buffer.from('ng"}')];
  assert.equal(parseClientFrame(parts, false).ok, true);
  const ab = new TextEncoder().encode('{"type":"ping"}').buffer as ArrayBuffer;
  assert.equal(parseClientFrame(ab, false).ok, true);
});

test('a frame nested beyond LIMITS.jsonMaxDepth gets TIDINGS_ERR_TOO_DEEP before it is parsed', () => {
  const deep = parseClientFrame(Buffer.from(`{"type":"read","id":"x","ids":${'['.repeat(20000)}${']'.repeat(20000)}}`), false);
  assert.equal(deep.ok, false);
  assert.equal(deep.ok ? '' : deep.code, 'TIDINGS_ERR_TOO_DEEP');
});
