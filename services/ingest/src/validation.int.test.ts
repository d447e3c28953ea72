import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mintToken } from '@tidings/auth';
import type { ErrorBody } from '@tidings/protocol';
import { createNamespace, TEST_AUDIENCE, TEST_ISSUER, testEnv, tokenFor, topicEndOffsets, type Namespace } from '@tidings/testkit';
import { startIngestApp, type IngestHarness } from './testing/harness.js';

/**
 * The bad-input matrix (docs/contract.md §3 G6, §6): every rejected request gets its
 * specific status, stable code and field paths — and writes nothing at all
 * to Kafka (the events topic's end offsets do not move, so not even an
 * aborted transaction was started).
 */
const env = testEnv();
let ns: Namespace;
let ingest: IngestHarness;
let writer: string;

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  ingest = await startIngestApp(ns, env.authSecret);
  writer = await tokenFor(env.authSecret, 'billing', ['notifications:write']);
});
after(async () => {
  await ingest?.close();
  await ns?.drop();
});

const data = { category: 'billing', title: 'Invoice ready' };
const repeat = (s: string, n: number) => s.repeat(n);

interface Case {
  name: string;
  method?: 'POST' | 'PUT' | 'DELETE';
  url?: string;
  token?: () => Promise<string | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string | Buffer;
  status: number;
  code: string;
  /** Issue paths that must all be reported (exactly these, when `exactPaths`). */
  paths?: string[];
}

const sign = (over: Partial<Parameters<typeof mintToken>[0]>) =>
  mintToken({ secret: env.authSecret, sub: 'billing', scopes: ['notifications:write'], issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ...over });

const cases: Case[] = [
  // Not JSON at all.
  { name: 'malformed JSON', rawBody: '{"userId": "u1", ', status: 400, code: 'TIDINGS_ERR_BAD_JSON' },
  { name: 'empty JSON body', rawBody: '', status: 400, code: 'TIDINGS_ERR_BAD_JSON' },
  { name: 'JSON that is not an object', body: [1, 2], status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/'] },
  { name: 'non-JSON media type', rawBody: '<n/>', headers: { 'content-type': 'application/xml' }, status: 415, code: 'TIDINGS_ERR_UNSUPPORTED_MEDIA' },
  // Wrong types.
  { name: 'userId is a number', body: { userId: 42, data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/userId'] },
  { name: 'userIds is a string', body: { userIds: 'u1', data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/userIds'] },
  { name: 'title is a number, priority unknown', body: { userId: 'u1', data: { category: 'c', title: 7, priority: 'urgent' } }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/data/title', '/data/priority'] },
  { name: 'time is not RFC 3339', body: { userId: 'u1', time: 'yesterday', data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/time'] },
  // Missing fields.
  { name: 'no data', body: { userId: 'u1' }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/data'] },
  { name: 'no title nor category', body: { userId: 'u1', data: {} }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/data/category', '/data/title'] },
  { name: 'no recipient', body: { data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/'] },
  { name: 'two recipient selectors', body: { userId: 'u1', topic: 't1', data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/'] },
  // Unknown fields.
  { name: 'unknown top-level field', body: { userId: 'u1', data, colour: 'red' }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/colour'] },
  { name: 'unknown data field', body: { userId: 'u1', data: { ...data, colour: 'red' } }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/data/colour'] },
  // Strings Postgres cannot store would block a persister partition: refused at the edge.
  { name: 'NUL character in the title', body: { userId: 'u1', data: { ...data, title: 'a\u0000b' } }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/data/title'] },
  { name: 'unpaired surrogate in the payload', body: { userId: 'u1', data: { ...data, payload: { note: 'x\ud800' } } }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/data/payload/note'] },
  { name: 'year 0000', body: { userId: 'u1', time: '0000-01-01T00:00:00Z', data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/time'] },
  // Identifiers.
  { name: 'userId with illegal characters', body: { userId: 'bad user!', data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/userId'] },
  { name: 'one bad userId among several', body: { userIds: ['u1', 'u2/../x', 'u3'], data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/userIds/1'] },
  { name: 'userId over 256 characters', body: { userId: repeat('u', 257), data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/userId'] },
  { name: 'id over 128 characters', body: { id: repeat('i', 129), userId: 'u1', data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/id'] },
  { name: 'id with a space', body: { id: 'a b', userId: 'u1', data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/id'] },
  { name: '1001 recipients', body: { userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`), data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/userIds'] },
  { name: 'Idempotency-Key over 256 characters', headers: { 'idempotency-key': repeat('k', 257) }, body: { userId: 'u1', data }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/headers/idempotency-key'] },
  // Sizes.
  { name: 'payload over 16 KiB', body: { userId: 'u1', data: { ...data, payload: { blob: repeat('x', 16 * 1024) } } }, status: 413, code: 'TIDINGS_ERR_TOO_LARGE', paths: ['/data/payload'] },
  // 16 Ki control characters are 96 KiB once escaped as JSON: each field within its limits, the envelope over 64 KiB.
  { name: 'envelope over 64 KiB', body: { userId: 'u1', data: { ...data, body: repeat('\u0001', 16 * 1024) } }, status: 413, code: 'TIDINGS_ERR_TOO_LARGE', paths: ['/'] },
  { name: 'body over the route limit (1 MiB)', body: { userId: 'u1', data: { ...data, body: repeat('b', 1024 * 1024) } }, status: 413, code: 'TIDINGS_ERR_TOO_LARGE' },
  // Batches.
  { name: 'empty batch', url: '/v1/notifications/batch', body: { notifications: [] }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/notifications'] },
  { name: 'batch of 1001', url: '/v1/notifications/batch', body: { notifications: Array.from({ length: 1001 }, () => ({ userId: 'u1', data })) }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/notifications'] },
  { name: 'batch item with a bad field', url: '/v1/notifications/batch', body: { notifications: [{ userId: 'u1', data }, { userId: 'u1', data: { category: 'c' } }] }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/notifications/1/data/title'] },
  { name: 'batch item to a topic', url: '/v1/notifications/batch', body: { notifications: [{ userId: 'u1', data }, { topic: 't1', data }] }, status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/notifications/1/topic'] },
  { name: 'batch item payload over 16 KiB', url: '/v1/notifications/batch', body: { notifications: [{ userId: 'u1', data }, { userId: 'u2', data: { ...data, payload: repeat('p', 17000) } }] }, status: 413, code: 'TIDINGS_ERR_TOO_LARGE', paths: ['/notifications/1/data/payload'] },
  { name: 'batch body over 16 MiB', url: '/v1/notifications/batch', rawBody: Buffer.alloc(16 * 1024 * 1024 + 10, 0x20), status: 413, code: 'TIDINGS_ERR_TOO_LARGE' },
  // Auth: checked before the body is even parsed, so these bodies are invalid on purpose.
  { name: 'no token', token: async () => undefined, rawBody: 'not json', status: 401, code: 'TIDINGS_ERR_AUTH_MISSING' },
  { name: 'not a bearer token', token: async () => undefined, headers: { authorization: 'Basic YmlsbGluZzpzZWNyZXQ=' }, body: {}, status: 401, code: 'TIDINGS_ERR_AUTH_MISSING' },
  { name: 'expired token', token: () => sign({ ttlSec: -60 }), body: {}, status: 401, code: 'TIDINGS_ERR_AUTH_EXPIRED' },
  { name: 'wrong audience', token: () => sign({ audience: 'someone-else' }), body: {}, status: 401, code: 'TIDINGS_ERR_AUTH_INVALID' },
  { name: 'wrong issuer', token: () => sign({ issuer: 'evil' }), body: {}, status: 401, code: 'TIDINGS_ERR_AUTH_INVALID' },
  { name: 'wrong signing key', token: () => sign({ secret: repeat('z', 40) }), body: {}, status: 401, code: 'TIDINGS_ERR_AUTH_INVALID' },
  { name: 'unsigned token (alg none)', token: async () => unsignedToken(), body: {}, status: 401, code: 'TIDINGS_ERR_AUTH_INVALID' },
  { name: 'wrong scope', token: () => sign({ scopes: ['topics:write'] }), body: { userId: 'u1', data }, status: 403, code: 'TIDINGS_ERR_FORBIDDEN' },
  { name: 'batch with wrong scope', url: '/v1/notifications/batch', token: () => sign({ scopes: [] }), body: { notifications: [{ userId: 'u1', data }] }, status: 403, code: 'TIDINGS_ERR_FORBIDDEN' },
  { name: 'subscribe without topics:write', method: 'PUT', url: '/v1/topics/news/subscribers/u1', status: 403, code: 'TIDINGS_ERR_FORBIDDEN' },
  { name: 'subscribe an illegal userId', method: 'PUT', url: '/v1/topics/news/subscribers/bad%20user', token: () => sign({ scopes: ['topics:write'] }), status: 400, code: 'TIDINGS_ERR_VALIDATION', paths: ['/params/userId'] },
];

function unsignedToken(): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'billing', scope: 'notifications:write', iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: now + 600 })}.`;
}

for (const c of cases) {
  test(`rejects ${c.name}: ${c.status} ${c.code}, nothing written to Kafka`, async () => {
    const before = await topicEndOffsets(ns.brokers, ns.topics.events);
    const token = c.token ? await c.token() : writer;
    const headers: Record<string, string> = { ...c.headers };
    if (token) headers['authorization'] = `Bearer ${token}`;
    let payload: string | Buffer | undefined;
    if (c.rawBody !== undefined) payload = c.rawBody;
    else if (c.body !== undefined) payload = JSON.stringify(c.body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const res = await ingest.app.inject({ method: c.method ?? 'POST', url: c.url ?? '/v1/notifications', headers, ...(payload !== undefined ? { payload } : {}) });
    const body = res.json<ErrorBody>();
    assert.equal(res.statusCode, c.status, res.body.slice(0, 500));
    assert.equal(body.code, c.code, res.body.slice(0, 500));
    assert.equal(typeof body.message, 'string');
    const paths = (body.issues ?? []).map((i) => i.path);
    for (const p of c.paths ?? []) assert.ok(paths.includes(p), `expected an issue at ${p}, got ${JSON.stringify(body.issues)}`);
    if (!c.paths) assert.equal(body.issues, undefined, `unexpected issues ${JSON.stringify(body.issues)}`);
    assert.deepEqual(await topicEndOffsets(ns.brokers, ns.topics.events), before, 'the events topic moved');
  });
}

test('a valid request on the same app is accepted and does reach Kafka (the matrix can fail)', async () => {
  const before = await topicEndOffsets(ns.brokers, ns.topics.events);
  const res = await ingest.app.inject({
    method: 'POST',
    url: '/v1/notifications',
    headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ userId: 'u1', data }),
  });
  assert.equal(res.statusCode, 202, res.body);
  assert.equal(res.json<{ ids: string[] }>().ids.length, 1);
  assert.notDeepEqual(await topicEndOffsets(ns.brokers, ns.topics.events), before);
});
