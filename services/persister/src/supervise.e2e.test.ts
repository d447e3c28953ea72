import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createNamespace,
  requestJson,
  startKafka,
  startStack,
  testAuthEnv,
  testEnv,
  tokenFor,
  waitForPersisted,
  type Namespace,
  type RunningKafka,
  type Stack,
} from '@tidings/testkit';

/**
 * The persister keeps trying instead of dying when Kafka is not there: started
 * while the broker is down (as after a host reboot), it does not exit — nothing
 * restarts it under `npm start` — but starts a new consumer with back-off and
 * persists once the broker is back. The same supervisor replaces a consumer
 * kafkajs gives up while running (packages/kafka/src/supervise.unit.test.ts). Runs on a broker of
 * its own, since it stops it.
 */
const env = testEnv();
let kafka: RunningKafka;
let ns: Namespace;
let stack: Stack;
let writer: string;

before(async () => {
  kafka = await startKafka({ heapMb: 384 });
  ns = await createNamespace(kafka.brokers.join(','), env.databaseUrl);
  stack = await startStack({ env: ns.env, authEnv: testAuthEnv(env.authSecret), gateways: 0, extraEnv: { ingest: { INGEST_SEND_TIMEOUT_MS: '1500' } } });
  writer = await tokenFor(env.authSecret, 'billing', ['notifications:write']);
});
after(async () => {
  await stack?.stop();
  await ns?.drop();
  await kafka?.stop();
});

/** Resolves with the event ids ingest answered (derived from the explicit id and the producer). */
async function postUntilAccepted(id: string): Promise<string[]> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await requestJson<{ ids: string[] }>('POST', `${stack.ingest.url}/v1/notifications`, {
      token: writer,
      body: { id, userId: 'supervised-user', data: { category: 'test', title: id } },
    });
    if (res.status === 202) return res.body.ids;
    assert.equal(res.status, 503, JSON.stringify(res.body));
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`ingest did not accept ${id} within 60 s`);
}

test('a persister started while Kafka is down stays up, retries, and persists once the broker is back', async () => {
  await kafka.restart({
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

  const ids = await postUntilAccepted('after-broker-returned');
  await waitForPersisted(ns.databaseUrl, ids, 90_000).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\npersister:\n${stack.persister.logs.slice(-30).join('\n')}`);
  });
  assert.equal(stack.persister.proc.exitCode, null);
  assert.equal(stack.persister.proc.pid, pid, 'the same process did it');
  const ready = await fetch(`${stack.persister.url}/readyz`);
  assert.equal(ready.status, 200, 'ready again once its consumer joined');
});
