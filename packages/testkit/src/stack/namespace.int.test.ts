import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { createKafka } from '@tidings/kafka';
import { testEnv } from '../testing/config.js';
import { settlesWithin } from '../testing/settle.js';
import { createNamespace, deleteTopics } from './namespace.js';

const env = testEnv();

async function databases(): Promise<string[]> {
  const c = new pg.Client({ connectionString: env.databaseUrl });
  await c.connect();
  try {
    return (await c.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

async function topics(): Promise<string[]> {
  const admin = createKafka({ brokers: env.brokers.split(','), clientId: 'namespace-test' }).admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

test('drop removes the namespace database and every topic under its prefix, and nothing of another namespace', async () => {
  const [mine, other] = await Promise.all([createNamespace(env.brokers, env.databaseUrl), createNamespace(env.brokers, env.databaseUrl)]);
  try {
    const before = await topics();
    for (const t of Object.values(mine.topics)) assert.ok(before.includes(t), `${t} was created`);

    await mine.drop();

    assert.ok(!(await databases()).includes(mine.id), 'database dropped');
    assert.ok((await databases()).includes(other.id), "the other namespace's database stays");
    // Topic deletion is asynchronous on the broker: the listing catches up within moments.
    const deadline = Date.now() + 15_000;
    let left = (await topics()).filter((t) => t.startsWith(mine.topicPrefix));
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      left = (await topics()).filter((t) => t.startsWith(mine.topicPrefix));
    }
    assert.deepEqual(left, []);
    const after = await topics();
    for (const t of Object.values(other.topics)) assert.ok(after.includes(t), `${t} of the other namespace stays`);
  } finally {
    await other.drop();
  }
});

test('deleting topics on a broker nobody answers on gives up quickly instead of failing the drop', async () => {
  assert.equal(await settlesWithin(deleteTopics('127.0.0.1:1', 'tnothing.'), 10_000), 'done');
});
