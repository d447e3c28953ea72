import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventMessage, SyncedMessage, WelcomeMessage } from '@tidings/protocol';
import {
  openSocket,
  useStack,
  waitForPersisted,
} from '@tidings/testkit';
import { connect, idsOf, produce, splitAtSynced, uniqueUser, userLog, wsUrl } from './helpers.js';

/**
 * Resume when things go wrong: the persister is down, a node is SIGKILLed
 * mid-stream, a node shuts down gracefully. In each case the client ends
 * with exactly its user's log.
 */
const t = useStack({ gateways: 2, poolMax: 2 });
let producer: string;

before(async () => {
  await t.ready();
  producer = await t.token('billing', ['notifications:write']);
});

/** Every event a client saw across its connections, deduplicated by nothing: duplicates must show. */
const received = (...sockets: { events(): EventMessage[] }[]) => sockets.flatMap((s) => idsOf(s.events()));

test('resume while the persister is stopped: synced waits for the watermark, then the sequence is exact', async () => {
  const user = uniqueUser('nopersister');
  const token = await t.token(user);
  const first = await connect(t.stack.gateways[0]!.url, token);
  const before1 = await produce(t.stack.ingest.url, producer, user, 5);
  const got1 = await first.socket.waitForEvents(5);
  await waitForPersisted(t.ns.databaseUrl, before1);
  const cursor = got1.at(-1)!.cursor;
  first.socket.close();
  await first.socket.closed;

  // The user's other device stays online on B: once it has the missed events,
  // B's feed is ahead of Postgres — the case the watermark wait exists for.
  const other = await connect(t.stack.gateways[1]!.url, token);
  assert.equal(await t.stack.persister.stop(), 0, 'persister stops cleanly');
  const missed = await produce(t.stack.ingest.url, producer, user, 20);
  let back: Awaited<ReturnType<typeof openSocket>>;
  let during: string[];
  try {
    assert.deepEqual(idsOf(await other.socket.waitForEvents(20)), missed);
    back = await openSocket(wsUrl(t.stack.gateways[1]!.url));
    back.send({ type: 'hello', token, cursor });
    await back.waitFor<WelcomeMessage>((m) => m.type === 'welcome');
    // A live event arriving while the replay waits is held back, not sent ahead of the gap.
    during = await produce(t.stack.ingest.url, producer, user, 1);
    await other.socket.waitForEvents(21);
    // The window in which a gateway that did not wait for the watermark would
    // have replied: nothing can be awaited for an absence.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(back.messages.filter((m) => m.type === 'synced').length, 0, 'no synced while Postgres lacks the missed events');
    assert.equal(back.events().length, 0, 'nothing out of order while waiting');
  } finally {
    // Later tests need a persister whatever happened here.
    await t.stack.restartPersister();
  }
  other.socket.close();
  const synced = await back.waitFor<SyncedMessage>((m) => m.type === 'synced', 60000);
  assert.equal(synced.recovered, true);
  const all = await back.waitForEvents(21);
  assert.deepEqual(idsOf(all), [...missed, ...during]);
  const split = splitAtSynced(back);
  assert.deepEqual(idsOf(split.replayed), missed);
  assert.deepEqual(idsOf(split.live), during);
  assert.deepEqual(await userLog(t.pool, user), [...before1, ...missed, ...during]);
  back.close();
});

test('resume on node B after node A is SIGKILLed mid-stream: the received sequence equals the log', async () => {
  const user = uniqueUser('survivor');
  const token = await t.token(user);
  const onA = await connect(t.stack.gateways[0]!.url, token);

  // A producer loop runs throughout: small batches, one after another.
  const accepted: string[] = [];
  let stop = false;
  const loop = (async () => {
    while (!stop) accepted.push(...(await produce(t.stack.ingest.url, producer, user, 3)));
  })();

  await onA.socket.waitForEvents(30);
  await t.stack.gateways[0]!.kill();
  const closed = await onA.socket.closed;
  assert.equal(closed.code, 1006, 'a killed node sends no close frame');
  const last = onA.socket.events().at(-1)!;

  const onB = await connect(t.stack.gateways[1]!.url, token, last.cursor, 60000);
  assert.equal(onB.synced.recovered, true);
  const seen = onB.socket.events().length;
  await onB.socket.waitForEvents(seen + 30);
  stop = true;
  await loop;
  await waitForPersisted(t.ns.databaseUrl, accepted);
  const log = await userLog(t.pool, user);
  assert.deepEqual(log, accepted, 'the log holds every accepted event once, in order');
  await onB.socket.waitForEvents(log.length - onA.socket.events().length, 30000);
  assert.deepEqual(received(onA.socket, onB.socket), log);
  onB.socket.close();
});

test('SIGTERM closes a node\'s sockets with 1001; its clients resume elsewhere without loss', async () => {
  const node = await t.stack.addGateway();
  const user = uniqueUser('graceful');
  const token = await t.token(user);
  const a = await connect(node.url, token);
  const b = await connect(node.url, token);
  const ids = await produce(t.stack.ingest.url, producer, user, 3);
  await a.socket.waitForEvents(3);
  await b.socket.waitForEvents(3);

  const exited = node.stop();
  const [ca, cb] = await Promise.all([a.socket.closed, b.socket.closed]);
  assert.equal(ca.code, 1001);
  assert.equal(cb.code, 1001);
  assert.equal(await exited, 0, 'the node exits cleanly');

  const more = await produce(t.stack.ingest.url, producer, user, 2);
  const resumed = await connect(t.stack.gateways[1]!.url, token, a.socket.events().at(-1)!.cursor);
  assert.equal(resumed.synced.recovered, true);
  assert.deepEqual(idsOf(await resumed.socket.waitForEvents(2)), more);
  assert.deepEqual([...idsOf(a.socket.events()), ...idsOf(resumed.socket.events())], [...ids, ...more]);
  resumed.socket.close();
});
