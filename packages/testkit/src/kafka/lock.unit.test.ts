import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { withDirLock } from './lock.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tidings-lock-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('withDirLock: holders never overlap and the lock is released', async (t) => {
  const lock = join(await tempDir(t), 'l');
  let inside = 0;
  let maxInside = 0;
  const order: number[] = [];
  await Promise.all(
    [0, 1, 2, 3].map((i) =>
      withDirLock(lock, { timeoutMs: 5_000, pollMs: 5 }, async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await delay(20);
        order.push(i);
        inside--;
      }),
    ),
  );
  assert.equal(maxInside, 1);
  assert.equal(order.length, 4);
  await withDirLock(lock, { timeoutMs: 100 }, async () => {}); // free again
});

test('withDirLock: releases the lock when fn throws', async (t) => {
  const lock = join(await tempDir(t), 'l');
  await assert.rejects(withDirLock(lock, { timeoutMs: 100 }, () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await withDirLock(lock, { timeoutMs: 100 }, async () => 42), 42);
});

test('withDirLock: breaks a lock whose owner process is dead', async (t) => {
  const lock = join(await tempDir(t), 'l');
  await mkdir(lock);
  // PIDs are < 2^22 on Linux, so this one cannot be alive.
  await writeFile(join(lock, 'owner.json'), JSON.stringify({ pid: 2 ** 30, host: hostname(), since: '' }));
  assert.equal(await withDirLock(lock, { timeoutMs: 1_000 }, async () => 'ok'), 'ok');
});

test('withDirLock: times out on a live holder, naming it', async (t) => {
  const lock = join(await tempDir(t), 'l');
  await mkdir(lock);
  await writeFile(join(lock, 'owner.json'), JSON.stringify({ pid: process.pid, host: hostname(), since: '' }));
  const waits: string[] = [];
  await assert.rejects(
    withDirLock(lock, { timeoutMs: 100, pollMs: 10, onWait: (o) => waits.push(o) }, async () => {}),
    (err: Error & { code?: string }) =>
      err.code === 'TIDINGS_ERR_KAFKA_LOCK_TIMEOUT' && err.message.includes(`pid ${process.pid}`),
  );
  assert.equal(waits.length, 1);
});

test('withDirLock: breaks a lock older than staleMs even if its owner looks alive', async (t) => {
  const lock = join(await tempDir(t), 'l');
  await mkdir(lock);
  await writeFile(join(lock, 'owner.json'), JSON.stringify({ pid: process.pid, host: hostname(), since: '' }));
  await delay(30);
  assert.equal(await withDirLock(lock, { timeoutMs: 1_000, staleMs: 10 }, async () => 'ok'), 'ok');
});
