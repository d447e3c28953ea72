import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AuditPage } from '@tidings/protocol';
import { tokenFor } from '../testing/auth.js';
import { useStack } from '../testing/fixture.js';
import { requestJson } from '../testing/http.js';
import { jwtsIn } from '../testing/jwt.js';
import { openSocket } from '../testing/ws-client.js';

/**
 * Tokens never reach a log line or a stored row, however they are spelled
 * (docs/security.md, threat table 14.5), and every ops request is audited,
 * refused ones included (14.6). Hostile URLs go to the gateway (HTTP and
 * the socket upgrade), the web page's proxy and ops; then every captured
 * log line of every service and every `audit_log` row is searched for a
 * JWT after percent-decoding.
 */
const logs: string[] = [];
const t = useStack({ gateways: 1, withOps: true, withWeb: true, poolMax: 2, log: (_label, line) => logs.push(line) });
let opsToken: string;

before(async () => {
  await t.ready();
  opsToken = await t.token('ops-carol', ['ops:read', 'ops:write']);
});

const pct = (s: string, upper = false) => [...s].map((c) => `%${c.charCodeAt(0).toString(16)[upper ? 'toUpperCase' : 'toLowerCase']()}`).join('');
/** The spellings of one token in a query: name and value encoded, repeated, cased, under other names. */
const hostileQueries = (jwt: string) => [
  `?%74oken=${jwt}`,
  `?%54OKEN=${pct(jwt, true)}`,
  `?token=${encodeURIComponent(encodeURIComponent(jwt))}`,
  `?access_token=${jwt}&token=${jwt}&token=${pct(jwt)}`,
  `?a=1&state=${encodeURIComponent(`Bearer ${jwt}`)}`,
  `?x=${Buffer.from(jwt).toString('base64url')}`,
  `?${jwt}`,
];

test('refused ops requests are audited, each class, with the actor they proved and no token', async () => {
  const ops = t.stack.ops!.url;
  const user = await t.token('mallory');
  const forged = await tokenFor('x'.repeat(40), 'ops-carol', ['ops:read']);
  const tag = randomBytes(4).toString('hex');
  const rebuildId = randomBytes(6).toString('hex');
  const calls: [string, string, { token?: string; body?: unknown }, number, string][] = [
    ['missing token', `/v1/ops/lag?t=${tag}-1`, {}, 401, 'TIDINGS_ERR_AUTH_MISSING'],
    ['forged token', `/v1/ops/lag?t=${tag}-2`, { token: forged }, 401, 'TIDINGS_ERR_AUTH_INVALID'],
    ['token in the query', `/v1/ops/lag?t=${tag}-3&%74oken=${forged}`, {}, 401, 'TIDINGS_ERR_AUTH_MISSING'],
    ['user token', `/v1/ops/lag?t=${tag}-4`, { token: user }, 403, 'TIDINGS_ERR_FORBIDDEN'],
    ['schema', `/v1/ops/dlq?limit=abc&t=${tag}-5`, { token: opsToken }, 400, 'TIDINGS_ERR_VALIDATION'],
    ['unknown route', `/v1/ops/nothing-here?t=${tag}-6&state=${forged}`, { token: opsToken }, 404, 'TIDINGS_ERR_NOT_FOUND'],
    ['unknown resource', `/v1/ops/rebuild/${rebuildId}`, { token: opsToken }, 404, 'TIDINGS_ERR_NOT_FOUND'],
  ];
  for (const [what, path, opts, status, code] of calls) {
    const res = await requestJson<{ code: string }>('GET', `${ops}${path}`, opts);
    assert.deepEqual([res.status, res.body.code], [status, code], what);
  }
  const page = await requestJson<AuditPage>('GET', `${ops}/v1/ops/audit?limit=100`, { token: opsToken });
  assert.equal(page.status, 200);
  // Refusals record the (redacted) URL; an action that ran records its own parameters.
  const row = (needle: string) => page.body.entries.find((e) => JSON.stringify(e.params).includes(needle));
  const seen = calls.map((_, i) => row(i === 6 ? rebuildId : `${tag}-${i + 1}`));
  assert.deepEqual(
    seen.map((e) => e && [e.actor, e.action, e.ok, (e.result as { error?: string } | null)?.error]),
    [
      ['anonymous', 'lag', false, 'TIDINGS_ERR_AUTH_MISSING'],
      // An unverified `sub` is never an actor: the forged token claims ops-carol.
      ['anonymous', 'lag', false, 'TIDINGS_ERR_AUTH_INVALID'],
      ['anonymous', 'lag', false, 'TIDINGS_ERR_AUTH_MISSING'],
      ['mallory', 'lag', false, 'TIDINGS_ERR_FORBIDDEN'],
      ['ops-carol', 'dlq.list', false, 'TIDINGS_ERR_VALIDATION'],
      ['anonymous', 'unrouted', false, 'TIDINGS_ERR_NOT_FOUND'],
      ['ops-carol', 'rebuild.status', false, 'TIDINGS_ERR_NOT_FOUND'],
    ],
  );
  assert.deepEqual(jwtsIn(JSON.stringify(page.body)), []);
});

test('hostile URLs: no service log line and no audit row holds a JWT, and the socket takes ?%74oken= as its token', async () => {
  const jwt = await t.token(`victim-${randomBytes(3).toString('hex')}`);
  const gateway = t.stack.gateways[0]!.url;
  const targets = [
    `${gateway}/v1/me/notifications`,
    `${gateway}/v1/stream`,
    `${t.stack.web!.url}/gateway/v1/me/notifications`,
    `${t.stack.web!.url}/gateway/v1/me/unread-count`,
    `${t.stack.ops!.url}/v1/ops/dlq`,
    `${t.stack.ops!.url}/v1/ops/users/${jwt}/events`,
    `${t.stack.ops!.url}/v1/ops/users/${pct(jwt)}/events`,
  ];
  for (const target of targets) {
    for (const q of hostileQueries(jwt)) {
      const res = await fetch(`${target}${q}`, { headers: { authorization: `Bearer ${opsToken}` } });
      await res.arrayBuffer();
      assert.ok(res.status < 500, `${target}${q} answered ${res.status}`);
    }
  }
  // Standard URL decoding makes %74oken the `token` parameter; accepting it is safe now that logs redact by meaning.
  const socket = await openSocket(`${gateway.replace(/^http/, 'ws')}/v1/stream?%74oken=${jwt}`);
  socket.send({ type: 'hello' });
  await socket.waitFor((m) => m.type === 'welcome');
  socket.close();
  await socket.closed;
  // A last answered request from each service: the lines of the requests above were written before their answers.
  for (const url of [gateway, t.stack.web!.url, t.stack.ops!.url]) await (await fetch(`${url}/healthz`)).arrayBuffer();

  assert.deepEqual(logs.flatMap((l) => jwtsIn(l).map(() => l.slice(0, 300))), []);
  assert.ok(logs.some((l) => l.includes('%74oken=[redacted]')), 'the gateway logged the socket request, redacted');
  const rows = await t.pool.query<{ row: string }>('SELECT row_to_json(a)::text AS row FROM audit_log a');
  assert.ok(rows.rows.length > 0);
  assert.deepEqual(rows.rows.flatMap((r) => jwtsIn(r.row).map(() => r.row.slice(0, 300))), []);
});

test('an anonymous flood is audited up to its budget and counted beyond it; every refused request is accounted for', async () => {
  const ops = t.stack.ops!.url;
  const tag = randomBytes(4).toString('hex');
  const n = 300;
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: 50 }, async (_, k) => (await fetch(`${ops}/v1/ops/lag?flood=${tag}-${i + k}`)).arrayBuffer()));
  }
  const rows = async (needle: string) =>
    (await t.pool.query<{ dropped: number }>(`SELECT coalesce((result->>'droppedBefore')::int, 0) AS dropped FROM audit_log WHERE params->>'url' LIKE $1`, [`%${needle}%`])).rows;
  const flood = await rows(`flood=${tag}-`);
  assert.ok(flood.length < n, `${flood.length} rows for ${n} requests: the budget (default 100 + 20/s) was not applied`);
  const metrics = await (await fetch(`${ops}/metrics`)).text();
  assert.match(metrics, /tidings_ops_audit_dropped_total\{class="anonymous"[^}]*\} [1-9]/);
  // The next anonymous request the budget admits reports the skipped ones the flood's rows did not.
  let after: { dropped: number }[] = [];
  for (let i = 0; after.length === 0; i++) {
    assert.ok(i < 200, 'the budget refills');
    await (await fetch(`${ops}/v1/ops/lag?after=${tag}-${i}`)).arrayBuffer();
    after = await rows(`after=${tag}-${i}`);
  }
  const reported = [...flood, ...after].reduce((sum, r) => sum + r.dropped, 0);
  assert.equal(flood.length + reported, n);
});
