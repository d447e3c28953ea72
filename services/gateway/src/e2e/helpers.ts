import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { EventMessage, SyncedMessage, WelcomeMessage } from '@tidings/protocol';
import {
  openSocket,
  requestJson,
  spawnService,
  testAuthEnv,
  type Namespace,
  type RunningService,
  type TestSocket,
} from '@tidings/testkit';

/** Shared by the gateway's end-to-end tests: real processes, real sockets. */

export const wsUrl = (httpUrl: string, query = '') => `${httpUrl.replace(/^http/, 'ws')}/v1/stream${query}`;

export const uniqueUser = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

/**
 * Sends `n` notifications to `userId` through ingest's batch endpoint
 * (chunks of ≤ 500) and returns the accepted ids in send order.
 */
export async function produce(ingestUrl: string, token: string, userId: string, n: number, extra: Record<string, unknown> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let done = 0; done < n; ) {
    const k = Math.min(500, n - done);
    const notifications = Array.from({ length: k }, (_, i) => ({ userId, data: { category: 'test', title: `#${done + i}`, ...extra } }));
    const res = await requestJson<{ ids: string[] }>('POST', `${ingestUrl}/v1/notifications/batch`, { token, body: { notifications } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    ids.push(...res.body.ids);
    done += k;
  }
  return ids;
}

/** Sends one notification to each of `userIds` in one batch, in that order; returns the ids. */
export async function produceTo(ingestUrl: string, token: string, userIds: readonly string[]): Promise<string[]> {
  const notifications = userIds.map((userId, i) => ({ userId, data: { category: 'test', title: `to ${userId} #${i}` } }));
  const res = await requestJson<{ ids: string[] }>('POST', `${ingestUrl}/v1/notifications/batch`, { token, body: { notifications } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.ids;
}

/** The user's log as Postgres mirrors it: event ids in log order. */
export async function userLog(pool: pg.Pool, userId: string): Promise<string[]> {
  const r = await pool.query<{ id: string }>('SELECT id FROM events WHERE user_id = $1 ORDER BY partition, "offset"', [userId]);
  return r.rows.map((row) => row.id);
}

export interface Connected {
  socket: TestSocket;
  welcome: WelcomeMessage;
  synced: SyncedMessage;
}

/** Opens a socket, says hello (with a cursor when given) and waits for `synced`. */
export async function connect(httpUrl: string, token: string, cursor?: string, timeoutMs = 30000): Promise<Connected> {
  const socket = await openSocket(wsUrl(httpUrl));
  socket.send({ type: 'hello', token, ...(cursor ? { cursor } : {}) });
  const welcome = await socket.waitFor<WelcomeMessage>((m) => m.type === 'welcome', timeoutMs);
  const synced = await socket.waitFor<SyncedMessage>((m) => m.type === 'synced', timeoutMs);
  return { socket, welcome, synced };
}

export const idsOf = (events: readonly EventMessage[]) => events.map((e) => e.event.id);

/** Event messages received before `synced` (the replay) and after it (live). */
export function splitAtSynced(socket: TestSocket): { replayed: EventMessage[]; live: EventMessage[]; synced: SyncedMessage | undefined } {
  const at = socket.messages.findIndex((m) => m.type === 'synced');
  const events = (from: number, to: number) => socket.messages.slice(from, to).filter((m): m is EventMessage => m.type === 'event');
  if (at < 0) return { replayed: events(0, socket.messages.length), live: [], synced: undefined };
  return { replayed: events(0, at), live: events(at + 1, socket.messages.length), synced: socket.messages[at] as SyncedMessage };
}

/** A gateway process with its own settings, in the namespace (beside a stack's gateways). `auth`: the test secret, or a whole auth environment. */
export async function spawnGateway(ns: Namespace, auth: string | Record<string, string>, extra: Record<string, string>, label: string): Promise<RunningService> {
  return spawnService(
    'gateway',
    {
      ...ns.env,
      ...(typeof auth === 'string' ? testAuthEnv(auth) : auth),
      LOG_LEVEL: 'info',
      GATEWAY_PORT: '0',
      GATEWAY_NODE_ID: `${label}-${ns.id}-${process.pid}`,
      ...extra,
    },
    { label },
  );
}

/** Sum of a Prometheus sample's values over the series matching `labels` (0 when absent). */
export async function metric(httpUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${httpUrl}/metrics`);
  const text = await res.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const set = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

/** Polls `check` every 50 ms until it holds or the deadline passes (for state only visible by asking). */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
