import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  topicEndOffsets,
  useStack,
  waitForWatermarks,
} from '@tidings/testkit';
import { produce, type Sent } from './testing/load.js';

/**
 * The persister dies mid-stream (SIGKILL: no shutdown hook, a batch possibly
 * half-done) while producers keep writing, and comes back: every accepted id
 * is in `events` and `inbox` exactly once and the watermarks reach the log end.
 */
// The minimum session timeout, so the dead member's partitions move on sooner.
const t = useStack({ gateways: 0, extraEnv: { persister: { PERSISTER_SESSION_TIMEOUT_MS: '6000' } }, poolMax: 2 });
let writer: string;

before(async () => {
  await t.ready();
  writer = await t.token('loadgen', ['notifications:write']);
});

const logs = () => `\npersister:\n${t.stack.persister.logs.slice(-20).join('\n')}`;

async function countStored(prefix: string): Promise<number> {
  const r = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE user_id LIKE $1', [`${prefix}%`]);
  return r.rows[0]!.n;
}

async function waitForCount(prefix: string, atLeast: number, timeoutMs = 30000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await countStored(prefix);
    if (n >= atLeast) return n;
    if (Date.now() > deadline) assert.fail(`only ${n}/${atLeast} stored after ${timeoutMs} ms${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every accepted id exactly once in events and inbox; watermarks exactly at the log end. */
async function assertComplete(prefix: string, sent: Sent): Promise<void> {
  const ends = await topicEndOffsets(t.ns.brokers, t.ns.topics.events);
  await waitForWatermarks(t.ns.databaseUrl, ends, 90000).catch((e: Error) => assert.fail(e.message + logs()));
  const accepted = [...sent.values()].flat();
  const events = await t.pool.query<{ id: string; n: number }>('SELECT id, count(*)::int AS n FROM events WHERE user_id LIKE $1 GROUP BY id', [`${prefix}%`]);
  const inbox = await t.pool.query<{ n: number; distinct: number }>(
    'SELECT count(*)::int AS n, count(DISTINCT notification_id)::int AS distinct FROM inbox WHERE user_id LIKE $1',
    [`${prefix}%`],
  );
  assert.equal(events.rows.length, accepted.length, 'every accepted id stored');
  assert.ok(events.rows.every((r) => r.n === 1));
  const stored = new Set(events.rows.map((r) => r.id));
  assert.ok(accepted.every((id) => stored.has(id)), 'no accepted id missing');
  assert.deepEqual(inbox.rows[0], { n: accepted.length, distinct: accepted.length });
  const wm = await t.pool.query<{ partition: number; next_offset: string }>('SELECT partition, next_offset::text FROM watermarks');
  const at = Object.fromEntries(wm.rows.map((r) => [r.partition, r.next_offset]));
  for (const [p, end] of Object.entries(ends)) if (end !== '0') assert.equal(at[p], end, `watermark of partition ${p}`);
}

test('SIGKILL mid-stream, then restart: nothing lost, nothing doubled, watermarks at the end', async () => {
  const prefix = `crash-${randomBytes(3).toString('hex')}-`;
  const sent: Sent = new Map();
  let killed: Promise<void> | undefined;
  let storedAtKill = 0;
  // 2 producers × 40 batches × 50 = 4000 events; the kill lands once ~600 are stored.
  const loops = Array.from({ length: 2 }, (_, p) =>
    produce({
      ingestUrl: t.stack.ingest.url,
      token: writer,
      users: Array.from({ length: 8 }, (_, u) => `${prefix}${p}-${u}`),
      batches: 40,
      size: 50,
      sent,
      onBatch: async (done) => {
        if (p === 0 && done === 10) {
          killed = (async () => {
            storedAtKill = await waitForCount(prefix, 600);
            await t.stack.persister.kill();
          })();
          await killed;
        }
      },
    }),
  );
  const total = (await Promise.all(loops)).reduce((a, b) => a + b, 0);
  await killed;
  assert.equal(total, 4000);
  assert.ok(storedAtKill < total, 'the kill happened mid-stream');
  // Everything after the kill was accepted while no persister ran.
  const stalled = await countStored(prefix);
  assert.ok(stalled < total, `${stalled} of ${total} stored with the persister dead`);
  await t.stack.restartPersister();
  await assertComplete(prefix, sent);
});

test('SIGTERM finishes the batch in flight, commits and leaves the group: exit 0, the next persister resumes', async () => {
  const prefix = `term-${randomBytes(3).toString('hex')}-`;
  const sent: Sent = new Map();
  let stopped: Promise<number | null> | undefined;
  const total = await produce({
    ingestUrl: t.stack.ingest.url,
    token: writer,
    users: Array.from({ length: 6 }, (_, u) => `${prefix}${u}`),
    batches: 20,
    size: 50,
    sent,
    onBatch: async (done) => {
      if (done === 8) stopped = t.stack.persister.stop();
    },
  });
  assert.equal(await stopped, 0, `persister exit code${logs()}`);
  await t.stack.restartPersister();
  assert.equal(total, 1000);
  await assertComplete(prefix, sent);
});
