import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventMessage } from '@tidings/protocol';
import { TabTransport, type BroadcastChannelFactory } from './tabs.js';
import { eventually, FakeLocks } from './testing/fakes.js';
import type { StateTarget, Transport, TransportMessage } from './transport.js';
import type { StateChange } from './types.js';

/** What a leader tab's socket would be: the test pushes messages into it. */
class FakeSocketTransport implements Transport {
  static made: FakeSocketTransport[] = [];
  readonly listeners = new Set<(m: TransportMessage) => void>();
  readonly served: { kind: string; target: StateTarget }[] = [];
  started = false;
  closed = false;
  state: StateChange = { state: 'connecting', attempt: 0 };
  lastSync = undefined;
  constructor() {
    FakeSocketTransport.made.push(this);
  }
  start() {
    this.started = true;
  }
  subscribe(l: (m: TransportMessage) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async request(kind: string, target: StateTarget) {
    this.served.push({ kind, target });
    return { ids: [`ev-${kind}`] };
  }
  reconnect() {}
  close() {
    this.closed = true;
    this.push({ type: 'state', change: { state: 'closed', attempt: 0 } });
  }
  push(m: TransportMessage) {
    if (m.type === 'state') this.state = m.change;
    for (const l of this.listeners) l(m);
  }
}

const Channel = BroadcastChannel as unknown as BroadcastChannelFactory;
const event = (id: string): TransportMessage => ({
  type: 'event',
  message: { type: 'event', cursor: id, event: { id, type: 'notification.created', userId: 'u', time: '2030-01-01T00:00:00Z', source: 's', data: { category: 'c', title: id } } } as EventMessage,
});

function tab(name: string, locks: FakeLocks) {
  const t = new TabTransport({ name, locks, BroadcastChannel: Channel, createLeader: () => new FakeSocketTransport() });
  const got: TransportMessage[] = [];
  t.subscribe((m) => got.push(m));
  t.start();
  return { t, got, ids: () => got.filter((m) => m.type === 'event').map((m) => (m as { message: EventMessage }).message.event.id) };
}

test('two tabs of one user share one socket: the follower sees the leader\'s events and state', async () => {
  FakeSocketTransport.made = [];
  const locks = new FakeLocks();
  const name = `u1-${Math.random()}`;
  const a = tab(name, locks);
  await eventually(() => a.t.isLeader);
  const b = tab(name, locks);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(FakeSocketTransport.made.length, 1, 'one socket for two tabs');
  assert.equal(b.t.isLeader, false);
  const sock = FakeSocketTransport.made[0]!;
  sock.push({ type: 'state', change: { state: 'live', attempt: 0, url: 'ws://gw' } });
  sock.push(event('e1'));
  sock.push(event('e2'));
  await eventually(() => b.ids().length === 2);
  assert.deepEqual(b.ids(), ['e1', 'e2'], 'in order');
  assert.deepEqual(a.ids(), ['e1', 'e2'], 'the leader tab gets them too');
  assert.equal(b.t.state.state, 'live');
  a.t.close();
  b.t.close();
});

test('a follower\'s request runs on the leader\'s socket and the answer comes back', async () => {
  FakeSocketTransport.made = [];
  const locks = new FakeLocks();
  const name = `u2-${Math.random()}`;
  const a = tab(name, locks);
  await eventually(() => a.t.isLeader);
  const b = tab(name, locks);
  const answer = await b.t.request('read', { ids: ['n1'] }, 2000);
  assert.deepEqual(answer, { ids: ['ev-read'] });
  assert.deepEqual(FakeSocketTransport.made[0]!.served, [{ kind: 'read', target: { ids: ['n1'] } }]);
  a.t.close();
  b.t.close();
});

test('when the leader tab goes, a follower takes over with its own socket; followers never see "closed"', async () => {
  FakeSocketTransport.made = [];
  const locks = new FakeLocks();
  const name = `u3-${Math.random()}`;
  const a = tab(name, locks);
  await eventually(() => a.t.isLeader);
  const b = tab(name, locks);
  await new Promise((r) => setTimeout(r, 20));
  a.t.close();
  await eventually(() => b.t.isLeader);
  assert.equal(FakeSocketTransport.made.length, 2);
  assert.equal(FakeSocketTransport.made[0]!.closed, true, 'the old socket was closed');
  assert.equal(FakeSocketTransport.made[1]!.started, true);
  assert.ok(!b.got.some((m) => m.type === 'state' && m.change.state === 'closed'));
  b.t.close();
});

test('tabs of different users never share', async () => {
  FakeSocketTransport.made = [];
  const locks = new FakeLocks();
  const a = tab(`alice-${Math.random()}`, locks);
  const b = tab(`bob-${Math.random()}`, locks);
  await eventually(() => a.t.isLeader && b.t.isLeader);
  FakeSocketTransport.made[0]!.push(event('for-alice'));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(b.ids(), []);
  a.t.close();
  b.t.close();
});
