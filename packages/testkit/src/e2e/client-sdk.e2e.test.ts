import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { connect, createInbox, type memoryStorage, type StateChange, type SyncResult, type TidingsClient } from '@tidings/client';
import type { EventMessage } from '@tidings/protocol';
import { createNamespace, type Namespace } from '../stack/namespace.js';
import type { RunningService } from '../stack/services.js';
import { startStack, type Stack } from '../stack/stack.js';
import { testAuthEnv, tokenFor } from '../testing/auth.js';
import { testEnv } from '../testing/config.js';
import { requestJson } from '../testing/http.js';
import { waitForPersisted } from '../testing/persisted.js';

/**
 * The Node SDK against the real stack (docs/contract.md §6, §7; issue 5): what an app
 * built on `connect()` sees across node crashes, graceful drains, token
 * expiry and replays — each event once, in log order.
 */
const env = testEnv();
let ns: Namespace;
let stack: Stack;
let producer: string;
const clients: TidingsClient[] = [];

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  // Token warnings 1 s before expiry, so short-lived tokens exercise refresh quickly.
  stack = await startStack({ env: ns.env, authEnv: testAuthEnv(env.authSecret), gateways: 2, extraEnv: { gateway: { GATEWAY_TOKEN_WARNING_MS: '1000' } } });
  producer = await tokenFor(env.authSecret, 'billing', ['notifications:write']);
});
after(async () => {
  for (const c of clients) c.close();
  await stack?.stop();
  await ns?.drop();
});

const newUser = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
const alive = () => stack.gateways.filter((g) => g.proc.exitCode === null && g.proc.signalCode === null);

async function send(userId: string, title: string): Promise<string> {
  const res = await requestJson<{ ids: string[] }>('POST', `${stack.ingest.url}/v1/notifications`, { token: producer, body: { userId, data: { category: 'test', title } } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.ids[0]!;
}
async function sendMany(userId: string, n: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await send(userId, `${prefix}-${i}`)); // sequential: log order = this order
  return ids;
}

/** A client plus everything it emitted, and a way to await a condition on it without sleeping. */
function open(userId: string, urls: RunningService[] | string[], opts: { getToken?: () => Promise<string>; storage?: ReturnType<typeof memoryStorage> } = {}) {
  const client = connect({
    urls: urls.map((u) => (typeof u === 'string' ? u : u.url)),
    getToken: opts.getToken ?? (() => tokenFor(env.authSecret, userId)),
    ...(opts.storage ? { storage: opts.storage } : {}),
  });
  clients.push(client);
  const events: EventMessage[] = [];
  const states: StateChange[] = [];
  const syncs: SyncResult[] = [];
  const waiters = new Set<() => void>();
  const poke = () => waiters.forEach((w) => w());
  client.on('event', (m) => (events.push(m), poke()));
  client.on('state', (s) => (states.push(s), poke()));
  client.on('synced', (r) => (syncs.push(r), poke()));
  // Re-checked on every client event, and every 50 ms for conditions no event announces (token refreshes, inbox loads).
  const until = (what: string, pred: () => boolean, timeoutMs = 20000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pred()) return;
        waiters.delete(check);
        clearTimeout(timer);
        clearInterval(tick);
        resolve();
      };
      const tick = setInterval(check, 50);
      const timer = setTimeout(() => {
        waiters.delete(check);
        clearInterval(tick);
        reject(new Error(`timed out waiting for ${what}; state ${client.state.state}, events ${events.length}, last states ${JSON.stringify(states.slice(-4))}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const ids = () => events.map((e) => e.event.id);
  return { client, events, states, syncs, until, ids };
}

test('the inbox model: first page over HTTP, then kept current by live events and by other devices', async () => {
  const userId = newUser('inbox');
  const earlier = await sendMany(userId, 3, 'earlier');
  await waitForPersisted(ns.databaseUrl, earlier);

  const a = open(userId, alive());
  const inbox = createInbox(a.client);
  let snaps = 0;
  inbox.onChange(() => (snaps += 1));
  await inbox.ready;
  assert.deepEqual(inbox.snapshot.items.map((i) => i.title), ['earlier-2', 'earlier-1', 'earlier-0']);
  assert.equal(inbox.snapshot.unread, 3);

  const live = await send(userId, 'live');
  await a.until('the live item', () => inbox.snapshot.items.some((i) => i.id === live));
  assert.equal(inbox.snapshot.items[0]!.id, live);
  assert.equal(inbox.snapshot.unread, 4);

  // Another device of the same user reads one item, then everything.
  const b = open(userId, alive().slice().reverse());
  await b.client.whenLive();
  await b.client.read([earlier[0]!]);
  await a.until('the read from the other device', () => inbox.snapshot.unread === 3);
  assert.notEqual(inbox.snapshot.items.find((i) => i.id === earlier[0])!.readAt, null);
  await b.client.archive([earlier[1]!]);
  await a.until('the archive from the other device', () => !inbox.snapshot.items.some((i) => i.id === earlier[1]));
  assert.equal(inbox.snapshot.unread, 2);
  await b.client.readAll();
  await a.until('read-all from the other device', () => inbox.snapshot.unread === 0);
  assert.ok(inbox.snapshot.items.every((i) => i.readAt !== null));
  assert.ok(snaps > 0);
  inbox.close();
});

test('recovered:false makes the inbox refetch, and it stays correct afterwards', async () => {
  const userId = newUser('refetch');
  const first = await sendMany(userId, 2, 'r');
  await waitForPersisted(ns.databaseUrl, first);
  const a = open(userId, alive());
  const inbox = createInbox(a.client);
  await inbox.ready;
  assert.equal(inbox.snapshot.loads, 1);

  a.client.reconnect({ cursor: 'not-a-cursor' });
  await a.until('synced recovered:false', () => a.syncs.some((s) => !s.recovered));
  assert.equal(a.syncs.find((s) => !s.recovered)!.reason, 'malformed_cursor');
  await a.until('the refetch', () => inbox.snapshot.loads === 2 && !inbox.snapshot.loading);
  assert.deepEqual(inbox.snapshot.items.map((i) => i.id), [...first].reverse());
  const after = await send(userId, 'after-reset');
  await a.until('a live event after the refetch', () => inbox.snapshot.items[0]?.id === after);
  assert.equal(inbox.snapshot.unread, 3);
  inbox.close();
});

test('token refresh on token_expiring keeps the same connection past several token lifetimes', async () => {
  const userId = newUser('refresh');
  let minted = 0;
  const a = open(userId, alive(), {
    getToken: () => {
      minted += 1;
      return tokenFor(env.authSecret, userId, [], 3); // 3 s tokens; the gateway warns 1 s before expiry
    },
  });
  const first = await a.client.whenLive();
  // Four tokens means the first two have expired while the socket stayed up.
  await a.until('four tokens', () => minted >= 4, 30000);
  const id = await send(userId, 'after-refreshes');
  await a.until('an event after the refreshes', () => a.ids().includes(id));
  assert.equal(a.client.state.state, 'live');
  assert.equal(a.client.state.connectionId, first.connectionId, 'same connection throughout');
  const afterLive = a.states.slice(a.states.findIndex((s) => s.state === 'live'));
  assert.deepEqual([...new Set(afterLive.map((s) => s.state))], ['live'], 'never left live (no reconnect)');
});

test('failover: an unreachable first URL is skipped for a working one', async () => {
  const userId = newUser('failover');
  const dead = await unusedPortUrl();
  const a = open(userId, [dead, alive()[0]!.url]);
  const sync = await a.client.whenLive();
  assert.equal(new URL(sync.url).port, new URL(alive()[0]!.url).port);
  assert.ok(a.states.some((s) => s.state === 'reconnecting' && s.lastClose?.code === 1006), 'the dead URL was tried and failed');
  const id = await send(userId, 'via-failover');
  await a.until('the event', () => a.ids().includes(id));
});

test('resume after a gateway SIGKILL: every event sent meanwhile arrives once, in order, on the other node', async () => {
  const userId = newUser('sigkill');
  const [g0, g1] = alive();
  const a = open(userId, [g0!, g1!]);
  await a.client.whenLive();
  assert.equal(a.client.state.url, a.client.endpoints.streamUrls[0], 'starts on the first node');
  const before = await sendMany(userId, 3, 'before');
  await a.until('the first three', () => a.events.length === 3);

  await g0!.kill();
  const meanwhile = await sendMany(userId, 5, 'meanwhile');
  await a.until('live again on the other node', () => a.client.state.state === 'live' && a.client.state.url === a.client.endpoints.streamUrls[1]);
  const later = await sendMany(userId, 2, 'later');
  await a.until('all ten', () => a.events.length >= 10);
  assert.deepEqual(a.ids(), [...before, ...meanwhile, ...later], 'each once, in log order');
  assert.ok(a.syncs.at(-1)!.recovered);
  await stack.addGateway(); // back to two nodes for the tests below
});

test('close 1001 (graceful drain) resumes at once on the other URL with nothing lost', async () => {
  const userId = newUser('drain');
  const [gA, gB] = alive();
  const a = open(userId, [gA!, gB!]);
  await a.client.whenLive();
  const before = await sendMany(userId, 2, 'before');
  await a.until('two', () => a.events.length === 2);
  const stopped = gA!.stop();
  await a.until('the 1001', () => a.states.some((s) => s.lastClose?.code === 1001));
  const resume = a.states.find((s) => s.lastClose?.code === 1001)!;
  assert.equal(resume.retryInMs, 0, 'no backoff after a drain');
  const meanwhile = await sendMany(userId, 3, 'meanwhile');
  await a.until('all five', () => a.events.length >= 5);
  assert.deepEqual(a.ids(), [...before, ...meanwhile]);
  assert.equal(a.client.state.url, a.client.endpoints.streamUrls[1]);
  await stopped;
  await stack.addGateway();
});

test('replays from an older cursor (redelivery) never reach the app twice', async () => {
  const userId = newUser('dupes');
  const a = open(userId, alive());
  await a.client.whenLive();
  const first = await sendMany(userId, 5, 'e');
  await a.until('five', () => a.events.length === 5);
  const older = a.events[1]!.cursor; // after e-1: the server will resend e-2..e-4

  a.client.reconnect({ cursor: older });
  await a.until('synced after the rewind', () => a.syncs.length >= 2);
  assert.equal(a.syncs.at(-1)!.replayed, 3, 'the server did resend three events');
  assert.equal(a.client.stats.duplicatesDropped, 3, 'and the client dropped all three');
  const next = await send(userId, 'e-5');
  await a.until('the sixth', () => a.events.length === 6);
  assert.deepEqual(a.ids(), [...first, next]);
});

async function unusedPortUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
