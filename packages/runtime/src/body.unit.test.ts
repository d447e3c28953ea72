import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from './http.js';
import { createLogger } from './logger.js';
import { createRegistry } from './metrics.js';

/** Request bodies on every service: media type, nesting, slow uploads, answers before the body was read. */
async function server(bodyTimeoutMs = 15000, routes?: (app: ReturnType<typeof createHttpServer>) => void) {
  const app = createHttpServer({
    logger: createLogger({ service: 'test', level: 'silent' }),
    registry: createRegistry('test'),
    readiness: {},
    bodyLimit: 256 * 1024,
    timeouts: { bodyTimeoutMs },
  });
  app.post('/echo', async (req) => ({ got: req.body }));
  routes?.(app);
  app.post('/guarded', { onRequest: async (_req, reply) => reply.code(401).send({ code: 'TIDINGS_ERR_AUTH_INVALID', message: 'token is invalid' }) }, async () => ({}));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as AddressInfo).port };
}

test('JSON nested 4,500 deep (9 KB) gets 400 TIDINGS_ERR_TOO_DEEP, not a stack overflow 500 (issue #14 item 7)', async () => {
  const { app } = await server();
  const d = 4500;
  for (const payload of ['['.repeat(d) + ']'.repeat(d), `{"a":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`]) {
    const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json<{ code: string }>().code, 'TIDINGS_ERR_TOO_DEEP');
  }
  // Brackets inside strings do not count; 64 levels are fine.
  const ok = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: `${'['.repeat(63)}"[[[[{{{{"${']'.repeat(63)}` });
  assert.equal(ok.statusCode, 200);
  await app.close();
});

test('a JSON body sent as text/plain gets 415 TIDINGS_ERR_UNSUPPORTED_MEDIA (issue #14 item 13)', async () => {
  const { app } = await server();
  const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/plain' }, payload: '{"a":1}' });
  assert.equal(res.statusCode, 415);
  assert.equal(res.json<{ code: string }>().code, 'TIDINGS_ERR_UNSUPPORTED_MEDIA');
  await app.close();
});

test('a body trickling in is cut off with 408 TIDINGS_ERR_REQUEST_TIMEOUT within the bound (issue #14 item 9)', async () => {
  const bound = 400;
  const { app, port } = await server(bound);
  const sock = connect({ port, host: '127.0.0.1' });
  await once(sock, 'connect');
  const t0 = Date.now();
  sock.write('POST /echo HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{');
  // One byte per 50 ms would take 5 s for the whole body.
  const trickle = setInterval(() => sock.writable && sock.write(' '), 50);
  let answer = '';
  sock.on('data', (c: Buffer) => (answer += c.toString()));
  sock.on('error', () => undefined);
  await once(sock, 'close');
  clearInterval(trickle);
  const elapsed = Date.now() - t0;
  assert.match(answer, /^HTTP\/1\.1 408 /);
  assert.match(answer, /"code":"TIDINGS_ERR_REQUEST_TIMEOUT"/);
  assert.ok(elapsed >= bound && elapsed < bound + 3000, `cut off after ${elapsed} ms`);
  await app.close();
});

test('an upload answered early (401 before reading, 413 on content-length) reaches fetch as that answer, every time (issue #21)', async () => {
  const { app, port } = await server();
  const body = `{"ids":["${'x'.repeat(1.9 * 1024 * 1024)}"]}`;
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: 6 }, async (_, w) => {
      for (let i = 0; i < 5; i++) {
        const path = (w + i) % 2 === 0 ? '/guarded' : '/echo';
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const json = (await res.json()) as { code: string };
        assert.equal(json.code, path === '/guarded' ? 'TIDINGS_ERR_AUTH_INVALID' : 'TIDINGS_ERR_TOO_LARGE');
        statuses.push(res.status);
      }
    }),
  );
  assert.deepEqual([...new Set(statuses)].sort(), [401, 413]);
  await app.close();
});

test('NUL in a query, path parameter or JSON body gets 400 at its path, before any handler', async () => {
  const { app } = await server(15000, (a) => a.get('/q/:id', async () => ({})));
  const q = await app.inject({ method: 'GET', url: '/q/a%00?from=a%00b' });
  assert.equal(q.statusCode, 400);
  assert.deepEqual(q.json<{ issues: { path: string }[] }>().issues.map((i) => i.path), ['/params/id', '/querystring/from']);
  const b = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":["ok","x\\u0000"],"b":"\\ud800"}' });
  assert.equal(b.statusCode, 400);
  assert.deepEqual(b.json<{ issues: { path: string }[] }>().issues.map((i) => i.path), ['/a/1', '/b']);
  await app.close();
});
