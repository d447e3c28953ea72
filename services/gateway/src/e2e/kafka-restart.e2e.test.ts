import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postUntilAccepted, useStack, type RunningService } from '@tidings/testkit';
import { connect, uniqueUser } from './helpers.js';

/**
 * A gateway keeps its sockets through a broker restart. While the broker is
 * away kafkajs crashes the live-feed consumer; mostly it restarts it itself,
 * but on some errors it gives it up for good, and the node then starts a new
 * one at the positions it already dispatched (superviseConsumer) instead of
 * closing every socket and exiting, which `npm start` would not undo. Either
 * way the sockets stay open and what is sent after the restart arrives live.
 * Runs on a broker of its own, since it stops it.
 */
const t = useStack({ ownBroker: true, gateways: 1, extraEnv: { ingest: { INGEST_SEND_TIMEOUT_MS: '1500' } } });

/** Resolves once `service` logged a line matching `pattern`; rejects if it exits first or after `timeoutMs`. */
function untilLogged(service: RunningService, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      service.proc.stdout?.off('data', check);
      service.proc.off('exit', exited);
      if (error) reject(error);
      else resolve();
    };
    const check = () => {
      if (service.logs.some((l) => pattern.test(l))) done();
    };
    const exited = () => done(new Error(`${service.label} exited before logging ${String(pattern)}:\n${service.logs.slice(-20).join('\n')}`));
    const timer = setTimeout(() => done(new Error(`${service.label} did not log ${String(pattern)} within ${timeoutMs} ms`)), timeoutMs);
    service.proc.stdout?.on('data', check);
    service.proc.on('exit', exited);
    check();
  });
}

test('a gateway keeps its sockets through a broker restart and delivers what is sent after it live', async () => {
  await t.ready();
  const gateway = t.stack.gateways[0]!;
  const writer = await t.token('billing', ['notifications:write']);
  const send = async (userId: string, title: string) => (await postUntilAccepted(t.stack.ingest.url, writer, { userId, data: { category: 'test', title } }))[0]!;
  const user = uniqueUser('through-restart');
  const { socket } = await connect(gateway.url, await t.token(user));
  const before = await send(user, 'before');
  await socket.waitForEvents(1, 30_000);

  await t.kafka.restart({
    // Down until the feed's consumer has crashed: the node must get past that.
    whileDown: () => untilLogged(gateway, /consumer crashed/, 90_000),
  });

  const afterId = await send(user, 'after');
  const events = await socket.waitForEvents(2, 90_000).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\ngateway:\n${gateway.logs.slice(-30).join('\n')}`);
  });
  assert.deepEqual(
    events.map((e) => e.event.id),
    [before, afterId],
  );
  assert.equal(gateway.proc.exitCode, null, 'the gateway is still running');
  assert.equal(socket.ws.readyState, socket.ws.OPEN, 'the socket was never closed');
});
