import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthError } from './errors.js';
import type { Principal } from './verifier.js';
import { cachingVerifier } from './caching.js';

/** A stand-in verifier: tokens are "sub:expiresAt" or "bad"; counts real verifications. */
function fake(clock: { t: number }) {
  const stats = { verified: 0 };
  const verify = async (token: string): Promise<Principal> => {
    stats.verified += 1;
    const [sub, exp] = token.split(':');
    if (sub === 'bad') throw new AuthError('TIDINGS_ERR_AUTH_INVALID', 'token is invalid');
    if (exp && clock.t >= Number(exp)) throw new AuthError('TIDINGS_ERR_AUTH_EXPIRED', 'token has expired');
    return { sub: sub!, scopes: new Set(['notifications:write']), expiresAt: exp ? Number(exp) : undefined };
  };
  return { verify, stats };
}

test('a token is verified once and then served from memory', async () => {
  const clock = { t: 0 };
  const { verify, stats } = fake(clock);
  const cached = cachingVerifier(verify, { now: () => clock.t });
  for (let i = 0; i < 5; i++) assert.equal((await cached('svc:100000')).sub, 'svc');
  assert.equal(stats.verified, 1);
});

test('a remembered token is refused from its expiry on', async () => {
  const clock = { t: 0 };
  const { verify } = fake(clock);
  const cached = cachingVerifier(verify, { now: () => clock.t });
  await cached('svc:1000');
  clock.t = 1000;
  await assert.rejects(cached('svc:1000'), (e: unknown) => e instanceof AuthError && e.code === 'TIDINGS_ERR_AUTH_EXPIRED');
});

test('a remembered token is verified afresh after maxAge', async () => {
  const clock = { t: 0 };
  const { verify, stats } = fake(clock);
  const cached = cachingVerifier(verify, { now: () => clock.t, maxAgeMs: 50 });
  await cached('svc');
  clock.t = 49;
  await cached('svc');
  clock.t = 50;
  await cached('svc');
  assert.equal(stats.verified, 2);
});

test('failures are never remembered', async () => {
  const clock = { t: 0 };
  const { verify, stats } = fake(clock);
  const cached = cachingVerifier(verify, { now: () => clock.t });
  await assert.rejects(cached('bad'));
  await assert.rejects(cached('bad'));
  assert.equal(stats.verified, 2);
});

test('the oldest token is forgotten beyond max', async () => {
  const clock = { t: 0 };
  const { verify, stats } = fake(clock);
  const cached = cachingVerifier(verify, { now: () => clock.t, max: 2 });
  await cached('a');
  await cached('b');
  await cached('c');
  await cached('b');
  await cached('c');
  assert.equal(stats.verified, 3);
  await cached('a');
  assert.equal(stats.verified, 4);
});
