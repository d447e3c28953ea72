import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpServer } from './http.js';
import { createLogger } from './logger.js';
import { createRegistry } from './metrics.js';

/**
 * Router-level rejections answer in the error catalogue too (found by the
 * chaos HTTP fuzz suite: Fastify's bare 414 for parameters over 100 chars
 * also refused valid 256-char user ids).
 */
function server() {
  const app = createHttpServer({ logger: createLogger({ service: 'test', level: 'silent' }), registry: createRegistry('test'), readiness: {} });
  app.get('/v1/users/:userId', async (req) => ({ userId: (req.params as { userId: string }).userId }));
  return app;
}

test('a 256-char path parameter (the longest valid user id) is routed', async () => {
  const app = server();
  const id = 'u'.repeat(256);
  const res = await app.inject({ method: 'GET', url: `/v1/users/${id}` });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { userId: id });
  await app.close();
});

test('an over-long path parameter gets 400 TIDINGS_ERR_VALIDATION, not a bare 414', async () => {
  const app = server();
  const res = await app.inject({ method: 'GET', url: `/v1/users/${'u'.repeat(5000)}` });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json<{ code: string }>().code, 'TIDINGS_ERR_VALIDATION');
  await app.close();
});

test('a malformed percent-encoding gets a catalogued 400', async () => {
  const app = server();
  const res = await app.inject({ method: 'GET', url: '/v1/users/%E0%A4%A' });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json<{ code: string }>().code, 'TIDINGS_ERR_VALIDATION');
  await app.close();
});
