import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readEpoch } from '@tidings/db';
import { createAtomicSender, createKafka, EVENTS_PARTITIONS, partitionFor } from '@tidings/kafka';
import { decodeCursor, encodeCursor, type EventMessage, type ResultMessage } from '@tidings/protocol';
import {
  requestJson,
  useStack,
  waitForPersisted,
} from '@tidings/testkit';
import { publishRedeliver } from '../control.js';
import { connect, eventually, idsOf, metric, produce, produceTo, splitAtSynced, uniqueUser, userLog } from './helpers.js';

/**
 * Live delivery, resume, multi-device state sync, redelivery and metrics on
 * two gateway nodes over real sockets, with Kafka and Postgres underneath.
 */
const t = useStack({ gateways: 2, poolMax: 2 });
let producer: string;
let epoch: string;

before(async () => {
  await t.ready();
  producer = await t.token('billing', ['notifications:write']);
  epoch = await readEpoch(t.pool);
});

const A = () => t.stack.gateways[0]!.url;
const B = () => t.stack.gateways[1]!.url;
const userToken = (userId: string) => t.token(userId);

test('live events reach only their user, in order, on every socket of the user across both nodes', async () => {
  const alice = uniqueUser('alice');
  const bob = uniqueUser('bob');
  const [ta, tb] = await Promise.all([userToken(alice), userToken(bob)]);
  const sockets = await Promise.all([connect(A(), ta), connect(A(), ta), connect(B(), ta)]);
  const bobs = await connect(A(), tb);

  // Interleaved recipients in each batch: 30 for alice, 10 for bob.
  const recipients = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? bob : alice));
  const ids = [...(await produceTo(t.stack.ingest.url, producer, recipients.slice(0, 20))), ...(await produceTo(t.stack.ingest.url, producer, recipients.slice(20)))];
  const aliceIds = ids.filter((_, i) => recipients[i] === alice);
  const bobIds = ids.filter((_, i) => recipients[i] === bob);

  for (const { socket } of sockets) {
    const got = await socket.waitForEvents(30);
    assert.deepEqual(idsOf(got), aliceIds);
    assert.ok(got.every((e) => e.event.userId === alice && e.replayed === undefined));
  }
  assert.deepEqual(idsOf(await bobs.socket.waitForEvents(10)), bobIds);
  // Nothing more arrives: a final marker event for each proves the streams are drained, with no stray extra.
  const [markA, markB] = await produceTo(t.stack.ingest.url, producer, [alice, bob]);
  for (const { socket } of sockets) assert.deepEqual(idsOf(await socket.waitForEvents(31)), [...aliceIds, markA]);
  assert.deepEqual(idsOf(await bobs.socket.waitForEvents(11)), [...bobIds, markB]);
  for (const s of [...sockets, bobs]) s.socket.close();
});

test('resume after missing 1,000 events, on the other node: exactly the log, then live', async () => {
  const user = uniqueUser('away');
  const token = await userToken(user);
  const first = await connect(A(), token);
  const [seed] = await produce(t.stack.ingest.url, producer, user, 1);
  const [live] = await first.socket.waitForEvents(1);
  assert.equal(live!.event.id, seed);
  first.socket.close();
  await first.socket.closed;

  // The user's other device stays online on B. Once it has the 1,000 events,
  // B's feed has dispatched them, so the resume below must bring them all from
  // Postgres before `synced` (a node whose feed lags would instead deliver
  // the tail live after `synced` — also gap-free, see docs/gateway.md).
  const other = await connect(B(), token);
  const missed = await produce(t.stack.ingest.url, producer, user, 1000);
  assert.deepEqual(idsOf(await other.socket.waitForEvents(1000, 60000)), missed);
  const back = await connect(B(), token, live!.cursor, 60000);
  const { replayed, synced } = splitAtSynced(back.socket);
  assert.equal(synced?.recovered, true);
  assert.equal(synced?.replayed, 1000);
  assert.deepEqual(idsOf(replayed), missed);
  assert.ok(replayed.every((e) => e.replayed === true));
  const log = await userLog(t.pool, user);
  assert.deepEqual(log, [seed, ...missed]);

  const [after1] = await produce(t.stack.ingest.url, producer, user, 1);
  const all = await back.socket.waitForEvents(1001);
  assert.deepEqual(idsOf(all), [...missed, after1]);
  assert.equal(all[1000]!.replayed, undefined);
  assert.equal(splitAtSynced(back.socket).live.length, 1);
  back.socket.close();
  other.socket.close();
});

test('cursors that cannot be honoured give synced{recovered:false, reason} and never another user\'s data', async () => {
  const alice = uniqueUser('alice');
  const token = await userToken(alice);
  const partition = partitionFor(alice, EVENTS_PARTITIONS);
  // Someone else in alice's partition, and someone in another partition, both with history.
  let neighbour = uniqueUser('neighbour');
  while (partitionFor(neighbour, EVENTS_PARTITIONS) !== partition) neighbour = uniqueUser('neighbour');
  let stranger = uniqueUser('stranger');
  while (partitionFor(stranger, EVENTS_PARTITIONS) === partition) stranger = uniqueUser('stranger');
  // Alice's other device stays online on A. Once it has her events, A's feed
  // has dispatched them, so the cursor-less resumes on A below cannot get
  // them live after `synced` (persisted alone would not say that: each node
  // reads Kafka on its own, and A's feed may still be behind the persister).
  const watcher = await connect(A(), token);
  const others = [...(await produce(t.stack.ingest.url, producer, neighbour, 3)), ...(await produce(t.stack.ingest.url, producer, stranger, 3))];
  const mine = await produce(t.stack.ingest.url, producer, alice, 2);
  assert.deepEqual(idsOf(await watcher.socket.waitForEvents(2)), mine);
  await waitForPersisted(t.ns.databaseUrl, [...others, ...mine]);

  const cases: [string, string][] = [
    ['not a cursor!', 'malformed_cursor'],
    [Buffer.from('c1.nope').toString('base64url'), 'malformed_cursor'],
    [encodeCursor({ epoch: `${epoch}x`, partition, offset: -1n }), 'unknown_epoch'],
    [encodeCursor({ epoch, partition: partitionFor(stranger, EVENTS_PARTITIONS), offset: -1n }), 'partition_changed'],
    [encodeCursor({ epoch, partition, offset: 10n ** 12n }), 'cursor_ahead'],
  ];
  for (const [cursor, reason] of cases) {
    const c = await connect(A(), token, cursor);
    assert.equal(c.synced.recovered, false, reason);
    assert.equal(c.synced.reason, reason);
    assert.equal(splitAtSynced(c.socket).replayed.length, 0, `${reason}: nothing replayed`);
    assert.equal(c.synced.replayed, 0, reason);
    // The stream is live from here.
    const [next] = await produce(t.stack.ingest.url, producer, alice, 1);
    assert.deepEqual(idsOf(await c.socket.waitForEvents(1)), [next]);
    mine.push(next!);
    c.socket.close();
  }
  watcher.socket.close();

  // A cursor at the very start of alice's partition replays alice's events only, not her neighbour's.
  // The last `next` was just delivered on A; B's feed may not have read it
  // yet, and then it comes live right after `synced` (docs/protocol.md):
  // wait for the events, then a marker proves nothing else follows.
  const fromStart = await connect(B(), token, encodeCursor({ epoch, partition, offset: -1n }));
  assert.equal(fromStart.synced.recovered, true);
  const [marker] = await produce(t.stack.ingest.url, producer, alice, 1);
  mine.push(marker!);
  assert.deepEqual(idsOf(await fromStart.socket.waitForEvents(mine.length)), mine);
  const { replayed, live } = splitAtSynced(fromStart.socket);
  assert.equal(fromStart.synced.replayed, replayed.length);
  assert.ok(replayed.every((e) => e.replayed === true) && live.every((e) => e.replayed === undefined));
  await waitForPersisted(t.ns.databaseUrl, mine);
  assert.deepEqual(await userLog(t.pool, alice), mine);
  fromStart.socket.close();

  // No cursor: synced at the current position, no replay (the marker may still come live).
  const fresh = await connect(A(), token);
  assert.equal(fresh.synced.recovered, true);
  assert.equal(fresh.synced.reason, undefined);
  const pos = decodeCursor(fresh.synced.cursor);
  assert.ok(pos.ok && pos.position.partition === partition && pos.position.epoch === epoch);
  assert.equal(splitAtSynced(fresh.socket).replayed.length, 0);
  assert.equal(fresh.synced.replayed, 0);
  fresh.socket.close();
});

test('resume right after another node delivered an event: it arrives once, in order, on whichever side of synced', async (ctx) => {
  const user = uniqueUser('lagging');
  const token = await userToken(user);
  const onA = await connect(A(), token);
  await produce(t.stack.ingest.url, producer, user, 1);
  let cursor = (await onA.socket.waitForEvents(1))[0]!.cursor;
  // Each node reads Kafka on its own: at B's hello, B's feed may not have
  // read what A just delivered (a few per cent of rounds on a quiet machine).
  let late = 0;
  for (let round = 0; round < 20; round++) {
    const [id] = await produce(t.stack.ingest.url, producer, user, 1);
    await onA.socket.waitFor((m) => m.type === 'event' && m.event.id === id);
    const b = await connect(B(), token, cursor);
    assert.equal(b.synced.recovered, true);
    if (splitAtSynced(b.socket).replayed.length === 0) late += 1;
    // A marker after it: the resumed stream is exactly [id, marker].
    const [marker] = await produce(t.stack.ingest.url, producer, user, 1);
    assert.deepEqual(idsOf(await b.socket.waitForEvents(2)), [id, marker], `round ${round}`);
    const onAMarker = await onA.socket.waitFor<EventMessage>((m) => m.type === 'event' && m.event.id === marker);
    cursor = onAMarker.cursor;
    b.socket.close();
  }
  ctx.diagnostic(`${late} of 20 rounds got the event live after synced`);
  onA.socket.close();
});

test('a read on one device reaches the other as a state event, and the inbox shows it', async () => {
  const user = uniqueUser('twodev');
  const token = await userToken(user);
  const phone = await connect(A(), token);
  const laptop = await connect(B(), token);
  const [n1, n2] = await produce(t.stack.ingest.url, producer, user, 2);
  await phone.socket.waitForEvents(2);
  await laptop.socket.waitForEvents(2);

  phone.socket.send({ type: 'read', id: 'req-1', ids: [n1] });
  const result = await phone.socket.waitFor<ResultMessage>((m) => m.type === 'result' && m.id === 'req-1');
  assert.equal(result.ok, true);
  const [stateId] = (result.data as { ids: string[] }).ids;
  const readEvent = await laptop.socket.waitFor<EventMessage>((m) => m.type === 'event' && m.event.type === 'notification.read');
  assert.equal(readEvent.event.id, stateId);
  assert.deepEqual(readEvent.event.data, { notificationId: n1 });
  // The phone sees its own state event too: every device stays in sync.
  await phone.socket.waitFor((m) => m.type === 'event' && m.event.id === stateId);

  await waitForPersisted(t.ns.databaseUrl, [stateId!]);
  const inbox = await requestJson<{ items: { id: string; readAt: string | null }[]; unread: number }>('GET', `${A()}/v1/me/notifications`, { token });
  assert.equal(inbox.status, 200);
  const byId = new Map(inbox.body.items.map((i) => [i.id, i]));
  assert.ok(byId.get(n1!)?.readAt, 'n1 is read');
  assert.equal(byId.get(n2!)?.readAt, null);
  assert.equal(inbox.body.unread, 1);
  const count = await requestJson<{ unread: number }>('GET', `${B()}/v1/me/unread-count`, { token });
  assert.deepEqual(count.body, { unread: 1 });

  // Bad requests over the socket get an error with the request id; the socket stays.
  phone.socket.send({ type: 'read', id: 'req-2', ids: [n1], all: true });
  const err = await phone.socket.waitFor((m) => m.type === 'error' && m.id === 'req-2');
  assert.equal((err as { code: string }).code, 'TIDINGS_ERR_VALIDATION');
  phone.socket.send({ type: 'ping', id: 'p' });
  await phone.socket.waitFor((m) => m.type === 'pong' && m.id === 'p');
  phone.socket.close();
  laptop.socket.close();
});

test('the inbox API is always the token\'s own user', async () => {
  const alice = uniqueUser('alice');
  const mallory = uniqueUser('mallory');
  const ids = await produce(t.stack.ingest.url, producer, alice, 2);
  await waitForPersisted(t.ns.databaseUrl, ids);
  const tm = await userToken(mallory);
  const own = await requestJson<{ items: unknown[]; unread: number }>('GET', `${A()}/v1/me/notifications`, { token: tm });
  assert.equal(own.status, 200);
  assert.deepEqual([own.body.items, own.body.unread], [[], 0]);
  const sneaky = await requestJson('GET', `${A()}/v1/me/notifications?userId=${alice}`, { token: tm });
  assert.equal(sneaky.status, 400);
  const ta = await userToken(alice);
  const hers = await requestJson<{ items: { id: string }[] }>('GET', `${A()}/v1/me/notifications`, { token: ta });
  assert.deepEqual(hers.body.items.map((i) => i.id).sort(), [...ids].sort());
});

test('ops redeliver reaches the user\'s socket on whichever node holds it, flagged redelivered, in order', async () => {
  const user = uniqueUser('redeliver');
  const token = await userToken(user);
  // One request each, so the events have distinct times (a batch shares one).
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(...(await produce(t.stack.ingest.url, producer, user, 1)));
  await waitForPersisted(t.ns.databaseUrl, ids);
  const onB = await connect(B(), token);
  const kafka = createKafka({ brokers: t.ns.brokers.split(','), clientId: 'gateway-e2e-ops' });
  const sender = createAtomicSender({ kafka, transactionalId: `${t.ns.topicPrefix}gateway-e2e-ops-${process.pid}` });
  try {
    await sender.connect();
    const log = await t.pool.query<{ offset: string }>('SELECT "offset"::text AS offset FROM events WHERE id = $1', [ids[1]]);
    const partition = partitionFor(user, EVENTS_PARTITIONS);
    const cursor = encodeCursor({ epoch, partition, offset: BigInt(log.rows[0]!.offset) });
    await publishRedeliver(sender, t.ns.topics.control, { type: 'redeliver', requestId: 'rq-1', userId: user, fromCursor: cursor });
    const got = await onB.socket.waitForEvents(3);
    assert.deepEqual(idsOf(got), ids.slice(2));
    assert.ok(got.every((e) => e.redelivered === true));

    const time = await t.pool.query<{ time: Date }>('SELECT time FROM events WHERE id = $1', [ids[3]]);
    await publishRedeliver(sender, t.ns.topics.control, { type: 'redeliver', requestId: 'rq-2', userId: user, fromTime: time.rows[0]!.time.toISOString() });
    const since = await t.pool.query<{ id: string }>('SELECT id FROM events WHERE user_id = $1 AND time >= $2 ORDER BY "offset"', [user, time.rows[0]!.time]);
    assert.deepEqual(since.rows.map((r) => r.id), ids.slice(3));
    const more = await onB.socket.waitForEvents(5);
    assert.deepEqual(idsOf(more.slice(3)), ids.slice(3));
    assert.ok(more.every((e) => e.redelivered === true));

    // A malformed command is refused before it reaches Kafka.
    await assert.rejects(
      publishRedeliver(sender, t.ns.topics.control, { type: 'redeliver', requestId: 'rq-3', userId: user }),
      (e: Error & { code?: string }) => e.code === 'TIDINGS_ERR_VALIDATION',
    );
    // Both nodes consumed both commands; only B had a socket for the user.
    await eventually(async () => {
      const [b, a] = await Promise.all([
        metric(B(), 'tidings_gateway_redeliveries_total', { outcome: 'delivered' }),
        metric(A(), 'tidings_gateway_redeliveries_total', { outcome: 'no_sockets' }),
      ]);
      return b >= 2 && a >= 2;
    }, 'both nodes to handle both commands');
  } finally {
    await sender.close();
    onB.socket.close();
  }
});

test('/metrics exposes connections, delivery latency, resumes and replay sizes after traffic', async () => {
  const user = uniqueUser('metrics');
  const token = await userToken(user);
  const c = await connect(A(), token);
  await produce(t.stack.ingest.url, producer, user, 3);
  const got = await c.socket.waitForEvents(3);
  const text = await (await fetch(`${A()}/metrics`)).text();
  for (const name of [
    'tidings_gateway_connections',
    'tidings_gateway_events_out_total',
    'tidings_gateway_delivery_seconds_bucket',
    'tidings_gateway_resumes_total',
    'tidings_gateway_resume_events_bucket',
    'tidings_gateway_resume_seconds_bucket',
    'tidings_gateway_slow_disconnects_total',
    'tidings_gateway_rate_limited_total',
    'tidings_gateway_heartbeat_timeouts_total',
    'tidings_gateway_redeliveries_total',
    'tidings_gateway_feed_lag_records',
  ]) {
    assert.match(text, new RegExp(`^${name}`, 'm'), name);
  }
  assert.ok((await metric(A(), 'tidings_gateway_connections')) >= 1);
  assert.ok((await metric(A(), 'tidings_gateway_events_out_total')) >= 3);
  assert.ok((await metric(A(), 'tidings_gateway_delivery_seconds_count')) >= 3);
  assert.ok((await metric(A(), 'tidings_gateway_resumes_total', { recovered: 'false', reason: 'cursor_ahead' })) >= 1);

  // One resume with a known replay size moves the resume metrics by exactly that.
  const sample = async () => ({
    sum: await metric(B(), 'tidings_gateway_resume_events_sum'),
    count: await metric(B(), 'tidings_gateway_resume_events_count'),
    seconds: await metric(B(), 'tidings_gateway_resume_seconds_count'),
    recovered: await metric(B(), 'tidings_gateway_resumes_total', { recovered: 'true' }),
  });
  const before1 = await sample();
  const resumed = await connect(B(), token, got[0]!.cursor);
  const after1 = await sample();
  assert.equal(resumed.synced.replayed, splitAtSynced(resumed.socket).replayed.length);
  assert.deepEqual(
    [after1.sum - before1.sum, after1.count - before1.count, after1.seconds - before1.seconds, after1.recovered - before1.recovered],
    [resumed.synced.replayed, 1, 1, 1],
  );
  c.socket.close();
  resumed.socket.close();
});
