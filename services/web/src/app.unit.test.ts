import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVerifier } from '@tidings/auth';
import { createLogger, createRegistry } from '@tidings/runtime';
import { buildWebApp, PAGE_FILES } from './app.js';
import { loadConfig } from './config.js';

const SECRET = 's'.repeat(40);

async function app(opts: { dev: boolean; gatewayUrls?: string[] }) {
  const dir = await mkdtemp(join(tmpdir(), 'tidings-web-'));
  for (const f of PAGE_FILES) await writeFile(join(dir, f), `/* ${f} */`);
  return buildWebApp({
    logger: createLogger({ service: 'web', level: 'silent' }),
    registry: createRegistry('web'),
    publicDir: dir,
    gatewayUrls: opts.gatewayUrls ?? ['http://127.0.0.1:9'],
    ingestUrl: 'http://127.0.0.1:9',
    dev: { enabled: opts.dev, secret: opts.dev ? SECRET : undefined, issuer: 'iss', audience: 'aud', userTokenTtlSec: 60 },
  });
}

test('without WEB_DEV_TOKENS the page is served but no token is ever minted', async () => {
  const web = await app({ dev: false });
  const page = await web.inject({ method: 'GET', url: '/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  const token = await web.inject({ method: 'POST', url: '/dev/token', payload: { userId: 'alice' } });
  assert.equal(token.statusCode, 403);
  assert.equal(token.json().code, 'TIDINGS_ERR_FORBIDDEN');
  const notify = await web.inject({ method: 'POST', url: '/dev/notify', payload: { userId: 'alice' } });
  assert.equal(notify.statusCode, 403);
  assert.equal((await web.inject({ method: 'GET', url: '/config.json' })).json().devTokens, false);
});

test('with WEB_DEV_TOKENS a user token for exactly that user, verifiable by the services, is minted', async () => {
  const web = await app({ dev: true });
  const res = await web.inject({ method: 'POST', url: '/dev/token', payload: { userId: 'alice' } });
  assert.equal(res.statusCode, 200);
  const verify = await createVerifier({ hs256Secret: SECRET, algorithms: ['HS256'], issuer: 'iss', audience: 'aud' });
  const principal = await verify(res.json().token);
  assert.equal(principal.sub, 'alice');
  assert.equal(principal.scopes.size, 0, 'a user token carries no service scope');
  const bad = await web.inject({ method: 'POST', url: '/dev/token', payload: { userId: 'not a user id!' } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'TIDINGS_ERR_VALIDATION');
  assert.ok(bad.json().issues.some((i: { path: string }) => i.path === '/userId'));
});

test('only the listed files are served; paths from requests never reach the file system', async () => {
  const web = await app({ dev: false });
  assert.equal((await web.inject({ method: 'GET', url: '/app.js' })).statusCode, 200);
  for (const url of ['/../package.json', '/%2e%2e/package.json', '/config.ts', '/public/app.js']) {
    assert.equal((await web.inject({ method: 'GET', url })).statusCode, 404, url);
  }
});

test('the inbox proxy forwards the user\'s token and fails over past a dead gateway', async () => {
  const seen: { url: string | undefined; auth: string | undefined }[] = [];
  const gw = createServer((req, res) => {
    seen.push({ url: req.url, auth: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"unread":7}');
  });
  await new Promise<void>((r) => gw.listen(0, '127.0.0.1', r));
  try {
    const live = `http://127.0.0.1:${(gw.address() as { port: number }).port}`;
    const web = await app({ dev: false, gatewayUrls: ['http://127.0.0.1:9', live] });
    const res = await web.inject({ method: 'GET', url: '/gateway/v1/me/unread-count', headers: { authorization: 'Bearer abc' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { unread: 7 });
    assert.deepEqual(seen, [{ url: '/v1/me/unread-count', auth: 'Bearer abc' }]);
    assert.equal((await web.inject({ method: 'GET', url: '/gateway/v1/ops/lag' })).statusCode, 404, 'nothing else is forwarded');
  } finally {
    gw.close();
  }
});

test('config: dev tokens without a secret stop the process with the variable named', () => {
  const base = { WEB_GATEWAY_URLS: 'http://127.0.0.1:4100,http://127.0.0.1:4101', WEB_INGEST_URL: 'http://127.0.0.1:4000' };
  assert.throws(() => loadConfig({ ...base, WEB_DEV_TOKENS: 'true' }), /AUTH_HS256_SECRET/);
  assert.throws(() => loadConfig({ WEB_INGEST_URL: 'http://x' }), /WEB_GATEWAY_URLS/);
  const c = loadConfig({ ...base });
  assert.equal(c.WEB_PORT, 4500);
  assert.equal(c.WEB_DEV_TOKENS, false, 'off unless asked for');
  assert.deepEqual(c.gatewayUrls, ['http://127.0.0.1:4100', 'http://127.0.0.1:4101']);
});
