import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AtomicSender, WriteRequest } from '@tidings/kafka';
import { createSenderPool } from './sender-pool.js';

/** A sender that records what it was given and completes writes when told to. */
function fakeSender(name: string, log: string[]) {
  const pending: Array<() => void> = [];
  const sender: AtomicSender = {
    connect: async () => void log.push(`${name}:connect`),
    send: (writes: readonly WriteRequest[]) =>
      new Promise<void>((resolve) => {
        log.push(`${name}:${writes[0]!.messages[0]!.value as string}`);
        pending.push(resolve);
      }),
    sendStream: async () => 0,
    close: async () => void log.push(`${name}:close`),
  };
  return { sender, finishAll: () => pending.splice(0).forEach((f) => f()) };
}
const write = (v: string): WriteRequest[] => [{ topic: 't', messages: [{ key: 'k', value: v }] }];

test('each write goes to exactly one sender, the least busy one', async () => {
  const log: string[] = [];
  const [a, b] = [fakeSender('a', log), fakeSender('b', log)];
  const pool = createSenderPool([a.sender, b.sender]);
  const first = [pool.send(write('1')), pool.send(write('2')), pool.send(write('3')), pool.send(write('4'))];
  assert.deepEqual(log, ['a:1', 'b:2', 'a:3', 'b:4']);
  a.finishAll();
  await Promise.all(first.filter((_, i) => i % 2 === 0));
  // a is idle now, b still has two outstanding: the next writes go to a until they are even.
  const more = [pool.send(write('5')), pool.send(write('6'))];
  assert.deepEqual(log.slice(4), ['a:5', 'a:6']);
  a.finishAll();
  b.finishAll();
  await Promise.all([...first, ...more]);
});

test('connect and close reach every sender; an empty pool is refused', async () => {
  const log: string[] = [];
  const pool = createSenderPool([fakeSender('a', log).sender, fakeSender('b', log).sender]);
  await pool.connect();
  await pool.close();
  assert.deepEqual(log.sort(), ['a:close', 'a:connect', 'b:close', 'b:connect']);
  assert.throws(() => createSenderPool([]));
});

test('a failed write frees its slot', async () => {
  let calls = 0;
  const failing: AtomicSender = {
    connect: async () => undefined,
    send: async () => {
      calls += 1;
      throw new Error('kafka down');
    },
    sendStream: async () => 0,
    close: async () => undefined,
  };
  const log: string[] = [];
  const ok = fakeSender('ok', log);
  const pool = createSenderPool([failing, ok.sender]);
  await assert.rejects(pool.send(write('x')), /kafka down/);
  const p = pool.send(write('y'));
  // Both are idle again; turn order moved on to the second sender.
  assert.deepEqual(log, ['ok:y']);
  ok.finishAll();
  await p;
  assert.equal(calls, 1);
});
