import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { SocketTransport, type NetworkSignal, type SocketTransportOptions } from './socket.js';
import { cursorKey, memoryStorage } from './storage.js';
import { fakeToken, FakeSocket, ManualClock, settle } from './testing/fakes.js';
import type { TransportMessage } from './transport.js';
import type { StateChange, WebSocketFactory } from './types.js';

const URLS = ['ws://gw-a/v1/stream', 'ws://gw-b/v1/stream'];
const TOKEN = fakeToken({ sub: 'alice', exp: 2_000_000_000 });

function setup(extra: Partial<SocketTransportOptions> = {}) {
  const clock = new ManualClock();
  const storage = memoryStorage();
  let tokens = 0;
  const messages: TransportMessage[] = [];
  const t = new SocketTransport({
    urls: URLS,
    getToken: () => {
      tokens += 1;
      return TOKEN;
    },
    WebSocket: FakeSocket as unknown as WebSocketFactory,
    storage,
    storageScope: 'test',
    clock,
    backoff: { baseMs: 500, capMs: 8000 },
    healthyAfterMs: 5000,
    ...extra,
  });
  t.subscribe((m) => messages.push(m));
  const states = () => messages.filter((m): m is { type: 'state'; change: StateChange } => m.type === 'state').map((m) => m.change);
  return { t, clock, storage, messages, states, tokens: () => tokens };
}

/** Opens the latest socket and plays welcome (+ synced unless `live: false`). */
function accept(s: FakeSocket, opts: { live?: boolean; heartbeatMs?: number; cursor?: string } = {}): void {
  s.open();
  s.deliver({ type: 'welcome', connectionId: `k${FakeSocket.instances.length}`, userId: 'alice', heartbeatMs: opts.heartbeatMs ?? 25000 });
  if (opts.live !== false) s.deliver({ type: 'synced', cursor: opts.cursor ?? 'sync-0', recovered: true, replayed: 0 });
}
function event(s: FakeSocket, id: string, cursor: string, flags: Record<string, true> = {}): void {
  s.deliver({ type: 'event', cursor, ...flags, event: { id, type: 'notification.created', userId: 'alice', time: '2030-01-01T00:00:00.000Z', source: 's', data: { category: 'c', title: id } } });
}

beforeEach(() => FakeSocket.reset());

test('connects, says hello with the token, goes live, and keeps the cursor per user in storage', async () => {
  const { t, storage, states } = setup();
  t.start();
  await settle();
  const s = FakeSocket.last();
  assert.equal(s.url, URLS[0]);
  assert.deepEqual(s.protocols, ['tidings.v1']);
  accept(s);
  assert.deepEqual(s.sent[0], { type: 'hello', token: TOKEN }, 'no cursor on a first connection');
  event(s, 'e1', 'cur-1');
  event(s, 'e2', 'cur-2');
  await settle();
  assert.deepEqual(states().map((c) => c.state), ['connecting', 'syncing', 'live']);
  assert.equal(storage.values.get(cursorKey('test', 'alice')), 'cur-2');
});

test('a dropped socket resumes on the next URL from the last cursor after a jittered backoff', async () => {
  const { t, clock, states } = setup();
  t.start();
  await settle();
  const a = FakeSocket.last();
  accept(a);
  event(a, 'e1', 'cur-1');
  a.drop(1006);
  const waiting = states().at(-1)!;
  assert.equal(waiting.state, 'reconnecting');
  assert.equal(waiting.retryInMs, 250, 'random 0.5 × window 500 ms');
  assert.deepEqual(waiting.lastClose, { code: 1006, reason: '' });
  clock.advance(249);
  await settle();
  assert.equal(FakeSocket.instances.length, 1, 'no attempt before the delay');
  clock.advance(1);
  await settle();
  const b = FakeSocket.last();
  assert.equal(b.url, URLS[1]);
  b.open();
  assert.deepEqual(b.sent[0], { type: 'hello', token: TOKEN, cursor: 'cur-1' });
});

test('consecutive failures widen the window up to the cap; a healthy connection starts it over', async () => {
  const { t, clock, states } = setup();
  t.start();
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    await settle();
    FakeSocket.last().drop(1006);
    const s = states().at(-1)!;
    delays.push(s.retryInMs!);
    clock.advance(s.retryInMs!);
  }
  assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 4000], 'half of 500·2^n, capped at 8000');
  await settle();
  accept(FakeSocket.last());
  clock.advance(5000); // live for healthyAfterMs
  FakeSocket.last().drop(1006);
  assert.equal(states().at(-1)!.retryInMs, 250, 'back to the first window');
});

test('1001 (node going away) and 4009 (too slow) after a working connection resume at once elsewhere', async () => {
  for (const code of [1001, 4009]) {
    FakeSocket.reset();
    const { t, clock, states } = setup();
    t.start();
    await settle();
    accept(FakeSocket.last());
    event(FakeSocket.last(), 'e1', 'cur-1');
    FakeSocket.last().drop(code, 'bye');
    assert.equal(states().at(-1)!.retryInMs, 0, `code ${code}`);
    clock.advance(0);
    await settle();
    assert.equal(FakeSocket.instances.length, 2);
    assert.equal(FakeSocket.last().url, URLS[1]);
    t.close();
  }
});

test('a node refusing at the door with 1001 gets the backoff (two draining nodes cannot spin)', async () => {
  const { t, states } = setup();
  t.start();
  await settle();
  FakeSocket.last().open();
  FakeSocket.last().drop(1001, 'draining');
  assert.equal(states().at(-1)!.retryInMs, 250);
});

test('watchdog: pings while idle, gives up after two silent heartbeats and reconnects', async () => {
  const { t, clock, states } = setup();
  t.start();
  await settle();
  const s = FakeSocket.last();
  accept(s, { heartbeatMs: 1000 });
  clock.advance(500);
  assert.deepEqual(s.sent.at(-1), { type: 'ping' }, 'keepalive after half a heartbeat idle');
  s.deliver({ type: 'pong' });
  clock.advance(1000);
  assert.equal(s.closedByClient, undefined, 'traffic (pong) keeps it alive');
  clock.advance(999);
  assert.equal(s.closedByClient, undefined, 'not yet two heartbeats since the pong');
  clock.advance(1);
  assert.ok(s.closedByClient, 'silent for 2 × heartbeat: abandoned');
  const gaveUp = states().at(-1)!;
  assert.equal(gaveUp.state, 'reconnecting');
  assert.equal(gaveUp.lastClose!.reason, 'heartbeat timeout');
});

test('no welcome in time: the socket is abandoned and retried', async () => {
  const { t, clock, states } = setup({ welcomeTimeoutMs: 3000 });
  t.start();
  await settle();
  FakeSocket.last().open();
  clock.advance(3000);
  assert.ok(FakeSocket.last().closedByClient);
  assert.equal(states().at(-1)!.lastClose!.reason, 'no welcome in time');
});

test('token_expiring: a fresh token is sent as refresh on the same socket', async () => {
  const { t, tokens } = setup();
  t.start();
  await settle();
  const s = FakeSocket.last();
  accept(s);
  assert.equal(tokens(), 1);
  s.deliver({ type: 'token_expiring', inMs: 60000 });
  await settle();
  assert.equal(tokens(), 2);
  const refresh = s.sent.at(-1)!;
  assert.equal(refresh['type'], 'refresh');
  assert.equal(refresh['token'], TOKEN);
  s.deliver({ type: 'result', id: refresh['id'], ok: true });
  await settle();
  assert.equal(FakeSocket.instances.length, 1, 'no reconnect');
});

test('requests wait for welcome, are written once, and settle by id', async () => {
  const { t, clock } = setup();
  t.start();
  const early = t.request('read', { ids: ['n1'] }, 5000);
  await settle();
  const s = FakeSocket.last();
  s.open();
  assert.equal(s.sent.length, 1, 'only hello before welcome');
  accept(s, { live: false });
  const req = s.sent.at(-1)!;
  assert.deepEqual({ ...req, id: undefined }, { type: 'read', ids: ['n1'], id: undefined });
  s.deliver({ type: 'result', id: req['id'], ok: true, data: { ids: ['ev1'] } });
  assert.deepEqual(await early, { ids: ['ev1'] });

  const bad = t.request('archive', { ids: ['n2'] }, 5000);
  s.deliver({ type: 'error', id: s.sent.at(-1)!['id'], code: 'TIDINGS_ERR_UNAVAILABLE', message: 'retry' });
  await assert.rejects(bad, { code: 'TIDINGS_ERR_UNAVAILABLE' });

  const lost = t.request('read', { all: true }, 5000);
  s.drop(1006);
  await assert.rejects(lost, { code: 'TIDINGS_ERR_CLIENT_CONNECTION_LOST' });

  const slow = t.request('seen', { ids: ['n3'] }, 1000);
  clock.advance(1000);
  await assert.rejects(slow, { code: 'TIDINGS_ERR_CLIENT_TIMEOUT' });
});

test('a redelivered event does not move the cursor back', async () => {
  const { t, storage, clock } = setup();
  t.start();
  await settle();
  const a = FakeSocket.last();
  accept(a);
  event(a, 'e5', 'cur-5');
  event(a, 'e2', 'cur-2', { redelivered: true });
  await settle();
  assert.equal(storage.values.get(cursorKey('test', 'alice')), 'cur-5');
  a.drop(1006);
  clock.advance(1000);
  await settle();
  FakeSocket.last().open();
  assert.equal(FakeSocket.last().sent[0]!['cursor'], 'cur-5');
});

test('the stored cursor of this user is resumed from; another user\'s never is', async () => {
  const storage = memoryStorage();
  await storage.set(cursorKey('test', 'alice'), 'alice-cur');
  await storage.set(cursorKey('test', 'bob'), 'bob-cur');
  const { t } = setup({ storage });
  t.start();
  await settle();
  FakeSocket.last().open();
  assert.equal(FakeSocket.last().sent[0]!['cursor'], 'alice-cur');
});

test('offline: no attempts until the network is back, then one at once', async () => {
  let online = true;
  let notify: (o: boolean) => void = () => undefined;
  const network: NetworkSignal = { online: () => online, subscribe: (l) => ((notify = l), () => undefined) };
  const { t, states, clock } = setup({ network });
  t.start();
  await settle();
  accept(FakeSocket.last());
  online = false;
  notify(false);
  FakeSocket.last().drop(1006);
  assert.equal(states().at(-1)!.state, 'offline');
  clock.advance(60000);
  await settle();
  assert.equal(FakeSocket.instances.length, 1, 'no retries while offline');
  online = true;
  notify(true);
  await settle();
  assert.equal(FakeSocket.instances.length, 2);
  assert.equal(states().at(-1)!.state, 'connecting');
});

test('close() ends everything: no reconnect, pending requests rejected', async () => {
  const { t, clock, states } = setup();
  t.start();
  const pending = t.request('read', { ids: ['x'] }, 5000);
  await settle();
  t.close();
  await assert.rejects(pending, { code: 'TIDINGS_ERR_CLIENT_CLOSED' });
  clock.advance(60000);
  await settle();
  assert.equal(FakeSocket.instances.length, 1);
  assert.equal(states().at(-1)!.state, 'closed');
});
