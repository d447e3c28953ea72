import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import {
  AuditPageSchema,
  DeadLetterPageSchema,
  DeadLetterRetriedSchema,
  DeadLetterRetryAllSchema,
  HistoryPageSchema,
  LagReportSchema,
  RebuildListSchema,
  RebuildStatusSchema,
  RedeliverAcceptedSchema,
  type AuditPage,
  type DeadLetterPage,
  type DeadLetterRetried,
  type DeadLetterRetryAll,
  type HistoryPage,
  type LagReport,
  type RebuildList,
  type RebuildStatus,
  type RedeliverAccepted,
} from '@tidings/protocol';
import { buildOpenApi } from './openapi.js';

/**
 * The ops routes' response schemas drive Fastify's serialiser, which drops
 * any field a schema lacks. The compile-time ties keep schemas and types
 * equal; these tests check the runtime half: each route's documented schema
 * is the protocol's, and an answer with every field filled — optional ones
 * present, nullable ones both ways — comes out of the serialiser unchanged.
 */
const time = '2026-01-02T03:04:05.678Z';
const rebuild: RebuildStatus = {
  id: '0123456789ab',
  source: 'kafka',
  actor: 'ops-bob',
  state: 'failed',
  phase: 'catchup',
  startedAt: time,
  finishedAt: time,
  events: 1200,
  eventsPerSec: 600,
  partitions: [{ partition: 0, done: '700', target: '800' }],
  phases: { load: { ms: 1500, events: 1000 }, catchup: { ms: 20, events: 200 }, swap: { ms: 3, events: 0 } },
  catchupRounds: 2,
  error: { code: 'TIDINGS_ERR_REBUILD_LOCK_TIMEOUT', message: 'the live table stayed locked' },
};
const running: RebuildStatus = { ...rebuild, state: 'running', finishedAt: null, phases: {}, error: null };

const history: HistoryPage = {
  events: [{ partition: 3, offset: '42', cursor: 'YzEuZXAuMy40Mg', event: { id: 'e1', type: 'notification.created', userId: 'u1', time, source: 'billing', data: { title: 't', nested: [1, null] } } }],
  next: 'YzEuZXAuMy40Mg',
};
const letters: DeadLetterPage = {
  letters: [
    { id: '7', partition: 1, offset: '9', key: 'u1', value: '{"truncated', reason: 'not JSON', createdAt: time, retriedAt: time, retryCount: 2 },
    { id: '8', partition: 1, offset: '10', key: null, value: null, reason: 'empty', createdAt: time, retriedAt: null, retryCount: 0 },
  ],
  pending: 1,
  next: '8',
};
const retried: DeadLetterRetried = { id: '7', eventId: 'e1', userId: 'u1', retryCount: 3 };
const retryAll: DeadLetterRetryAll = { retried: 4, skipped: [{ id: '8', issues: [{ path: '/data/title', message: 'is required' }] }], skippedCount: 1 };
const lag: LagReport = {
  partitions: [
    { partition: 0, logEnd: '10', persisterCommitted: '9', watermark: '9', persisterLag: '1', gateways: [{ node: 'http://127.0.0.1:4100', lag: '0' }] },
    { partition: 1, logEnd: '0', persisterCommitted: null, watermark: null, persisterLag: '0', gateways: [{ node: 'http://127.0.0.1:4101', lag: null }] },
  ],
};
const audit: AuditPage = {
  entries: [
    { id: '12', at: time, actor: 'ops-bob', action: 'rebuild.finished', params: { id: 'x', source: 'kafka' }, result: { state: 'done', phases: {} }, ok: true },
    { id: '11', at: time, actor: 'anonymous', action: 'lag', params: {}, result: null, ok: false },
  ],
  next: '11',
};
const redeliver: RedeliverAccepted = { requestId: '5f0c5b52-3f3e-4a43-9a1e-2f7f3b8c8d11' };
const rebuilds: RebuildList = { rebuilds: [running, rebuild] };

const ROUTES: { method: 'get' | 'post'; path: string; status: 200 | 202; schema: TSchema; answers: unknown[] }[] = [
  { method: 'get', path: '/v1/ops/users/{userId}/events', status: 200, schema: HistoryPageSchema, answers: [history, { events: [] }] },
  { method: 'get', path: '/v1/ops/lag', status: 200, schema: LagReportSchema, answers: [lag] },
  { method: 'get', path: '/v1/ops/dlq', status: 200, schema: DeadLetterPageSchema, answers: [letters, { letters: [], pending: 0 }] },
  { method: 'get', path: '/v1/ops/audit', status: 200, schema: AuditPageSchema, answers: [audit, { entries: [] }] },
  { method: 'get', path: '/v1/ops/rebuild', status: 200, schema: RebuildListSchema, answers: [rebuilds] },
  { method: 'get', path: '/v1/ops/rebuild/{id}', status: 200, schema: RebuildStatusSchema, answers: [rebuild, running] },
  { method: 'post', path: '/v1/ops/redeliver', status: 202, schema: RedeliverAcceptedSchema, answers: [redeliver] },
  { method: 'post', path: '/v1/ops/rebuild', status: 202, schema: RebuildStatusSchema, answers: [running] },
  { method: 'post', path: '/v1/ops/dlq/{id}/retry', status: 202, schema: DeadLetterRetriedSchema, answers: [retried] },
  { method: 'post', path: '/v1/ops/dlq/retry-all', status: 202, schema: DeadLetterRetryAllSchema, answers: [retryAll] },
];

/** TypeBox schemas carry symbol keys; JSON drops them, as the document does. */
const plain = (s: TSchema): unknown => JSON.parse(JSON.stringify(s));

test('every ops route documents its success answer with the protocol schema', async () => {
  type Doc = { paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };
  const doc = (await buildOpenApi()) as Doc;
  const api = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => !op.tags?.includes('health'))
      .map(([method]) => `${method} ${path}`),
  );
  assert.deepEqual(api.sort(), ROUTES.map((r) => `${r.method} ${r.path}`).sort(), 'every API route is in the table below');
  for (const r of ROUTES) {
    const response = doc.paths[r.path]?.[r.method]?.responses[String(r.status)];
    assert.deepEqual(response?.content?.['application/json']?.schema, plain(r.schema), `${r.method} ${r.path} ${r.status}`);
  }
});

test("Fastify's serialiser keeps every field of every ops answer", async () => {
  const app = Fastify();
  ROUTES.forEach((r, i) =>
    r.answers.forEach((answer, j) =>
      app.get(`/${i}/${j}`, { schema: { response: { [r.status]: r.schema } } }, async (_req, reply) => reply.code(r.status).send(answer)),
    ),
  );
  try {
    for (const [i, r] of ROUTES.entries()) {
      for (const [j, answer] of r.answers.entries()) {
        const res = await app.inject({ method: 'GET', url: `/${i}/${j}` });
        assert.equal(res.statusCode, r.status, res.body);
        assert.deepEqual(JSON.parse(res.body), answer, `${r.method} ${r.path}, answer ${j}`);
      }
    }
  } finally {
    await app.close();
  }
});

test('the serialiser check can fail: a field the schema lacks is dropped', async () => {
  const app = Fastify();
  const { next: _next, ...withoutNext } = HistoryPageSchema.properties;
  const narrowed = { ...HistoryPageSchema, properties: withoutNext };
  app.get('/', { schema: { response: { 200: narrowed } } }, async () => history);
  try {
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.deepEqual(JSON.parse(res.body), { events: history.events });
  } finally {
    await app.close();
  }
});
