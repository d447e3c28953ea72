import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phase } from './conn.js';
import { choreFor, sweepPeriodMs } from './housekeeping.js';

const WARN = 60_000;

test('a socket without hello is closed at its deadline, not before', () => {
  const c = { phase: Phase.awaitingHello, helloDeadline: 5000, expiresAt: 0, warned: false };
  assert.equal(choreFor(c, 4999, WARN), 'none');
  assert.equal(choreFor(c, 5000, WARN), 'hello_timeout');
});

test('while the token is being verified nothing is due', () => {
  const c = { phase: Phase.authenticating, helloDeadline: 5000, expiresAt: 1, warned: false };
  assert.equal(choreFor(c, 1e12, WARN), 'none');
});

test('an open socket is warned once ahead of expiry, then closed at expiry', () => {
  const exp = 1_000_000;
  const c = { phase: Phase.open, helloDeadline: 0, expiresAt: exp, warned: false };
  assert.equal(choreFor(c, exp - WARN - 1, WARN), 'none');
  assert.equal(choreFor(c, exp - WARN, WARN), 'token_warning');
  c.warned = true;
  assert.equal(choreFor(c, exp - 1, WARN), 'none');
  assert.equal(choreFor(c, exp, WARN), 'token_expired');
});

test('token_expiring precedes every expiry close: a token reaching expiry unwarned is warned first, closed at a later sweep', () => {
  const exp = 1_000_000;
  // E.g. refreshed with a token that had less than the warning window left, or a sweep that ran late.
  const c = { phase: Phase.open, helloDeadline: 0, expiresAt: exp, warned: false };
  assert.equal(choreFor(c, exp + 500, WARN), 'token_warning');
  c.warned = true;
  assert.equal(choreFor(c, exp + 500, WARN), 'token_expired');
});

test('a token without exp never expires; one far in the future does not fire early', () => {
  assert.equal(choreFor({ phase: Phase.open, helloDeadline: 0, expiresAt: 0, warned: false }, 1e15, WARN), 'none');
  // 40 days: past setTimeout's 2^31-1 ms limit, which would have fired at once.
  const now = 1_700_000_000_000;
  assert.equal(choreFor({ phase: Phase.open, helloDeadline: 0, expiresAt: now + 40 * 86_400_000, warned: false }, now, WARN), 'none');
});

test('the sweep period follows the tightest deadline within [50 ms, 1 s]', () => {
  assert.equal(sweepPeriodMs(5000, 60000, 25000), 1000);
  assert.equal(sweepPeriodMs(400, 60000, 25000), 100);
  assert.equal(sweepPeriodMs(100, 1000, 100), 50);
});
