import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pg from 'pg';
import { mintToken } from '@tidings/auth';
import { createNamespace, type Namespace } from '../../stack/namespace.js';
import { startStack, type Stack } from '../../stack/stack.js';
import { TEST_AUDIENCE, TEST_ISSUER, testAuthEnv, tokenFor } from '../../testing/auth.js';
import { testEnv } from '../../testing/config.js';
import { holdsToken } from '../../testing/jwt.js';
import { waitForPersisted } from '../../testing/persisted.js';
import { assertAlive, checksumTables, fuzzRuns, fuzzSeed, runPool, tokenLeaks, undefinedError } from './harness.js';
import { httpCase, type Credential, type HttpCase, type Service } from './http-cases.js';

/**
 * HTTP fuzzing of every route of ingest, gateway and ops (G5, G6): each
 * answer is 2xx (only with the right credentials) or a catalogued error
 * whose code matches its status; nothing crashes; requests with wrong
 * credentials change no stored data; authorized writes store exactly the
 * ids they answered.
 */
const env = testEnv();
const runs = fuzzRuns(process.env, 'CHAOS_HTTP_FUZZ_RUNS');
const seed = fuzzSeed(process.env);
let ns: Namespace;
let stack: Stack;
let pool: pg.Pool;
const logs: string[] = [];
/** Per service; the web page's proxy forwards gateway credentials, so it uses the gateway's. */
let creds: Record<Exclude<Service, 'web'>, Record<Credential, string | undefined>>;

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  stack = await startStack({
    env: ns.env,
    authEnv: testAuthEnv(env.authSecret),
    gateways: 1,
    withOps: true,
    withWeb: true,
    extraEnv: { web: { WEB_DEV_TOKENS: 'false' } },
    log: (_l, line) => logs.push(line),
  });
  pool = new pg.Pool({ connectionString: ns.databaseUrl, max: 2 });
  const s = env.authSecret;
  const user = await tokenFor(s, 'fuzz-user');
  const service = await tokenFor(s, 'fuzz-producer', ['notifications:write', 'topics:write']);
  const common = {
    none: undefined,
    garbage: 'Bearer not-a-token',
    expired: `Bearer ${await tokenFor(s, 'fuzz-user', ['notifications:write', 'topics:write', 'ops:read', 'ops:write'], -600)}`,
    'alg-none': `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'fuzz-user', scope: 'ops:read ops:write notifications:write', iss: TEST_ISSUER, aud: TEST_AUDIENCE })).toString('base64url')}.`,
    'other-audience': `Bearer ${await mintToken({ secret: s, sub: 'fuzz-user', scopes: ['notifications:write', 'ops:read', 'ops:write'], issuer: TEST_ISSUER, audience: 'someone-else' })}`,
    hostile: `Basic ${Buffer.from("admin:' OR 1=1--").toString('base64')}`,
  };
  creds = {
    ingest: { ...common, right: `Bearer ${service}`, 'wrong-scope': `Bearer ${user}` },
    gateway: { ...common, right: `Bearer ${user}`, 'wrong-scope': `Bearer ${await tokenFor(s, 'fuzz-producer', ['notifications:write'])}` },
    ops: { ...common, right: `Bearer ${await tokenFor(s, 'fuzz-ops', ['ops:read', 'ops:write'])}`, 'wrong-scope': `Bearer ${user}` },
  };
});
after(async () => {
  await pool?.end();
  await stack?.stop();
  await ns?.drop();
});

const base = (svc: Service) => ({ ingest: stack.ingest.url, gateway: stack.gateways[0]!.url, ops: stack.ops!.url, web: stack.web!.url })[svc];

async function send(c: HttpCase): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { ...c.headers };
  const auth = (c.service === 'web' ? creds.gateway : creds[c.service])[c.credential];
  if (auth) headers['authorization'] = auth;
  let body: string | undefined;
  if (c.raw !== undefined) body = c.raw;
  else if (c.body !== undefined) body = JSON.stringify(c.body);
  if (body !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
  const res = await fetch(`${base(c.service)}${c.path}`, { method: c.method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(15000) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // left as text: undefinedError reports it
  }
  return { status: res.status, body: parsed };
}

test(`every HTTP route answers ${runs} hostile requests with defined errors and keeps its data (seed ${seed})`, { timeout: 60 * 60 * 1000 }, async () => {
  const cases = fc.sample(httpCase, { numRuns: runs, seed });
  const hostileCases = cases.filter((c) => c.credential !== 'right');
  const authorized = cases.filter((c) => c.credential === 'right');
  const statuses: Record<string, number> = {};
  const count = (c: HttpCase, status: number) => {
    const k = `${c.service} ${status}`;
    statuses[k] = (statuses[k] ?? 0) + 1;
  };

  // Phase 1: wrong or broken credentials — never 2xx, never a state change (audit rows aside: denials are audited).
  const before = await checksumTables(pool, ['audit_log']);
  const f1 = await runPool(hostileCases, 6, async (c) => {
    const r = await send(c);
    count(c, r.status);
    if (r.status < 400) return `${c.method} ${c.service}${c.path.slice(0, 200)} with ${c.credential} credentials answered ${r.status}`;
    const bad = undefinedError(r.status, r.body);
    return bad && `${c.method} ${c.service}${c.path.slice(0, 200)} (${c.credential}): ${bad}`;
  });
  assert.deepEqual(f1, [], `seed ${seed}`);
  assert.deepEqual(await checksumTables(pool, ['audit_log']), before, 'requests with bad credentials changed stored data');

  // Phase 2: right credentials — 2xx or a defined error; the events stored are exactly the ids answered.
  const acceptedIds = new Set<string>();
  const f2 = await runPool(authorized, 6, async (c) => {
    const r = await send(c);
    count(c, r.status);
    if (r.status >= 200 && r.status < 300) {
      for (const id of (r.body as { ids?: string[] } | null)?.ids ?? []) acceptedIds.add(id);
      return undefined;
    }
    const bad = undefinedError(r.status, r.body);
    return bad && `${c.method} ${c.service}${c.path.slice(0, 200)}: ${bad}`;
  });
  for (const s of [stack.ingest, stack.gateways[0]!, stack.ops!, stack.web!]) await assertAlive(s);
  process.stdout.write(`# http fuzz: ${runs} cases (seed ${seed}), ${acceptedIds.size} ids accepted; statuses ${JSON.stringify(statuses)}\n`);
  assert.deepEqual(f2, [], `seed ${seed}`);
  if (acceptedIds.size > 0) await waitForPersisted(ns.databaseUrl, [...acceptedIds], 120000);
  const stored = await pool.query<{ id: string }>('SELECT id FROM events');
  assert.deepEqual(new Set(stored.rows.map((r) => r.id)), acceptedIds, 'stored events differ from the ids the API accepted');

  const tokens = Object.values(creds).flatMap((c) => Object.values(c)).filter((t): t is string => !!t?.startsWith('Bearer ')).map((t) => t.slice(7));
  assert.deepEqual(tokenLeaks(logs, tokens.filter((t) => t.split('.').length === 3 && t.split('.')[2]!.length > 10)), [], 'tokens appear in service logs');
  // By meaning too: any JWT-shaped string, in any percent-encoding, in a log line or a stored audit row.
  assert.deepEqual(logs.filter((l) => holdsToken(l)).map((l) => l.slice(0, 300)), [], 'JWTs appear in service logs');
  const audit = await pool.query<{ row: string }>('SELECT a::text AS row FROM audit_log a');
  assert.deepEqual(audit.rows.filter((r) => holdsToken(r.row)).map((r) => r.row.slice(0, 300)), [], 'JWTs appear in audit rows');
});
