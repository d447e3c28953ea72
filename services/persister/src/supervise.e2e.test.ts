import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postUntilAccepted, useStack, waitForPersisted } from '@tidings/testkit';

/**
 * The persister keeps trying instead of dying when Kafka is not there: started
 * while the broker is down (as after a host reboot), it does not exit — nothing
 * restarts it under `npm start` — but starts a new consumer with back-off and
 * persists once the broker is back. The same supervisor replaces a consumer
 * kafkajs gives up while running (packages/kafka/src/supervise.unit.test.ts). Runs on a broker of
 * its own, since it stops it.
 */
const t = useStack({ ownBroker: true, gateways: 0, extraEnv: { ingest: { INGEST_SEND_TIMEOUT_MS: '1500' } } });

test('a persister started while Kafka is down stays up, retries, and persists once the broker is back', async () => {
  await t.ready();
  const stack = t.stack;
  const writer = await t.token('billing', ['notifications:write']);
  await t.kafka.restart({
    whileDown: async () => {
      await stack.persister.stop();
      // Resolves once the first attempt is over: here, failed for want of a broker.
      await stack.restartPersister();
      const logs = stack.persister.logs.join('\n');
      assert.match(logs, /consumer stopped for good; starting a new one/, logs);
      assert.equal(stack.persister.proc.exitCode, null, 'still running without a broker');
    },
  });
  const pid = stack.persister.proc.pid;

  const id = 'after-broker-returned';
  const ids = await postUntilAccepted(stack.ingest.url, writer, { id, userId: 'supervised-user', data: { category: 'test', title: id } });
  await waitForPersisted(t.ns.databaseUrl, ids, 90_000).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\npersister:\n${stack.persister.logs.slice(-30).join('\n')}`);
  });
  assert.equal(stack.persister.proc.exitCode, null);
  assert.equal(stack.persister.proc.pid, pid, 'the same process did it');
  const ready = await fetch(`${stack.persister.url}/readyz`);
  assert.equal(ready.status, 200, 'ready again once its consumer joined');
});
