import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createNamespace, type Namespace } from '../stack/namespace.js';
import { startStack, type Stack } from '../stack/stack.js';
import { testAuthEnv, tokenFor } from '../testing/auth.js';
import { testEnv } from '../testing/config.js';
import { openSocket } from '../testing/ws-client.js';
import { tokenLeaks } from './fuzz/harness.js';

/**
 * Cross-site WebSocket hijacking and CORS (docs/security.md): with an Origin
 * allow-list, a foreign page can neither open a socket nor read the inbox
 * API from a browser; a `?token=` query parameter is accepted but never logged.
 */
const env = testEnv();
const ALLOWED = 'https://app.example';
let ns: Namespace;
let stack: Stack;
const logs: string[] = [];

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  stack = await startStack({
    env: ns.env,
    authEnv: testAuthEnv(env.authSecret),
    gateways: 1,
    extraEnv: { gateway: { GATEWAY_ALLOWED_ORIGINS: ALLOWED } },
    log: (_l, line) => logs.push(line),
  });
});
after(async () => {
  await stack?.stop();
  await ns?.drop();
});

const ws = () => `${stack.gateways[0]!.url.replace('http', 'ws')}/v1/stream`;

test('a socket from a foreign Origin is refused at the upgrade; the allowed Origin and non-browser clients get in', async () => {
  const token = await tokenFor(env.authSecret, 'origin-user');
  await assert.rejects(openSocket(`${ws()}?token=${token}`, { origin: 'https://evil.example' }), /upgrade refused: 403/);
  for (const origin of [ALLOWED, undefined]) {
    const s = await openSocket(ws(), origin ? { origin } : {});
    s.send({ type: 'hello', token });
    await s.waitFor((m) => m.type === 'synced');
    s.close();
  }
});

test('CORS answers only the allowed Origin', async () => {
  const url = `${stack.gateways[0]!.url}/v1/me/notifications`;
  const preflight = (origin: string) =>
    fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
  assert.equal((await preflight(ALLOWED)).headers.get('access-control-allow-origin'), ALLOWED);
  assert.equal((await preflight('https://evil.example')).headers.get('access-control-allow-origin'), null);
});

test('a token passed as ?token= works and never reaches the logs', async () => {
  const token = await tokenFor(env.authSecret, 'query-user');
  const s = await openSocket(`${ws()}?token=${token}`);
  s.send({ type: 'hello' }); // still required; the token comes from the URL (docs/protocol.md)
  await s.waitFor((m) => m.type === 'welcome');
  s.close();
  await s.closed;
  const bad = await fetch(`${stack.gateways[0]!.url}/v1/me/unread-count?token=${token}`);
  assert.equal(bad.status, 401, 'the HTTP API takes bearer headers only');
  // Logged lines are written before the responses above complete; ask for one more to flush ordering.
  await fetch(`${stack.gateways[0]!.url}/healthz`);
  assert.deepEqual(tokenLeaks(logs, [token]), []);
});
