import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ErrorMessage, EventMessage, ResultMessage, StateAccepted, WelcomeMessage } from '@tidings/protocol';
import { openSocket, requestJson, useStack, waitForPersisted } from '@tidings/testkit';
import { connect, produce, uniqueUser, wsUrl } from './helpers.js';

/**
 * What one end user can make the platform do: state requests touch only the
 * user's own notifications, writes and reads have per-user budgets, and the
 * token's subject must be a userId. Real processes, Kafka and Postgres.
 */
const t = useStack({
  gateways: 1,
  poolMax: 2,
  extraEnv: {
    gateway: {
      GATEWAY_USER_WRITES_PER_SEC: '2',
      GATEWAY_USER_WRITE_BURST: '20',
      GATEWAY_USER_READS_PER_SEC: '1',
      GATEWAY_USER_READ_BURST: '5',
      // Long enough to restart the persister within it (the live-race test).
      GATEWAY_STATE_RECHECK_MS: '20000',
    },
  },
});
let producer: string;

before(async () => {
  await t.ready();
  producer = await t.token('billing', ['notifications:write']);
});

const GW = () => t.stack.gateways[0]!.url;
const post = (kind: string, token: string, body: unknown) => requestJson<StateAccepted & { code?: string }>('POST', `${GW()}/v1/me/notifications/${kind}`, { token, body });

/** Says hello (the token in `hello` or in the URL) and resolves with the close, or 'welcome'. */
async function helloOutcome(token: string, inUrl: boolean): Promise<{ code: number; reason: string } | 'welcome'> {
  const socket = await openSocket(wsUrl(GW(), inUrl ? `?token=${encodeURIComponent(token)}` : ''));
  socket.send(inUrl ? { type: 'hello' } : { type: 'hello', token });
  const outcome = await Promise.race([socket.closed, socket.waitFor<WelcomeMessage>((m) => m.type === 'welcome').then(() => 'welcome' as const)]);
  socket.close();
  return outcome;
}

/** State events in the mirror that name any of `notificationIds`. */
async function stateRowsFor(notificationIds: readonly string[]): Promise<number> {
  const r = await t.pool.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM events WHERE type <> 'notification.created' AND data->>'notificationId' = ANY($1::text[])",
    [notificationIds],
  );
  return Number(r.rows[0]!.n);
}

test("state requests write events only for the caller's own notifications; others' and unknown ids are ignored and never reach the mirror", async () => {
  const ann = uniqueUser('ann');
  const bob = uniqueUser('bob');
  const [a1, a2] = await produce(t.stack.ingest.url, producer, ann, 2);
  const [b1] = await produce(t.stack.ingest.url, producer, bob, 1);
  await waitForPersisted(t.ns.databaseUrl, [a1!, a2!, b1!]);
  const token = await t.token(ann);
  const unknown = `no-such-${randomUUID()}`;

  const http = await post('read', token, { ids: [a1, b1, unknown, a1] });
  assert.equal(http.status, 202, JSON.stringify(http.body));
  assert.equal(http.body.ids.length, 1, 'one event, for ann\'s own a1 (named twice)');
  assert.deepEqual(http.body.ignored, [b1, unknown]);

  const s = await connect(GW(), token);
  s.socket.send({ type: 'archive', id: 'arch', ids: [b1, a2] });
  const result = await s.socket.waitFor<ResultMessage>((m) => m.type === 'result' && m.id === 'arch');
  const data = result.data as StateAccepted;
  assert.equal(data.ids.length, 1);
  assert.deepEqual(data.ignored, [b1]);
  s.socket.close();

  await waitForPersisted(t.ns.databaseUrl, [...http.body.ids, ...data.ids]);
  assert.equal(await stateRowsFor([b1!, unknown]), 0, "no state event names bob's notification or the unknown id");
  assert.equal(await stateRowsFor([a1!, a2!]), 2);
  const bobs = await t.pool.query<{ read_at: Date | null; archived_at: Date | null }>('SELECT read_at, archived_at FROM inbox WHERE notification_id = $1', [b1]);
  assert.deepEqual(bobs.rows, [{ read_at: null, archived_at: null }], "bob's notification is untouched");
});

test("one user's flood of state requests gets 429 with Retry-After (socket: error frames, then 4008) while another user's requests succeed; nothing refused is written", async () => {
  const flood = await t.token(uniqueUser('flood'));
  const randomIds = () => Array.from({ length: 10 }, () => `rnd-${randomUUID()}`);
  const asked = Array.from({ length: 10 }, randomIds);
  const answers = await Promise.all(asked.map((ids) => post('read', flood, { ids })));
  const refused = answers.filter((a) => a.status === 429);
  assert.ok(refused.length >= 8, `statuses ${answers.map((a) => a.status).join(',')}`);
  for (const r of refused) {
    assert.equal(r.body.code, 'TIDINGS_ERR_RATE_LIMITED');
    assert.ok(Number(r.headers.get('retry-after')) >= 1, `retry-after ${r.headers.get('retry-after')}`);
  }
  for (const a of answers.filter((x) => x.status === 202)) assert.deepEqual(a.body.ids, [], 'random ids write nothing');

  const calm = uniqueUser('calm');
  const [c1] = await produce(t.stack.ingest.url, producer, calm, 1);
  await waitForPersisted(t.ns.databaseUrl, [c1!]);
  const calmToken = await t.token(calm);
  const ok = await post('read', calmToken, { ids: [c1] });
  assert.equal(ok.status, 202);
  assert.equal(ok.body.ids.length, 1);
  assert.equal((await post('seen', calmToken, { all: true })).status, 202);

  // The socket shares the flooding user's budget: error frames with retryAfterMs, then a close for sustained abuse.
  const s = await connect(GW(), flood);
  s.socket.send({ type: 'read', id: 'over-1', ids: randomIds() });
  const err = await s.socket.waitFor<ErrorMessage>((m) => m.type === 'error' && m.id === 'over-1');
  assert.equal(err.code, 'TIDINGS_ERR_RATE_LIMITED');
  assert.ok((err.retryAfterMs ?? 0) > 0, `retryAfterMs ${err.retryAfterMs}`);
  for (let i = 2; i <= 12; i++) s.socket.send({ type: 'read', id: `over-${i}`, ids: randomIds() });
  assert.equal((await s.socket.closed).code, 4008);
  assert.equal(await stateRowsFor(asked.flat()), 0);
});

test("inbox reads have a per-user budget: one user's burst of reads gets 429 with Retry-After, another user reads on", async () => {
  const greedy = await t.token(uniqueUser('greedy'));
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) {
    const r = await requestJson<{ code: string }>('GET', `${GW()}/v1/me/${i % 2 ? 'unread-count' : 'notifications'}`, { token: greedy });
    statuses.push(r.status);
    if (r.status === 429) {
      assert.equal(r.body.code, 'TIDINGS_ERR_RATE_LIMITED');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
    }
  }
  assert.ok(statuses.filter((s) => s === 429).length >= 2, `statuses ${statuses.join(',')}`);
  const other = await requestJson('GET', `${GW()}/v1/me/notifications`, { token: await t.token(uniqueUser('other')) });
  assert.equal(other.status, 200);
});

test("a reconnect loop spends the user's read budget: hello closes 4008 once it is spent, another user still connects", async () => {
  const looper = await t.token(uniqueUser('looper'));
  const outcomes: (number | 'welcome')[] = [];
  for (let i = 0; i < 8; i++) {
    const o = await helloOutcome(looper, false);
    outcomes.push(o === 'welcome' ? o : o.code);
  }
  assert.ok(outcomes.filter((o) => o === 4008).length >= 2, `outcomes ${outcomes.join(',')}`);
  assert.equal(await helloOutcome(await t.token(uniqueUser('patient')), false), 'welcome');
});

test('a read of a notification delivered live before the persister stored it is applied, not ignored', async () => {
  const carol = uniqueUser('carol');
  const s = await connect(GW(), await t.token(carol));
  await t.stack.persister.stop();
  try {
    const [n1] = await produce(t.stack.ingest.url, producer, carol, 1);
    await s.socket.waitFor<EventMessage>((m) => m.type === 'event' && m.event.id === n1);
    s.socket.send({ type: 'read', id: 'fresh', ids: [n1] });
    // The row cannot exist yet: the request waits for the watermark, event-driven.
    await t.stack.restartPersister();
    const result = await s.socket.waitFor<ResultMessage>((m) => m.type === 'result' && m.id === 'fresh', 25000);
    const data = result.data as StateAccepted;
    assert.deepEqual([data.ids.length, data.ignored], [1, []]);
  } finally {
    s.socket.close();
  }
});

test('a token whose sub is not a valid userId is refused: 4002 on the socket, 401 over HTTP', async () => {
  for (const [name, sub] of [
    ['10,000 characters', 'u'.repeat(10_000)],
    ['spaces', 'has spaces in it'],
  ] as const) {
    const token = await t.token(sub);
    // The hello frame caps tokens at 8 KiB; ?token= carries any size the server accepts.
    const outcome = await helloOutcome(token, true);
    assert.notEqual(outcome, 'welcome', `${name}: never welcomed`);
    assert.equal(outcome !== 'welcome' && outcome.code, 4002, name);
    assert.match(outcome !== 'welcome' ? outcome.reason : '', /not a valid userId/, name);

    const write = await post('read', token, { all: true });
    assert.deepEqual([write.status, write.body.code], [401, 'TIDINGS_ERR_AUTH_INVALID'], name);
    const read = await requestJson<{ code: string; message: string }>('GET', `${GW()}/v1/me/notifications`, { token });
    assert.deepEqual([read.status, read.body.code], [401, 'TIDINGS_ERR_AUTH_INVALID'], name);
    assert.match(read.body.message, /not a valid userId/);
  }
});

test('a token already past exp (within the clock tolerance) is refused at hello with 4003, never welcomed then cut', async () => {
  const user = uniqueUser('late');
  // Expired 2 s ago; the verifier's default tolerance is 5 s.
  const token = await t.token(user, [], -2);
  const outcome = await helloOutcome(token, false);
  assert.notEqual(outcome, 'welcome', 'not welcomed');
  assert.equal(outcome !== 'welcome' && outcome.code, 4003);
});
