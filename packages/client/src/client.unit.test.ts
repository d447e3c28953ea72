import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Envelope, EventMessage } from '@tidings/protocol';
import { createClient, type Endpoints } from './client.js';
import type { StateTarget, Transport, TransportMessage } from './transport.js';
import type { StateChange, SyncResult } from './types.js';

/** A transport the test feeds by hand. */
function fakeTransport() {
  const listeners = new Set<(m: TransportMessage) => void>();
  const requests: { kind: string; target: StateTarget }[] = [];
  let state: StateChange = { state: 'connecting', attempt: 0 };
  let lastSync: SyncResult | undefined;
  const t: Transport & { push(m: TransportMessage): void; requests: typeof requests } = {
    get state() {
      return state;
    },
    get lastSync() {
      return lastSync;
    },
    requests,
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    request: async (kind, target) => {
      requests.push({ kind, target });
      return { ids: ['s1'] };
    },
    reconnect: () => undefined,
    close: () => t.push({ type: 'state', change: { state: 'closed', attempt: 0 } }),
    push(m) {
      if (m.type === 'state') state = m.change;
      if (m.type === 'synced') lastSync = m.result;
      for (const l of listeners) l(m);
    },
  };
  return t;
}
const endpoints = {} as Endpoints;

let offset = 0;
function frame(id: string, flags: { replayed?: true; redelivered?: true } = {}): TransportMessage {
  offset += 1;
  const event: Envelope = { id, type: 'notification.created', userId: 'u', time: new Date().toISOString(), source: 's', data: { category: 'c', title: id } };
  return { type: 'event', message: { type: 'event', cursor: `c${offset}`, event, ...flags } };
}
const synced = (recovered = true): TransportMessage => ({
  type: 'synced',
  result: { recovered, replayed: 0, url: 'ws://x', connectionId: 'k', at: 0 },
});

test('events reach the app in transport (log) order, each id once', () => {
  const t = fakeTransport();
  const client = createClient(t, endpoints);
  const got: string[] = [];
  client.on('event', (m: EventMessage) => got.push(m.event.id));
  // First connection: replay of a, b, then live c.
  t.push(frame('a', { replayed: true }));
  t.push(frame('b', { replayed: true }));
  t.push(synced());
  t.push(frame('c'));
  // Reconnect from an older cursor (a seam): b and c come again, then d.
  t.push(frame('b', { replayed: true }));
  t.push(frame('c', { replayed: true }));
  t.push(synced());
  t.push(frame('d'));
  assert.deepEqual(got, ['a', 'b', 'c', 'd']);
  assert.deepEqual({ ...client.stats }, { delivered: 4, duplicatesDropped: 2 });
});

test('redelivered events already seen are dropped; unseen ones are delivered', () => {
  const t = fakeTransport();
  const client = createClient(t, endpoints);
  const got: string[] = [];
  client.on('event', (m) => got.push(m.event.id));
  t.push(frame('a'));
  t.push(frame('a', { redelivered: true }));
  t.push(frame('z', { redelivered: true }));
  assert.deepEqual(got, ['a', 'z']);
  assert.equal(client.stats.duplicatesDropped, 1);
});

test('a throwing listener neither stops other listeners nor later events', () => {
  const t = fakeTransport();
  const errors: unknown[] = [];
  const client = createClient(t, endpoints, { onListenerError: (e) => errors.push(e) });
  const got: string[] = [];
  client.on('event', () => {
    throw new Error('app bug');
  });
  client.on('event', (m) => got.push(m.event.id));
  t.push(frame('a'));
  t.push(frame('b'));
  assert.deepEqual(got, ['a', 'b']);
  assert.equal(errors.length, 2);
});

test('whenLive resolves at synced, at once when already live, and rejects on close', async () => {
  const t = fakeTransport();
  const client = createClient(t, endpoints);
  const p = client.whenLive(1000);
  t.push({ type: 'state', change: { state: 'live', attempt: 0 } });
  t.push(synced(false));
  assert.equal((await p).recovered, false);
  assert.equal((await client.whenLive(10)).recovered, false, 'already live');

  const t2 = fakeTransport();
  const c2 = createClient(t2, endpoints);
  const waiting = c2.whenLive(1000);
  c2.close();
  await assert.rejects(waiting, { code: 'TIDINGS_ERR_CLIENT_CLOSED' });
  await assert.rejects(createClient(fakeTransport(), endpoints).whenLive(20), { code: 'TIDINGS_ERR_CLIENT_TIMEOUT' });
});

test('state requests: ids or all; an empty id list is a no-op', async () => {
  const t = fakeTransport();
  const client = createClient(t, endpoints);
  assert.deepEqual(await client.read([]), { ids: [] });
  await client.read(['n1', 'n2']);
  await client.readAll();
  await client.archive(['n1']);
  assert.deepEqual(t.requests, [
    { kind: 'read', target: { ids: ['n1', 'n2'] } },
    { kind: 'read', target: { all: true } },
    { kind: 'archive', target: { ids: ['n1'] } },
  ]);
});
