import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { AuthError } from './errors.js';
import { mintToken } from './mint.js';
import { bearerToken, createVerifier, requireScope } from './verifier.js';

const secret = 'a-development-secret-of-at-least-32-chars';
const base = { algorithms: ['HS256'], issuer: 'iss-a', audience: 'aud-a' };

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof AuthError && err.code === code);
}

test('accepts a valid HS256 token and exposes sub, scopes and expiry', async () => {
  const verify = await createVerifier({ ...base, hs256Secret: secret });
  const token = await mintToken({ secret, sub: 'alice', scopes: ['notifications:write'], issuer: 'iss-a', audience: 'aud-a' });
  const p = await verify(token);
  assert.equal(p.sub, 'alice');
  assert.ok(p.scopes.has('notifications:write'));
  assert.ok(p.expiresAt && p.expiresAt > Date.now());
  assert.doesNotThrow(() => requireScope(p, 'notifications:write'));
  assert.throws(() => requireScope(p, 'ops:read'), (e: unknown) => e instanceof AuthError && e.code === 'TIDINGS_ERR_FORBIDDEN');
});

test('refuses expired, wrong issuer, wrong audience, wrong key and garbage', async () => {
  const verify = await createVerifier({ ...base, hs256Secret: secret, clockToleranceSec: 0 });
  const ok = { secret, sub: 'alice', issuer: 'iss-a', audience: 'aud-a' };
  await rejects(verify(await mintToken({ ...ok, ttlSec: -10 })), 'TIDINGS_ERR_AUTH_EXPIRED');
  await rejects(verify(await mintToken({ ...ok, issuer: 'iss-b' })), 'TIDINGS_ERR_AUTH_INVALID');
  await rejects(verify(await mintToken({ ...ok, audience: 'aud-b' })), 'TIDINGS_ERR_AUTH_INVALID');
  await rejects(verify(await mintToken({ ...ok, secret: 'another-secret-that-is-also-32-chars-long' })), 'TIDINGS_ERR_AUTH_INVALID');
  await rejects(verify('not.a.jwt'), 'TIDINGS_ERR_AUTH_INVALID');
  await rejects(verify(''), 'TIDINGS_ERR_AUTH_INVALID');
});

test('refuses alg none', async () => {
  const verify = await createVerifier({ ...base, hs256Secret: secret });
  const unsecured = new UnsecuredJWT({ sub: 'alice' }).setIssuer('iss-a').setAudience('aud-a').setExpirationTime('1h').encode();
  await rejects(verify(unsecured), 'TIDINGS_ERR_AUTH_INVALID');
});

test('refuses HS/RS confusion: a token HMAC-signed with the public key', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const pem = await exportSPKI(publicKey);
  const verify = await createVerifier({ algorithms: ['RS256'], publicKeyPem: pem, issuer: 'iss-a', audience: 'aud-a' });
  const good = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('bob').setIssuer('iss-a').setAudience('aud-a').setExpirationTime('1h').sign(privateKey);
  assert.equal((await verify(good)).sub, 'bob');
  const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('bob').setIssuer('iss-a').setAudience('aud-a').setExpirationTime('1h').sign(new TextEncoder().encode(pem));
  await rejects(verify(forged), 'TIDINGS_ERR_AUTH_INVALID');
  await assert.rejects(createVerifier({ algorithms: ['HS256'], publicKeyPem: pem }), /asymmetric/);
});

test('refuses a token without a subject', async () => {
  const verify = await createVerifier({ algorithms: ['HS256'], hs256Secret: secret });
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(secret));
  await rejects(verify(token), 'TIDINGS_ERR_AUTH_INVALID');
});

test('bearerToken parses the header or says it is missing', () => {
  assert.equal(bearerToken('Bearer abc.def.ghi'), 'abc.def.ghi');
  assert.throws(() => bearerToken(undefined), (e: unknown) => e instanceof AuthError && e.code === 'TIDINGS_ERR_AUTH_MISSING');
  assert.throws(() => bearerToken('Basic xyz'), (e: unknown) => e instanceof AuthError && e.code === 'TIDINGS_ERR_AUTH_MISSING');
});

test('needs exactly one key source', async () => {
  await assert.rejects(createVerifier({ algorithms: ['HS256'] }), /exactly one/);
  await assert.rejects(createVerifier({ algorithms: ['HS256'], hs256Secret: secret, jwksUrl: 'https://x/jwks' }), /exactly one/);
});
