import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { InboxPage } from '@tidings/protocol';
import { createNamespace, type Namespace } from '../stack/namespace.js';
import { startStack, type Stack } from '../stack/stack.js';
import { testAuthEnv, tokenFor } from '../testing/auth.js';
import { testEnv } from '../testing/config.js';
import { requestJson } from '../testing/http.js';
import { waitForPersisted } from '../testing/persisted.js';
import { openSocket, type TestSocket } from '../testing/ws-client.js';
import { tokenLeaks } from './fuzz/harness.js';

/**
 * G5 as a property: many users, events to random users, random connects,
 * resumes (with the user's own cursor, a stale one, or another user's) and
 * disconnects on random nodes, and inbox fetches. No socket ever carries,
 * and no inbox page ever shows, an event of another user. The schedule is
 * drawn by fast-check from a printed seed (CHAOS_ISOLATION_STEPS sets its length).
 */
const env = testEnv();
const steps = Number(process.env['CHAOS_ISOLATION_STEPS'] ?? 120);
const seed = Number(process.env['CHAOS_FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const USERS = 8;
let ns: Namespace;
let stack: Stack;
const logs: string[] = [];

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  stack = await startStack({ env: ns.env, authEnv: testAuthEnv(env.authSecret), gateways: 2, withOps: true, log: (_l, line) => logs.push(line) });
});
after(async () => {
  await stack?.stop();
  await ns?.drop();
});

type Step =
  | { kind: 'send'; user: number }
  | { kind: 'connect'; user: number; node: number; cursorFrom: 'none' | 'own' | 'other'; other: number }
  | { kind: 'disconnect'; pick: number }
  | { kind: 'inbox'; user: number; node: number };

const user = fc.nat(USERS - 1);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('send' as const), user }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('connect' as const), user, node: fc.nat(1), cursorFrom: fc.constantFrom('none' as const, 'own' as const, 'other' as const), other: user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disconnect' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('inbox' as const), user, node: fc.nat(1) }) },
);

const wsUrl = (http: string) => `${http.replace('http', 'ws')}/v1/stream`;

test(`no user ever receives or fetches another user's events (${steps} random steps, seed ${seed})`, { timeout: 30 * 60 * 1000 }, async () => {
  const users = Array.from({ length: USERS }, (_, i) => `iso-${ns.id}-${i}`);
  const tokens = await Promise.all(users.map((u) => tokenFor(env.authSecret, u)));
  const producer = await tokenFor(env.authSecret, 'iso-producer', ['notifications:write']);
  const sentTo = new Map<string, number>(); // event id → user index
  const lastCursor: (string | undefined)[] = users.map(() => undefined);
  const sockets: { user: number; s: TestSocket }[] = [];
  const closedSockets: { user: number; s: TestSocket }[] = [];
  const violations: string[] = [];
  const checkSocket = ({ user: u, s }: { user: number; s: TestSocket }) => {
    for (const m of s.events()) {
      if (m.event.userId !== users[u] || (sentTo.has(m.event.id) && sentTo.get(m.event.id) !== u)) violations.push(`socket of ${users[u]} got ${m.event.id} of ${m.event.userId}`);
      lastCursor[u] = m.cursor;
    }
  };

  const schedule = fc.sample(fc.array(step, { minLength: steps, maxLength: steps }), { numRuns: 1, seed })[0]!;
  for (const st of schedule) {
    if (st.kind === 'send') {
      const r = await requestJson<{ ids: string[] }>('POST', `${stack.ingest.url}/v1/notifications`, { token: producer, body: { userId: users[st.user], data: { category: 'iso', title: `for ${st.user}` } } });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      sentTo.set(r.body.ids[0]!, st.user);
    } else if (st.kind === 'connect') {
      const mine = sockets.filter((x) => x.user === st.user).length;
      if (mine >= 3) continue; // stays under GATEWAY_MAX_CONNECTIONS_PER_USER with room to spare
      const cursor = st.cursorFrom === 'own' ? lastCursor[st.user] : st.cursorFrom === 'other' ? lastCursor[st.other] : undefined;
      const s = await openSocket(wsUrl(stack.gateways[st.node]!.url));
      s.send({ type: 'hello', token: tokens[st.user], ...(cursor ? { cursor } : {}) });
      await s.waitFor((m) => m.type === 'synced');
      sockets.push({ user: st.user, s });
    } else if (st.kind === 'disconnect') {
      if (sockets.length === 0) continue;
      const [gone] = sockets.splice(st.pick % sockets.length, 1);
      checkSocket(gone!);
      gone!.s.close();
      closedSockets.push(gone!);
    } else {
      const r = await requestJson<InboxPage>('GET', `${stack.gateways[st.node]!.url}/v1/me/notifications?limit=100&status=all`, { token: tokens[st.user] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      for (const item of r.body.items) if (sentTo.get(item.id) !== st.user) violations.push(`inbox of ${users[st.user]} shows ${item.id} (sent to ${sentTo.get(item.id)})`);
    }
  }
  // Let every open socket receive what was sent, then check everything it got.
  await waitForPersisted(ns.databaseUrl, [...sentTo.keys()]);
  for (const x of sockets) {
    const own = [...sentTo.values()].filter((u) => u === x.user).length;
    // A socket that resumed from another user's cursor may legitimately start later; wait only for a ping round trip.
    x.s.send({ type: 'ping', id: 'final' });
    await x.s.waitFor((m) => m.type === 'pong');
    assert.ok(x.s.events().length <= own, `socket of ${users[x.user]} got ${x.s.events().length} events, its user was sent ${own}`);
  }
  for (const x of [...sockets, ...closedSockets]) checkSocket(x);
  for (const x of sockets) x.s.close();

  // Scopes: a service token cannot read a user feed; a user token cannot use ops.
  const feed = await requestJson('GET', `${stack.gateways[0]!.url}/v1/me/notifications`, { token: producer });
  assert.equal(feed.status, 403, JSON.stringify(feed.body));
  const ops = await requestJson('GET', `${stack.ops!.url}/v1/ops/users/${users[0]}/events`, { token: tokens[1] });
  assert.equal(ops.status, 403, JSON.stringify(ops.body));

  process.stdout.write(`# isolation: ${steps} steps (seed ${seed}), ${sentTo.size} events, ${sockets.length + closedSockets.length} sockets, ${violations.length} violations\n`);
  assert.deepEqual(violations, [], `seed ${seed}`);
  assert.deepEqual(tokenLeaks(logs, [...tokens, producer]), [], 'tokens appear in service logs');
});
