import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { WebSocket } from 'ws';
import { SUBPROTOCOL, type ErrorMessage, type WelcomeMessage } from '@tidings/protocol';
import {
  createNamespace,
  openSocket,
  startStack,
  testAuthEnv,
  testEnv,
  tokenFor,
  waitForPersisted,
  type Namespace,
  type RunningService,
  type Stack,
} from '@tidings/testkit';
import { connect, eventually, idsOf, metric, produce, spawnGateway, uniqueUser, userLog, wsUrl, type Connected } from './helpers.js';

/**
 * G6 over real sockets: malformed and abusive input, floods, oversized
 * frames, foreign origins, connection caps, dead peers and slow readers each
 * get their defined answer — and the node keeps serving everyone else.
 */
const env = testEnv();
let ns: Namespace;
let stack: Stack;
let heartbeatNode: RunningService;
let smallNode: RunningService;
let pool: pg.Pool;
let producer: string;
const ORIGIN = 'https://app.example';

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  [stack, heartbeatNode, smallNode] = await Promise.all([
    startStack({
      env: ns.env,
      authEnv: testAuthEnv(env.authSecret),
      gateways: 1,
      extraEnv: {
        gateway: {
          GATEWAY_MAX_FRAME_BYTES: '4096',
          GATEWAY_MSG_RATE_PER_SEC: '5',
          GATEWAY_MSG_BURST: '20',
          GATEWAY_MAX_CONNECTIONS_PER_USER: '3',
          GATEWAY_ALLOWED_ORIGINS: `${ORIGIN},https://other.example`,
          GATEWAY_SEND_BUFFER_BYTES: '16384',
        },
      },
    }),
    spawnGateway(ns, env.authSecret, { GATEWAY_HEARTBEAT_MS: '300' }, 'gw-heartbeat'),
    spawnGateway(ns, env.authSecret, { GATEWAY_MAX_CONNECTIONS: '2' }, 'gw-small'),
  ]);
  pool = new pg.Pool({ connectionString: ns.databaseUrl, max: 2 });
  producer = await tokenFor(env.authSecret, 'billing', ['notifications:write']);
});
after(async () => {
  await pool?.end();
  await Promise.all([heartbeatNode?.stop(), smallNode?.stop()]);
  await stack?.stop();
  await ns?.drop();
});

const GW = () => stack.gateways[0]!.url;
const userConn = async (name: string, url = GW()) => connect(url, await tokenFor(env.authSecret, uniqueUser(name)));

/** An observer on the same node: it must keep receiving its events, in order, whatever the others do. */
async function observed<T>(run: () => Promise<T>): Promise<T> {
  const user = uniqueUser('observer');
  const o = await connect(GW(), await tokenFor(env.authSecret, user));
  const before1 = await produce(stack.ingest.url, producer, user, 2);
  await o.socket.waitForEvents(2);
  const result = await run();
  const after1 = await produce(stack.ingest.url, producer, user, 2);
  assert.deepEqual(idsOf(await o.socket.waitForEvents(4)), [...before1, ...after1], 'the observer kept receiving');
  o.socket.close();
  return result;
}

test('bad frames get an error with a code and the connection stays; other clients are unaffected', async () => {
  await observed(async () => {
    const v = await userConn('victim');
    const frames: [string | Buffer, boolean, string][] = [
      ['this is not json', false, 'TIDINGS_ERR_BAD_FRAME'],
      [Buffer.from([0xde, 0xad, 0xbe, 0xef]), true, 'TIDINGS_ERR_BAD_FRAME'],
      [JSON.stringify({ type: 'subscribe', id: 'u1' }), false, 'TIDINGS_ERR_UNKNOWN_TYPE'],
      [JSON.stringify({ type: 'read', id: 'w1', ids: 'all of them' }), false, 'TIDINGS_ERR_VALIDATION'],
      [JSON.stringify({ type: 'ping', id: 7 }), false, 'TIDINGS_ERR_VALIDATION'],
      [JSON.stringify([{ type: 'ping' }]), false, 'TIDINGS_ERR_BAD_FRAME'],
      [JSON.stringify({ type: 'hello', token: 'again' }), false, 'TIDINGS_ERR_ALREADY_HELLO'],
    ];
    for (const [data, binary] of frames) v.socket.sendRaw(data, binary);
    v.socket.send({ type: 'ping', id: 'alive' });
    await v.socket.waitFor((m) => m.type === 'pong' && m.id === 'alive');
    const errors = v.socket.messages.filter((m): m is ErrorMessage => m.type === 'error');
    assert.deepEqual(errors.map((e) => e.code), frames.map((f) => f[2]));
    assert.equal(errors.find((e) => e.code === 'TIDINGS_ERR_UNKNOWN_TYPE')?.id, 'u1', 'the request id is echoed');
    assert.equal(errors.find((e) => e.id === 'w1')?.path, '/ids');
    assert.equal(v.socket.ws.readyState, WebSocket.OPEN);
    v.socket.close();

    // Requests before hello are refused, and hello still works after.
    const early = await openSocket(wsUrl(GW()));
    early.send({ type: 'read', id: 'too-soon', ids: ['x'] });
    const err = await early.waitFor<ErrorMessage>((m) => m.type === 'error');
    assert.deepEqual([err.code, err.id], ['TIDINGS_ERR_HELLO_REQUIRED', 'too-soon']);
    early.send({ type: 'hello', token: await tokenFor(env.authSecret, uniqueUser('late')) });
    await early.waitFor((m) => m.type === 'welcome');
    early.close();
  });
});

test('a frame over GATEWAY_MAX_FRAME_BYTES closes 1009; a flood closes 4008; the node keeps serving', async () => {
  await observed(async () => {
    const big = await userConn('big');
    big.socket.sendRaw(JSON.stringify({ type: 'ping', id: 'x'.repeat(5000) }));
    assert.equal((await big.socket.closed).code, 1009);

    const flood = await userConn('flood');
    const before1 = await metric(GW(), 'tidings_gateway_rate_limited_total');
    for (let i = 0; i < 100; i++) flood.socket.send({ type: 'ping' });
    assert.equal((await flood.socket.closed).code, 4008);
    assert.ok(flood.socket.messages.filter((m) => m.type === 'pong').length <= 20, 'no more than the burst was served');
    assert.equal(await metric(GW(), 'tidings_gateway_rate_limited_total'), before1 + 1);
  });
});

test('Origin allow-list: a foreign page is refused at upgrade (403); listed and non-browser clients are not', async () => {
  await assert.rejects(openSocket(wsUrl(GW()), { origin: 'https://evil.example' }), /upgrade refused: 403/);
  for (const origin of [ORIGIN, 'https://other.example', undefined]) {
    const s = await openSocket(wsUrl(GW()), origin ? { origin } : {});
    s.send({ type: 'hello', token: await tokenFor(env.authSecret, uniqueUser('origin')) });
    await s.waitFor((m) => m.type === 'welcome');
    s.close();
  }
});

test('CORS on the user API follows the same allow-list: listed origins get the headers, foreign ones do not', async () => {
  const preflight = (origin: string) =>
    fetch(`${GW()}/v1/me/notifications`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
  const ok = await preflight(ORIGIN);
  assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
  assert.match(ok.headers.get('access-control-allow-headers') ?? '', /authorization/i);
  const evil = await preflight('https://evil.example');
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
  const token = await tokenFor(env.authSecret, uniqueUser('cors'));
  const page = await fetch(`${GW()}/v1/me/unread-count`, { headers: { origin: ORIGIN, authorization: `Bearer ${token}` } });
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('access-control-allow-origin'), ORIGIN);
});

test('connection caps: per user (1008 at hello) and per node (503 at upgrade)', async () => {
  const token = await tokenFor(env.authSecret, uniqueUser('many'));
  const open: Connected[] = [];
  for (let i = 0; i < 3; i++) open.push(await connect(GW(), token));
  const fourth = await openSocket(wsUrl(GW()));
  fourth.send({ type: 'hello', token });
  assert.equal((await fourth.closed).code, 1008);
  open.pop()!.socket.close();
  await eventually(async () => {
    const s = await openSocket(wsUrl(GW()));
    s.send({ type: 'hello', token });
    const r = await Promise.race([s.waitFor((m) => m.type === 'welcome').then(() => true, () => false), s.closed.then(() => false)]);
    if (r) open.push({ socket: s } as Connected);
    return r;
  }, 'a slot to free up after a close');
  for (const c of open) c.socket.close();

  const a = await openSocket(wsUrl(smallNode.url));
  const b = await openSocket(wsUrl(smallNode.url));
  await assert.rejects(openSocket(wsUrl(smallNode.url)), /upgrade refused: 503/);
  a.close();
  b.close();
  await Promise.all([a.closed, b.closed]);
  await eventually(async () => {
    try {
      (await openSocket(wsUrl(smallNode.url))).close();
      return true;
    } catch {
      return false;
    }
  }, 'the node to accept again once below its cap');
});

test('subprotocol: tidings.v1 is selected when offered; a client offering none is accepted', async () => {
  const offered = await openSocket(wsUrl(GW()), { protocols: [SUBPROTOCOL] });
  assert.equal(offered.ws.protocol, SUBPROTOCOL);
  offered.close();
  const none = await openSocket(wsUrl(GW()), { protocols: [] });
  assert.equal(none.ws.protocol, '');
  none.send({ type: 'hello', token: await tokenFor(env.authSecret, uniqueUser('noproto')) });
  await none.waitFor((m) => m.type === 'welcome');
  none.close();
});

test('heartbeat: a peer that misses two pings is dropped; one that answers stays', async () => {
  const token = await tokenFor(env.authSecret, uniqueUser('hb'));
  const healthy = await connect(heartbeatNode.url, token);
  const welcome = healthy.welcome as WelcomeMessage;
  assert.equal(welcome.heartbeatMs, 300);

  const silent = new WebSocket(wsUrl(heartbeatNode.url), [SUBPROTOCOL], { autoPong: false });
  await new Promise((resolve, reject) => silent.once('open', resolve).once('error', reject));
  let pings = 0;
  silent.on('ping', () => (pings += 1));
  silent.send(JSON.stringify({ type: 'hello', token }));
  const t0 = Date.now();
  const code = await new Promise<number>((resolve) => silent.once('close', resolve));
  assert.equal(code, 1006, 'terminated, no close handshake');
  assert.ok(pings >= 2, `saw ${pings} pings before being dropped`);
  assert.ok(Date.now() - t0 < 5000);
  assert.ok((await metric(heartbeatNode.url, 'tidings_gateway_heartbeat_timeouts_total')) >= 1);

  healthy.socket.send({ type: 'ping', id: 'ok' });
  await healthy.socket.waitFor((m) => m.type === 'pong' && m.id === 'ok');
  assert.equal(healthy.socket.ws.readyState, WebSocket.OPEN);
  healthy.socket.close();
});

test('a client that stops reading is closed 4009, then resumes from its cursor and ends with everything', async () => {
  const user = uniqueUser('slow');
  const token = await tokenFor(env.authSecret, user);
  const slow = await connect(GW(), token);
  slow.socket.ws.pause();
  const before1 = await metric(GW(), 'tidings_gateway_slow_disconnects_total');
  // 16 KiB bodies: the kernel's socket buffers take a few MB before the node's own buffer grows.
  const body = 'x'.repeat(16 * 1024 - 64);
  const sent: string[] = [];
  while ((await metric(GW(), 'tidings_gateway_slow_disconnects_total')) === before1) {
    assert.ok(sent.length < 4000, 'the node never gave up on a client that does not read');
    // 40 per request keeps a Kafka record batch under the broker's 1 MB message limit.
    sent.push(...(await produce(stack.ingest.url, producer, user, 40, { body })));
  }
  slow.socket.ws.resume();
  const closed = await slow.socket.closed;
  assert.equal(closed.code, 4009);
  const got = slow.socket.events();
  assert.ok(got.length > 0 && got.length < sent.length, `got ${got.length} of ${sent.length} before the close`);

  const back = await connect(GW(), token, got.at(-1)!.cursor, 60000);
  assert.equal(back.synced.recovered, true);
  await waitForPersisted(ns.databaseUrl, sent, 60000);
  await back.socket.waitForEvents(sent.length - got.length, 60000);
  assert.deepEqual([...idsOf(got), ...idsOf(back.socket.events())], sent);
  assert.deepEqual(await userLog(pool, user), sent);
  back.socket.close();
});

test('with no Origin allow-list configured, no foreign page gets in: upgrade 403 and no CORS grant; clients sending no Origin connect', async () => {
  // gw-heartbeat runs without GATEWAY_ALLOWED_ORIGINS.
  await assert.rejects(openSocket(wsUrl(heartbeatNode.url), { origin: 'https://evil.example' }), /upgrade refused: 403/);
  const preflight = await fetch(`${heartbeatNode.url}/v1/me/notifications`, {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
  });
  assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  const s = await openSocket(wsUrl(heartbeatNode.url));
  s.send({ type: 'hello', token: await tokenFor(env.authSecret, uniqueUser('no-origin')) });
  await s.waitFor((m) => m.type === 'welcome');
  s.close();
  await s.closed;
});
