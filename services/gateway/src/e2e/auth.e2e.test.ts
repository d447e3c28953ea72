import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { mintToken } from '@tidings/auth';
import type { ResultMessage, TokenExpiringMessage, WelcomeMessage } from '@tidings/protocol';
import {
  createNamespace,
  openSocket,
  requestJson,
  startStack,
  TEST_AUDIENCE,
  TEST_ISSUER,
  testAuthEnv,
  testEnv,
  tokenFor,
  type Namespace,
  type RunningService,
  type Stack,
} from '@tidings/testkit';
import { connect, spawnGateway, uniqueUser, wsUrl } from './helpers.js';

/**
 * The auth matrix over real sockets: every way a token can be wrong gets its
 * close code (§7) or HTTP status, and never a stream.
 */
const env = testEnv();
let ns: Namespace;
let stack: Stack;
let rsaGateway: RunningService;
let rsaKey: CryptoKey;
let publicPem: string;

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  const keys = await generateKeyPair('RS256');
  rsaKey = keys.privateKey;
  publicPem = await exportSPKI(keys.publicKey);
  [stack, rsaGateway] = await Promise.all([
    startStack({
      env: ns.env,
      authEnv: testAuthEnv(env.authSecret),
      gateways: 1,
      extraEnv: { gateway: { GATEWAY_HELLO_TIMEOUT_MS: '600', GATEWAY_TOKEN_WARNING_MS: '2000' } },
    }),
    // A node configured for RS256 with a public key: the target of HS/RS confusion.
    spawnGateway(ns, { AUTH_PUBLIC_KEY: publicPem, AUTH_ALGORITHMS: 'RS256', AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE }, {}, 'gw-rsa'),
  ]);
});
after(async () => {
  await rsaGateway?.stop();
  await stack?.stop();
  await ns?.drop();
});

const GW = () => stack.gateways[0]!.url;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const claims = (sub: string) => ({ sub, iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 });
const rs256 = (sub: string) => new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject(sub).setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).setExpirationTime('10m').sign(rsaKey);

/** Says hello with `token` and resolves with the close code (or 'welcome'). */
async function helloOutcome(url: string, token: string | undefined, query = ''): Promise<number | 'welcome'> {
  const s = await openSocket(wsUrl(url, query));
  s.send({ type: 'hello', ...(token !== undefined ? { token } : {}) });
  const outcome = await Promise.race([
    s.waitFor<WelcomeMessage>((m) => m.type === 'welcome').then(() => 'welcome' as const, () => undefined),
    s.closed.then((c) => c.code),
  ]);
  s.close();
  return outcome ?? (await s.closed).code;
}

test('no hello in time → 4001', async () => {
  const s = await openSocket(wsUrl(GW()));
  const t0 = Date.now();
  const closed = await s.closed;
  assert.equal(closed.code, 4001);
  assert.ok(Date.now() - t0 < 3000, 'closed near the configured 600 ms');
});

test('every kind of bad token at hello gets its close code, never a welcome', async () => {
  const user = uniqueUser('victim');
  const now = Math.floor(Date.now() / 1000);
  const cases: [string, string | undefined, number][] = [
    ['no token at all', undefined, 4002],
    ['garbage', 'not.a.jwt', 4002],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(user))}.`, 4002],
    ['RS256 at an HS256 node', await rs256(user), 4002],
    ['wrong key', await mintToken({ secret: 'k'.repeat(40), sub: user, issuer: TEST_ISSUER, audience: TEST_AUDIENCE }), 4002],
    ['wrong audience', await mintToken({ secret: env.authSecret, sub: user, issuer: TEST_ISSUER, audience: 'someone-else' }), 4002],
    ['wrong issuer', await mintToken({ secret: env.authSecret, sub: user, issuer: 'evil', audience: TEST_AUDIENCE }), 4002],
    ['no subject', await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).setExpirationTime(now + 600).sign(new TextEncoder().encode(env.authSecret)), 4002],
    ['expired', await tokenFor(env.authSecret, user, [], -60), 4003],
    ['service token', await tokenFor(env.authSecret, user, ['notifications:write']), 4004],
    ['ops token', await tokenFor(env.authSecret, user, ['ops:read']), 4004],
  ];
  for (const [name, token, code] of cases) assert.equal(await helloOutcome(GW(), token), code, name);
  assert.equal(await helloOutcome(GW(), await tokenFor(env.authSecret, user)), 'welcome', 'the control case works');
});

test('HS/RS confusion: an HS256 token signed with the public key is refused by an RS256 node', async () => {
  const user = uniqueUser('rsa');
  const confused = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).setExpirationTime('10m').sign(new TextEncoder().encode(publicPem));
  assert.equal(await helloOutcome(rsaGateway.url, confused), 4002);
  assert.equal(await helloOutcome(rsaGateway.url, `${b64({ alg: 'none' })}.${b64(claims(user))}.`), 4002);
  assert.equal(await helloOutcome(rsaGateway.url, await tokenFor(env.authSecret, user)), 4002, 'the HS secret means nothing here');
  assert.equal(await helloOutcome(rsaGateway.url, await rs256(user)), 'welcome', 'a real RS256 token works');
});

test('?token= in the URL is accepted when hello carries none; a bad one is refused', async () => {
  const user = uniqueUser('query');
  const token = await tokenFor(env.authSecret, user);
  assert.equal(await helloOutcome(GW(), undefined, `?token=${encodeURIComponent(token)}`), 'welcome');
  assert.equal(await helloOutcome(GW(), undefined, '?token=garbage'), 4002);
});

test('refresh swaps the token in place; a token for another user closes 4004, a bad one 4002', async () => {
  const user = uniqueUser('refresh');
  const c = await connect(GW(), await tokenFor(env.authSecret, user));
  c.socket.send({ type: 'refresh', id: 'r1', token: await tokenFor(env.authSecret, user, [], 7200) });
  const ok = await c.socket.waitFor<ResultMessage>((m) => m.type === 'result' && m.id === 'r1');
  assert.equal(ok.ok, true);
  c.socket.send({ type: 'refresh', id: 'r2', token: await tokenFor(env.authSecret, uniqueUser('other')) });
  assert.equal((await c.socket.closed).code, 4004);

  const d = await connect(GW(), await tokenFor(env.authSecret, user));
  d.socket.send({ type: 'refresh', id: 'r3', token: 'garbage' });
  assert.equal((await d.socket.closed).code, 4002);
});

test('token_expiring arrives ahead of exp; without a refresh the socket closes 4003 at expiry', async () => {
  const user = uniqueUser('expiring');
  const token = await tokenFor(env.authSecret, user, [], 3);
  const expMs = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
  const c = await connect(GW(), token);
  const warning = await c.socket.waitFor<TokenExpiringMessage>((m) => m.type === 'token_expiring', 5000);
  const warnedAt = Date.now();
  assert.ok(warning.inMs <= 2000 && warning.inMs >= 0, `inMs ${warning.inMs}`);
  assert.ok(warnedAt < expMs, 'warned before expiry');
  const closed = await c.socket.closed;
  assert.equal(closed.code, 4003);
  assert.ok(Date.now() >= expMs - 50, 'not closed before the token expired');
});

test('a refresh before expiry keeps the socket open past the first token\'s exp', async () => {
  const user = uniqueUser('renewed');
  const token = await tokenFor(env.authSecret, user, [], 3);
  const expMs = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
  const c = await connect(GW(), token);
  await c.socket.waitFor((m) => m.type === 'token_expiring', 5000);
  c.socket.send({ type: 'refresh', id: 'r', token: await tokenFor(env.authSecret, user) });
  await c.socket.waitFor((m) => m.type === 'result' && m.id === 'r');
  // Past the first token's expiry (plus two sweeps), the socket still answers.
  await new Promise((r) => setTimeout(r, Math.max(0, expMs - Date.now()) + 500));
  c.socket.send({ type: 'ping', id: 'still-there' });
  await c.socket.waitFor((m) => m.type === 'pong' && m.id === 'still-there');
  c.socket.close();
  assert.equal((await c.socket.closed).code, 1000);
});

test('the inbox API answers 401 without a valid token and 403 to service tokens', async () => {
  const user = uniqueUser('http');
  const url = `${GW()}/v1/me/notifications`;
  const none = await requestJson<{ code: string }>('GET', url);
  assert.deepEqual([none.status, none.body.code], [401, 'TIDINGS_ERR_AUTH_MISSING']);
  const bad = await requestJson<{ code: string }>('GET', url, { token: 'garbage' });
  assert.deepEqual([bad.status, bad.body.code], [401, 'TIDINGS_ERR_AUTH_INVALID']);
  const expired = await requestJson<{ code: string }>('GET', url, { token: await tokenFor(env.authSecret, user, [], -60) });
  assert.deepEqual([expired.status, expired.body.code], [401, 'TIDINGS_ERR_AUTH_EXPIRED']);
  const service = await requestJson<{ code: string }>('GET', url, { token: await tokenFor(env.authSecret, user, ['notifications:write']) });
  assert.deepEqual([service.status, service.body.code], [403, 'TIDINGS_ERR_FORBIDDEN']);
  for (const path of ['/v1/me/unread-count']) {
    assert.equal((await requestJson('GET', `${GW()}${path}`)).status, 401, path);
  }
  const post = await requestJson('POST', `${GW()}/v1/me/notifications/read`, { body: { all: true } });
  assert.equal(post.status, 401);
  const ok = await requestJson('GET', url, { token: await tokenFor(env.authSecret, user) });
  assert.equal(ok.status, 200);
});
