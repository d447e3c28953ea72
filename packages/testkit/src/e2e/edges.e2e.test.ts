import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack } from '../testing/fixture.js';
import { requestJson } from '../testing/http.js';

/**
 * Hostile input at every service's HTTP edge answers with a catalogued 4xx
 * (docs/contract.md §3 G1, G6): timestamps storage cannot hold, JSON nested
 * beyond LIMITS.jsonMaxDepth, positions beyond 2^63-1, the wrong media
 * type, a missing token before a bad query, and large uploads answered
 * before they were read.
 */
const t = useStack({ gateways: 1, withOps: true, poolMax: 2 });

const code = (r: { body: unknown }) => (r.body as { code?: string } | null)?.code;
const deep = (d: number) => `{"userId":"u1","data":{"category":"c","title":"t","payload":${'['.repeat(d)}${']'.repeat(d)}}}`;

test('ingest refuses a time or expiresAt with an offset Postgres cannot store, instead of 202 then a dead letter (issue #14 item 1)', async () => {
  await t.ready();
  const token = await t.token('edge-producer', ['notifications:write']);
  const url = `${t.stack.ingest.url}/v1/notifications`;
  for (const [body, path] of [
    [{ userId: 'u1', time: '2024-05-01T12:00:00+20:00', data: { category: 'c', title: 't' } }, '/time'],
    [{ userId: 'u1', data: { category: 'c', title: 't', expiresAt: '2024-05-01T12:00:00+20:00' } }, '/data/expiresAt'],
    [{ userId: 'u1', time: '2016-12-31T23:59:60Z', data: { category: 'c', title: 't' } }, '/time'],
  ] as const) {
    const r = await requestJson('POST', url, { token, body });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.deepEqual((r.body as { issues: { path: string }[] }).issues.map((i) => i.path), [path]);
  }
});

test('JSON nested 4,500 deep gets 400 TIDINGS_ERR_TOO_DEEP on every service (issue #14 item 7)', async () => {
  await t.ready();
  const producer = await t.token('edge-producer', ['notifications:write']);
  const user = await t.token('edge-user');
  const ops = await t.token('edge-ops', ['ops:read', 'ops:write']);
  for (const [url, token] of [
    [`${t.stack.ingest.url}/v1/notifications`, producer],
    [`${t.stack.gateways[0]!.url}/v1/me/notifications/read`, user],
    [`${t.stack.ops!.url}/v1/ops/redeliver`, ops],
  ] as const) {
    const r = await requestJson('POST', url, { token, rawBody: deep(4500) });
    assert.equal(r.status, 400, `${url}: ${JSON.stringify(r.body)}`);
    assert.equal(code(r), 'TIDINGS_ERR_TOO_DEEP');
  }
});

test('positions beyond 2^63-1 and +20:00 time bounds get 400, not a Postgres range error (issue #14 item 7)', async () => {
  await t.ready();
  const user = await t.token('edge-user');
  const ops = await t.token('edge-ops', ['ops:read', 'ops:write']);
  const big = '9999999999999999999';
  const hugeCursor = Buffer.from(`c1.epoch.0.${big}`).toString('base64url');
  const gw = t.stack.gateways[0]!.url;
  const o = t.stack.ops!.url;
  for (const [method, url, token] of [
    ['GET', `${gw}/v1/me/notifications?before=${big}`, user],
    ['GET', `${o}/v1/ops/dlq?after=${big}`, ops],
    ['GET', `${o}/v1/ops/audit?before=${big}`, ops],
    ['POST', `${o}/v1/ops/dlq/${big}/retry`, ops],
    ['GET', `${o}/v1/ops/users/u1/events?from=${encodeURIComponent('2024-05-01T12:00:00+20:00')}`, ops],
    ['GET', `${o}/v1/ops/users/u1/events?to=${encodeURIComponent('0000-01-01T00:00:00Z')}`, ops],
    ['GET', `${o}/v1/ops/users/u1/events?from=${hugeCursor}`, ops],
    // Found by the HTTP fuzzer (seed 1024832339, case 647): the audit row of the refused request carried the NUL → 500.
    ['GET', `${o}/v1/ops/users/u1/events?from=a%00b&to=486111163721515868158`, ops],
    ['POST', `${o}/v1/ops/redeliver`, ops],
  ] as const) {
    const body = url.endsWith('/redeliver') ? { userId: 'u1', fromCursor: 'a\u0000b' } : {};
    const r = await requestJson(method, url, { token, ...(method === 'POST' ? { body } : {}) });
    assert.equal(r.status, 400, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(code(r), 'TIDINGS_ERR_VALIDATION');
  }
});

test('the gateway checks the token before the query string, and JSON sent as text/plain gets 415 (issue #14 item 13)', async () => {
  await t.ready();
  const gw = t.stack.gateways[0]!.url;
  const noToken = await requestJson('GET', `${gw}/v1/me/notifications?limit=abc`);
  assert.equal(noToken.status, 401);
  assert.equal(code(noToken), 'TIDINGS_ERR_AUTH_MISSING');
  const user = await t.token('edge-user');
  for (const url of [`${gw}/v1/me/notifications/read`, `${t.stack.ingest.url}/v1/notifications`]) {
    const token = url.includes('/me/') ? user : await t.token('edge-producer', ['notifications:write']);
    const r = await requestJson('POST', url, { token, rawBody: '{"all":true}', headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 415, `${url}: ${JSON.stringify(r.body)}`);
    assert.equal(code(r), 'TIDINGS_ERR_UNSUPPORTED_MEDIA');
  }
});

test('a 1.9 MB upload to a gateway POST route gets 401 with a bad token and 413 with a good one, readable by fetch every time (issue #21)', async () => {
  await t.ready();
  const url = `${t.stack.gateways[0]!.url}/v1/me/notifications/seen`;
  const good = `Bearer ${await t.token('edge-user')}`;
  const failures: string[] = [];
  const counts: Record<string, number> = {};
  const one = async (auth: string, want: number) => {
    const body = `{"ids":["${'x'.repeat(1.9 * 1024 * 1024 + Math.floor(Math.random() * 100000))}"]}`;
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth, origin: 'https://odd.example' }, body });
      const json = (await res.json()) as { code?: string };
      counts[`${res.status} ${json.code}`] = (counts[`${res.status} ${json.code}`] ?? 0) + 1;
      if (res.status !== want) failures.push(`${res.status} ${json.code}, wanted ${want}`);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      failures.push(`fetch failed: ${cause?.code ?? cause?.message ?? String(error)}`);
    }
  };
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 25; i++) await one(w % 2 === 0 ? 'Bearer not-a-token' : good, w % 2 === 0 ? 401 : 413);
    }),
  );
  assert.deepEqual(failures, [], JSON.stringify(counts));
});
