import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type TidingsClient } from '@tidings/client';
import { createAtomicSender, createKafka, toMessage, type AtomicSender } from '@tidings/kafka';
import type { AuditPage, DeadLetter, DeadLetterPage, EventMessage, HistoryPage, LagReport, SyncedMessage } from '@tidings/protocol';
import {
  openSocket,
  readTopic,
  requestJson,
  tokenFor,
  topicEndOffsets,
  useStack,
  waitForPersisted,
} from '@tidings/testkit';

/**
 * The ops API on a real stack (ingest, persister, two gateways, ops):
 * scopes and auditing of every endpoint, history by time and cursor,
 * redelivery to whichever node holds the socket, dead-letter retries.
 */
const t = useStack({ gateways: 2, withOps: true, poolMax: 2 });
let sender: AtomicSender;
let opsToken: string;
let producerToken: string;

before(async () => {
  await t.ready();
  sender = createAtomicSender({ kafka: createKafka({ brokers: t.env.brokers.split(','), clientId: 'ops-api-test' }), transactionalId: `${t.ns.topicPrefix}ops-api-test` });
  opsToken = await t.token('ops-bob', ['ops:read', 'ops:write']);
  producerToken = await t.token('billing', ['notifications:write']);
});
after(async () => {
  await sender?.close();
});

const ops = (path: string) => `${t.stack.ops!.url}${path}`;
const uniqueUser = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
const wsUrl = (http: string) => `${http.replace(/^http/, 'ws')}/v1/stream`;

async function send(userId: string, n: number, time?: (i: number) => string): Promise<string[]> {
  const notifications = Array.from({ length: n }, (_, i) => ({ userId, ...(time ? { time: time(i) } : {}), data: { category: 'ops', title: `#${i}` } }));
  const res = await requestJson<{ ids: string[] }>('POST', `${t.stack.ingest.url}/v1/notifications/batch`, { token: producerToken, body: { notifications } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await waitForPersisted(t.ns.databaseUrl, res.body.ids);
  return res.body.ids;
}

/**
 * Waits until the persister has processed the `copies`-th record whose
 * value contains `needle`: it is in the topic (read committed), and the
 * watermark of its partition is past it.
 */
async function waitPastRecord(needle: string, copies = 1): Promise<void> {
  const records = await readTopic(t.env.brokers, t.ns.topics.events, (rs) => rs.filter((r) => r.value?.includes(needle)).length >= copies);
  const last = records.filter((r) => r.value?.includes(needle))[copies - 1]!;
  await eventually(async () => {
    const r = await t.pool.query<{ next: string }>('SELECT next_offset::text AS next FROM watermarks WHERE partition = $1', [last.partition]);
    return r.rows.length > 0 && BigInt(r.rows[0]!.next) > BigInt(last.offset);
  }, `the persister to pass ${needle} #${copies} at ${last.partition}@${last.offset}`);
}

/** The answers' response schemas drive serialisation: a field they lacked would be missing here. */
const keys = (o: object) => Object.keys(o).sort();

/** Polls state that is only visible by asking (a short interval, a deadline). */
async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ENDPOINTS: { method: 'GET' | 'POST'; path: string; scope: 'ops:read' | 'ops:write'; action: string; body?: unknown }[] = [
  { method: 'GET', path: '/v1/ops/users/someone/events', scope: 'ops:read', action: 'history' },
  { method: 'GET', path: '/v1/ops/lag', scope: 'ops:read', action: 'lag' },
  { method: 'GET', path: '/v1/ops/dlq', scope: 'ops:read', action: 'dlq.list' },
  { method: 'GET', path: '/v1/ops/audit', scope: 'ops:read', action: 'audit.list' },
  { method: 'GET', path: '/v1/ops/rebuild', scope: 'ops:read', action: 'rebuild.list' },
  { method: 'GET', path: '/v1/ops/rebuild/0123456789ab', scope: 'ops:read', action: 'rebuild.status' },
  { method: 'POST', path: '/v1/ops/redeliver', scope: 'ops:write', action: 'redeliver', body: { userId: 'someone', fromTime: '2025-01-01T00:00:00Z' } },
  { method: 'POST', path: '/v1/ops/rebuild', scope: 'ops:write', action: 'rebuild', body: { source: 'mirror' } },
  { method: 'POST', path: '/v1/ops/dlq/1/retry', scope: 'ops:write', action: 'dlq.retry', body: {} },
  { method: 'POST', path: '/v1/ops/dlq/retry-all', scope: 'ops:write', action: 'dlq.retry-all' },
];

test('every ops endpoint: 401 without a valid token, 403 without its scope — and the refusal is audited', async () => {
  const tokens = {
    user: await t.token('mallory'),
    service: await t.token('billing', ['notifications:write', 'topics:write']),
    read: await t.token('reader', ['ops:read']),
    write: await t.token('writer', ['ops:write']),
    foreign: await tokenFor('x'.repeat(40), 'ops-bob', ['ops:read', 'ops:write']),
  };
  for (const e of ENDPOINTS) {
    const call = (token?: string) => requestJson<{ code: string }>(e.method, ops(e.path), { ...(token ? { token } : {}), ...(e.body !== undefined ? { body: e.body } : {}) });
    const anonymous = await call();
    assert.deepEqual([anonymous.status, anonymous.body.code], [401, 'TIDINGS_ERR_AUTH_MISSING'], `${e.method} ${e.path} without a token`);
    const forged = await call(tokens.foreign);
    assert.deepEqual([forged.status, forged.body.code], [401, 'TIDINGS_ERR_AUTH_INVALID'], `${e.method} ${e.path} with a token signed by another key`);
    for (const [who, token] of [
      ['user', tokens.user],
      ['service', tokens.service],
      [e.scope === 'ops:read' ? 'write' : 'read', e.scope === 'ops:read' ? tokens.write : tokens.read],
    ] as const) {
      const res = await call(token);
      assert.deepEqual([res.status, res.body.code], [403, 'TIDINGS_ERR_FORBIDDEN'], `${e.method} ${e.path} with a ${who} token`);
    }
  }
  const refused = await t.pool.query<{ actor: string; action: string; ok: boolean; code: string }>(
    `SELECT actor, action, ok, result->>'error' AS code FROM audit_log WHERE actor IN ('mallory', 'billing', 'reader', 'writer') ORDER BY id`,
  );
  assert.equal(refused.rows.length, ENDPOINTS.length * 3);
  assert.ok(refused.rows.every((r) => !r.ok && r.code === 'TIDINGS_ERR_FORBIDDEN'));
  assert.deepEqual(new Set(refused.rows.map((r) => r.action)), new Set(ENDPOINTS.map((e) => e.action)));
});

test('history pages a user\'s events in log order, bounded by time or cursor; bad bounds are 400', async () => {
  const user = uniqueUser('hist');
  const t0 = Date.parse('2025-06-01T00:00:00.000Z');
  const ids = await send(user, 15, (i) => new Date(t0 + i * 60000).toISOString());
  const get = (q: string) => requestJson<HistoryPage>('GET', ops(`/v1/ops/users/${user}/events${q}`), { token: opsToken });

  // More than 10 events: log order is numeric (offset 9 before offset 10), across two pages.
  const first = await get('?limit=10');
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(first.body.events.map((e) => e.event.id), ids.slice(0, 10));
  assert.ok(first.body.next);
  const e0 = first.body.events[0]!;
  assert.deepEqual([keys(e0), keys(e0.event)], [['cursor', 'event', 'offset', 'partition'], ['data', 'id', 'source', 'time', 'type', 'userId']]);
  assert.deepEqual([e0.event.userId, e0.event.source, (e0.event.data as { title: string }).title], [user, 'billing', '#0']);
  const second = await get(`?limit=10&from=${first.body.next}`);
  assert.deepEqual(second.body.events.map((e) => e.event.id), ids.slice(10));
  assert.equal(second.body.next, undefined);

  // Time: from inclusive, to exclusive. Cursor: from exclusive, to inclusive.
  const byTime = await get(`?from=${new Date(t0 + 3 * 60000).toISOString()}&to=${new Date(t0 + 6 * 60000).toISOString()}`);
  assert.deepEqual(byTime.body.events.map((e) => e.event.id), ids.slice(3, 6));
  const c = first.body.events.map((e) => e.cursor);
  const byCursor = await get(`?from=${c[2]}&to=${c[5]}`);
  assert.deepEqual(byCursor.body.events.map((e) => e.event.id), ids.slice(3, 6));

  for (const [q, field] of [
    ['?from=yesterday', 'from'],
    [`?to=${Buffer.from('c1.otherepoch.0.5').toString('base64url')}`, 'to'],
    ['?from=2025-13-45T99:00:00Z', 'from'],
  ] as const) {
    const bad = await requestJson<{ code: string; issues: { path: string }[] }>('GET', ops(`/v1/ops/users/${user}/events${q}`), { token: opsToken });
    assert.deepEqual([bad.status, bad.body.code, bad.body.issues[0]?.path], [400, 'TIDINGS_ERR_VALIDATION', `/querystring/${field}`], q);
  }
  const audited = await t.pool.query<{ ok: boolean; params: { userId: string } }>(`SELECT ok, params FROM audit_log WHERE actor = 'ops-bob' AND action = 'history' ORDER BY id`);
  assert.ok(audited.rows.length >= 7);
  assert.ok(audited.rows.every((r) => r.params.userId === user));
  assert.deepEqual(audited.rows.slice(-3).map((r) => r.ok), [false, false, false]);
});

test('redeliver reaches the live socket on whichever node holds it, flagged, and the SDK shows nothing twice', async () => {
  const user = uniqueUser('redeliver');
  const userToken = await t.token(user);
  // Both the raw socket and the SDK are on node 2; node 1 holds nothing of this user.
  const node2 = t.stack.gateways[1]!.url;
  const raw = await openSocket(wsUrl(node2));
  raw.send({ type: 'hello', token: userToken });
  await raw.waitFor<SyncedMessage>((m) => m.type === 'synced');
  const sdk: TidingsClient = connect({ urls: node2, getToken: () => userToken });
  const shown: EventMessage[] = [];
  sdk.on('event', (m) => shown.push(m));
  try {
    await sdk.whenLive(20000);
    const ids = await send(user, 3);
    const live = await raw.waitForEvents(3);
    await eventually(() => shown.length === 3, 'the SDK to show 3 events');

    const res = await requestJson<{ requestId: string }>('POST', ops('/v1/ops/redeliver'), { token: opsToken, body: { userId: user, fromCursor: live[0]!.cursor } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.match(res.body.requestId, /^[0-9a-f-]{36}$/);
    const frames = (await raw.waitForEvents(5)).slice(3);
    assert.deepEqual(frames.map((f) => f.event.id), ids.slice(1));
    assert.ok(frames.every((f) => f.redelivered === true));

    const byTime = await requestJson('POST', ops('/v1/ops/redeliver'), { token: opsToken, body: { userId: user, fromTime: live[0]!.event.time } });
    assert.equal(byTime.status, 202);
    assert.deepEqual((await raw.waitForEvents(8)).slice(5).map((f) => f.event.id), ids);

    // The SDK received all 5 redelivered frames and showed none of them.
    await eventually(() => sdk.stats.duplicatesDropped >= 5, 'the SDK to receive the redelivered frames');
    assert.deepEqual(shown.map((m) => m.event.id), ids);
  } finally {
    sdk.close();
    raw.close();
  }

  for (const body of [
    { userId: user },
    { userId: user, fromCursor: 'not-a-cursor' },
    { userId: user, fromCursor: Buffer.from('c1.otherepoch.0.5').toString('base64url') },
    { userId: user, fromTime: '2025-01-01T00:00:00Z', fromCursor: 'x' },
    { userId: 'bad user!', fromTime: '2025-01-01T00:00:00Z' },
  ]) {
    const bad = await requestJson<{ code: string }>('POST', ops('/v1/ops/redeliver'), { token: opsToken, body });
    assert.deepEqual([bad.status, bad.body.code], [400, 'TIDINGS_ERR_VALIDATION'], JSON.stringify(body));
  }
  const audited = await t.pool.query<{ ok: boolean; result: { requestId?: string } }>(`SELECT ok, result FROM audit_log WHERE action = 'redeliver' AND actor = 'ops-bob' ORDER BY id`);
  assert.deepEqual(audited.rows.slice(0, 2).map((r) => r.ok), [true, true]);
  assert.match(audited.rows[0]!.result.requestId ?? '', /^[0-9a-f-]{36}$/);
});

test('a dead letter fixed and retried is persisted once, however often it is retried; retry-all takes the ones that now validate', async () => {
  const user = uniqueUser('dlq');
  const eventId = `dlq-${randomBytes(6).toString('hex')}`;
  const broken = { id: eventId, type: 'notification.created' as const, userId: user, time: new Date().toISOString(), source: 'billing', data: { category: 'ops' } };
  const fixed = { ...broken, data: { category: 'ops', title: 'fixed by ops' } };
  const misKeyedId = `dlq-${randomBytes(6).toString('hex')}`;
  const misKeyed = { ...fixed, id: misKeyedId };
  await sender.send([
    {
      topic: t.ns.topics.events,
      messages: [
        { key: user, value: JSON.stringify(broken) },
        { ...toMessage(misKeyed), key: 'someone-else' },
        { key: user, value: '{"truncated": ' },
      ],
    },
  ]);
  for (const needle of [eventId, misKeyedId, '{"truncated']) await waitPastRecord(needle);

  /** Every letter here has a value (they came from records with one). */
  type Letters = Omit<DeadLetterPage, 'letters'> & { letters: (DeadLetter & { value: string })[] };
  const list = await requestJson<Letters>('GET', ops('/v1/ops/dlq?pending=true'), { token: opsToken });
  assert.equal(list.status, 200);
  // Partitions are persisted concurrently, so letters are found by content, not position.
  const diagnostics = async () =>
    JSON.stringify({
      list: list.body,
      events: (await t.pool.query('SELECT id, user_id, partition, "offset"::text FROM events WHERE id = $1', [misKeyedId])).rows,
      watermarks: (await t.pool.query('SELECT partition, next_offset::text FROM watermarks ORDER BY 1')).rows,
      ends: await topicEndOffsets(t.env.brokers, t.ns.topics.events),
    });
  const found = (pred: (value: string) => boolean) => list.body.letters.filter((l) => pred(l.value));
  if (![eventId, misKeyedId, '{"truncated'].every((needle) => found((v) => v.includes(needle)).length === 1)) assert.fail(await diagnostics());
  const find = (pred: (value: string) => boolean) => {
    const found = list.body.letters.filter((l) => pred(l.value));
    assert.equal(found.length, 1);
    return found[0]!;
  };
  const brokenLetter = find((v) => v.includes(eventId));
  const misKeyedLetter = find((v) => v.includes(misKeyedId));
  const garbage = find((v) => v.startsWith('{"truncated'));
  assert.match(brokenLetter.reason, /title/);
  assert.match(misKeyedLetter.reason, /key/);
  assert.match(garbage.reason, /JSON/);
  assert.deepEqual(keys(garbage), ['createdAt', 'id', 'key', 'offset', 'partition', 'reason', 'retriedAt', 'retryCount', 'value']);
  assert.equal(typeof list.body.pending, 'number');

  // The stored value is still invalid: refused, with the failing field.
  const stale = await requestJson<{ code: string; issues: { path: string }[] }>('POST', ops(`/v1/ops/dlq/${brokenLetter.id}/retry`), { token: opsToken });
  assert.deepEqual([stale.status, stale.body.code], [400, 'TIDINGS_ERR_VALIDATION']);
  assert.ok(stale.body.issues.some((i) => i.path === '/data/title'), JSON.stringify(stale.body));
  const wrongFix = await requestJson<{ code: string; issues: { path: string }[] }>('POST', ops(`/v1/ops/dlq/${brokenLetter.id}/retry`), {
    token: opsToken,
    body: { value: { ...fixed, type: 'notification.exploded' } },
  });
  assert.deepEqual([wrongFix.status, wrongFix.body.issues[0]?.path], [400, '/value/type']);

  for (let attempt = 1; attempt <= 2; attempt++) {
    const res = await requestJson<{ eventId: string; retryCount: number }>('POST', ops(`/v1/ops/dlq/${brokenLetter.id}/retry`), { token: opsToken, body: { value: fixed } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual([res.body.eventId, res.body.retryCount], [eventId, attempt]);
    // The original poison record, then one copy per retry.
    await waitPastRecord(eventId, 1 + attempt);
  }
  const stored = await t.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events WHERE id = $1', [eventId]);
  const inbox = await t.pool.query<{ title: string }>('SELECT title FROM inbox WHERE notification_id = $1', [eventId]);
  assert.equal(stored.rows[0]!.n, '1', 'stored once');
  assert.deepEqual(inbox.rows, [{ title: 'fixed by ops' }]);

  // retry-all: the mis-keyed record's value was valid all along; the garbage stays pending.
  const all = await requestJson<{ retried: number; skippedCount: number; skipped: { id: string }[] }>('POST', ops('/v1/ops/dlq/retry-all'), { token: opsToken });
  assert.equal(all.status, 202, JSON.stringify(all.body));
  assert.equal(all.body.retried, 1);
  assert.ok(all.body.skipped.some((s) => s.id === garbage.id));
  await waitForPersisted(t.ns.databaseUrl, [misKeyedId]);
  const row = await t.pool.query<{ user_id: string; partition: number }>('SELECT user_id, partition FROM events WHERE id = $1', [misKeyedId]);
  const userPartition = await t.pool.query<{ partition: number }>('SELECT partition FROM events WHERE user_id = $1 AND id = $2', [user, eventId]);
  assert.deepEqual(row.rows, [{ user_id: user, partition: userPartition.rows[0]!.partition }], "re-keyed: in the user's own partition");
  const pending = await requestJson<Letters>('GET', ops('/v1/ops/dlq?pending=true'), { token: opsToken });
  assert.deepEqual(pending.body.letters.filter((l) => [brokenLetter.id, misKeyedLetter.id, garbage.id].includes(l.id)).map((l) => l.id), [garbage.id]);

  const missing = await requestJson<{ code: string }>('POST', ops('/v1/ops/dlq/999999/retry'), { token: opsToken });
  assert.deepEqual([missing.status, missing.body.code], [404, 'TIDINGS_ERR_NOT_FOUND']);
  const audited = await t.pool.query<{ action: string; ok: boolean }>(`SELECT action, ok FROM audit_log WHERE action LIKE 'dlq.retry%' AND actor = 'ops-bob' ORDER BY id`);
  assert.deepEqual(
    audited.rows.map((r) => `${r.action}:${r.ok}`),
    ['dlq.retry:false', 'dlq.retry:false', 'dlq.retry:true', 'dlq.retry:true', 'dlq.retry-all:true', 'dlq.retry:false'],
  );
});

test('lag reports log end, persister committed and watermark per partition; the audit log lists every action newest first', async () => {
  type Lag = LagReport;
  const ends = await topicEndOffsets(t.env.brokers, t.ns.topics.events);
  // Nothing is being written now: the lag must drain to zero, with the log end Kafka reports.
  let lag: Lag | undefined;
  await eventually(async () => {
    const res = await requestJson<Lag>('GET', ops('/v1/ops/lag'), { token: opsToken });
    assert.equal(res.status, 200);
    lag = res.body;
    return lag.partitions.every((p) => p.persisterLag === '0');
  }, 'the persister lag to drain');
  assert.equal(lag!.partitions.length, 12);
  assert.deepEqual(keys(lag!.partitions[0]!), ['gateways', 'logEnd', 'partition', 'persisterCommitted', 'persisterLag', 'watermark']);
  for (const p of lag!.partitions) {
    assert.equal(p.logEnd, ends[p.partition]);
    assert.equal(p.watermark ?? '0', p.logEnd, `partition ${p.partition}: the watermark is at the log end`);
    if (p.persisterCommitted !== null) assert.ok(BigInt(p.persisterCommitted) <= BigInt(p.logEnd));
  }
  type Audit = AuditPage;
  const page1 = await requestJson<Audit>('GET', ops('/v1/ops/audit?limit=5'), { token: opsToken });
  assert.equal(page1.body.entries.length, 5);
  assert.deepEqual(keys(page1.body.entries[0]!), ['action', 'actor', 'at', 'id', 'ok', 'params', 'result']);
  const ids = page1.body.entries.map((e) => BigInt(e.id));
  assert.deepEqual(ids, [...ids].sort((a, b) => (a > b ? -1 : 1)), 'newest first, by numeric id');
  const page2 = await requestJson<Audit>('GET', ops(`/v1/ops/audit?limit=5&before=${page1.body.next}`), { token: opsToken });
  assert.ok(BigInt(page2.body.entries[0]!.id) < ids[4]!);
  const lagRows = await requestJson<Audit>('GET', ops('/v1/ops/audit?action=lag&actor=ops-bob'), { token: opsToken });
  assert.ok(lagRows.body.entries.length >= 1 && lagRows.body.entries.every((e) => e.action === 'lag' && e.actor === 'ops-bob'));
});
