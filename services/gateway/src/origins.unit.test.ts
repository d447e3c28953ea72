import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originAllowed, originPolicy } from './origins.js';

test('an empty or missing allow-list admits no browser Origin, only clients that send none', () => {
  for (const value of [undefined, '', ' , ']) {
    const p = originPolicy(value);
    assert.equal(originAllowed(p, 'https://evil.example'), false, String(value));
    assert.equal(originAllowed(p, 'null'), false, 'sandboxed pages send "null"');
    assert.equal(originAllowed(p, undefined), true, 'non-browser clients send no Origin');
  }
});

test('a list admits exactly its Origins; * written out admits every one', () => {
  const listed = originPolicy('https://app.example, https://other.example');
  assert.equal(originAllowed(listed, 'https://app.example'), true);
  assert.equal(originAllowed(listed, 'https://app.example.evil.example'), false);
  assert.equal(originAllowed(listed, 'http://app.example'), false);
  const any = originPolicy('*');
  assert.equal(any.any, true);
  assert.equal(originAllowed(any, 'https://anything.example'), true);
});
