import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { SyncedMessage, WelcomeMessage } from '@tidings/protocol';
import { useStack } from '../testing/fixture.js';
import { requestJson } from '../testing/http.js';
import { waitForPersisted } from '../testing/persisted.js';
import { openSocket } from '../testing/ws-client.js';

/**
 * The real path end to end: HTTP → ingest → Kafka → persister → Postgres,
 * and Kafka → gateway → WebSocket, with a resume on the *other* node.
 */
const t = useStack({ gateways: 2 });

const wsUrl = (http: string) => `${http.replace('http', 'ws')}/v1/stream`;

async function send(producerToken: string, userId: string, title: string): Promise<string> {
  const res = await requestJson<{ ids: string[] }>('POST', `${t.stack.ingest.url}/v1/notifications`, {
    token: producerToken,
    body: { userId, data: { category: 'test', title } },
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.ids.length, 1);
  return res.body.ids[0]!;
}

test('a notification flows to Postgres and to the socket, and a resume on the other node gets what was missed', async () => {
  const userId = `alice-${randomBytes(4).toString('hex')}`;
  const producer = await t.token('billing', ['notifications:write']);
  const userToken = await t.token(userId);

  const a = await openSocket(wsUrl(t.stack.gateways[0]!.url));
  a.send({ type: 'hello', token: userToken });
  const welcome = await a.waitFor<WelcomeMessage>((m) => m.type === 'welcome');
  assert.equal(welcome.userId, userId);
  const synced = await a.waitFor<SyncedMessage>((m) => m.type === 'synced');
  assert.equal(synced.recovered, true);

  const first = await send(producer, userId, 'first');
  const [live] = await a.waitForEvents(1);
  assert.equal(live!.event.id, first);
  assert.equal(live!.event.userId, userId);
  assert.equal(live!.replayed, undefined);

  // Persisted once, with its log position.
  await waitForPersisted(t.ns.databaseUrl, [first]);
  const rows = await t.pool.query<{ user_id: string }>('SELECT user_id FROM events WHERE id = $1', [first]);
  assert.deepEqual(rows.rows, [{ user_id: userId }]);

  a.close();
  await a.closed;
  const missed = [await send(producer, userId, 'm1'), await send(producer, userId, 'm2'), await send(producer, userId, 'm3')];

  const b = await openSocket(wsUrl(t.stack.gateways[1]!.url));
  b.send({ type: 'hello', token: userToken, cursor: live!.cursor });
  const resumed = await b.waitFor<SyncedMessage>((m) => m.type === 'synced');
  assert.equal(resumed.recovered, true);
  const got = await b.waitForEvents(3);
  assert.deepEqual(
    got.map((e) => e.event.id),
    missed,
  );
  // A fourth one arrives live after the seam, exactly once.
  const fourth = await send(producer, userId, 'm4');
  const all = await b.waitForEvents(4);
  assert.deepEqual(all.map((e) => e.event.id), [...missed, fourth]);
  b.close();
});
