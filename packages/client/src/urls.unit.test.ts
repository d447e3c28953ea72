import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiBase, streamUrl } from './urls.js';
import { readClaims } from './token.js';
import { fakeToken } from './testing/fakes.js';

test('a gateway base URL names its socket and its HTTP API', () => {
  assert.equal(streamUrl('http://127.0.0.1:4100'), 'ws://127.0.0.1:4100/v1/stream');
  assert.equal(streamUrl('https://gw.example/'), 'wss://gw.example/v1/stream');
  assert.equal(streamUrl('ws://h:1/v1/stream'), 'ws://h:1/v1/stream');
  assert.equal(apiBase('ws://h:1/v1/stream'), 'http://h:1');
  assert.equal(apiBase('https://h/prefix/'), 'https://h/prefix');
  assert.throws(() => streamUrl('ftp://h'), TypeError);
});

test('token claims are read without verification, and garbage yields nothing', () => {
  assert.deepEqual(readClaims(fakeToken({ sub: 'ålice', exp: 10 })), { sub: 'ålice', expiresAt: 10000 });
  assert.deepEqual(readClaims('opaque-token'), {});
  assert.deepEqual(readClaims('a.%%%.c'), {});
});
