// Proof that kafkajs 2.2.4 (last release 2023, never tested against Kafka 4.x)
// works against the broker version the testkit pins. Kafka 4.0 removed old
// protocol versions (KIP-896) and kafkajs picks min(its newest, broker's
// newest) without looking at the broker's oldest, so the risk is an API whose
// newest kafkajs version the broker no longer accepts. The first test checks
// that statically against the broker's ApiVersions; the rest exercise every
// client path the platform relies on and assert outcomes.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import kafkajs from 'kafkajs';
import type { Consumer } from 'kafkajs';
import {
  FAST,
  Inbox,
  assertOrderedAndComplete,
  brokerApiVersions,
  decode,
  highWatermarks,
  makeClient,
  newTopic,
  produceRange,
  retryNotLeader,
  unique,
  waitCommittedToEnd,
} from './kafkajs-compat.helpers.js';
import type { ClientLog } from './kafkajs-compat.helpers.js';
import { startKafka } from './launcher.js';
import type { RunningKafka } from './launcher.js';
import { KAFKA_VERSION } from './options.js';
import { ensureTopics } from './topics.js';

const { Partitioners, ConfigResourceTypes } = kafkajs;

/** The broker version under test; the pinned one unless experimenting. */
const VERSION = KAFKA_VERSION;

let kafka: RunningKafka;
before(async () => {
  kafka = await startKafka({ version: VERSION, log: (m) => console.log(m) });
});
after(async () => {
  await kafka?.stop();
});

/** Every WARN/ERROR kafkajs logged during the run (checked by the last test). */
const clientLogs: ClientLog[] = [];
const client = (clientId: string): ReturnType<typeof makeClient> => makeClient(kafka.brokers, clientId, clientLogs);

// ---------------------------------------------------------------- tests

test('ApiVersions: every API kafkajs implements negotiates a version the broker accepts', async () => {
  const require = createRequire(import.meta.url);
  const { requests } = require('kafkajs/src/protocol/requests/index.js') as {
    requests: Record<string, { versions: string[] }>;
  };
  const apiKeys = require('kafkajs/src/protocol/requests/apiKeys.js') as Record<string, number>;
  const [host, port] = kafka.brokers[0]!.split(':');
  const broker = await brokerApiVersions(host!, Number(port));
  const rows: string[] = [];
  const broken: string[] = [];
  for (const [name, key] of Object.entries(apiKeys)) {
    const implemented = (requests[name]?.versions ?? []).map(Number);
    if (implemented.length === 0) continue; // kafkajs never sends it
    const range = broker.get(key);
    // kafkajs's lookup(): min(newest implemented, broker max); it ignores broker min.
    const chosen = range ? Math.min(Math.max(...implemented), range.max) : undefined;
    const ok = range !== undefined && chosen !== undefined && chosen >= range.min;
    rows.push(
      `${name.padEnd(28)} kafkajs v${Math.min(...implemented)}-${Math.max(...implemented)}  ` +
        `broker ${range ? `v${range.min}-${range.max}` : 'absent'}  → v${chosen ?? '-'} ${ok ? 'ok' : 'BROKEN'}`,
    );
    if (!ok) broken.push(name);
  }
  console.log(`kafkajs ↔ Kafka ${VERSION} API versions:\n${rows.join('\n')}`);
  assert.deepEqual(broken, []);
});

test('admin: createTopics, listTopics, fetchTopicMetadata, fetchTopicOffsets, describeCluster, describeConfigs, deleteTopics', async (t) => {
  const admin = client('compat-admin').admin();
  await admin.connect();
  t.after(() => admin.disconnect());

  const topic = unique('compat-admin');
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 6, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
    // kafkajs's waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a
    // loaded Kafka 4.x answers for a moment after creation: wait as the platform does.
    waitForLeaders: false,
  });
  assert.equal(created, true);
  await ensureTopics(kafka.brokers, [{ topic, numPartitions: 6 }]);
  // Already exists: kafkajs maps TOPIC_ALREADY_EXISTS to `false`, not an error.
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] }), false);

  assert.ok((await admin.listTopics()).includes(topic));

  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(topics.length, 1);
  assert.equal(topics[0]!.name, topic);
  assert.deepEqual(
    topics[0]!.partitions.map((p) => [p.partitionId, p.leader, p.partitionErrorCode]).sort((a, b) => a[0]! - b[0]!),
    [0, 1, 2, 3, 4, 5].map((p) => [p, 1, 0]),
  );

  // Kafka 4.1 lists the leader in metadata ~100 ms before the partition serves
  // ListOffsets (NOT_LEADER_OR_FOLLOWER meanwhile), and kafkajs's
  // fetchTopicOffsets does not retry that: retry here, and say how often.
  const offsets = await retryNotLeader('fetchTopicOffsets', () => admin.fetchTopicOffsets(topic));
  assert.deepEqual(
    offsets.map((o) => [o.partition, o.low, o.high, o.offset]).sort((a, b) => Number(a[0]) - Number(b[0])),
    [0, 1, 2, 3, 4, 5].map((p) => [p, '0', '0', '0']),
  );

  const cluster = await admin.describeCluster();
  assert.deepEqual(cluster.brokers, [{ nodeId: 1, host: '127.0.0.1', port: kafka.port }]);
  assert.match(cluster.clusterId, /^[A-Za-z0-9_-]{22}$/);

  const configs = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
    includeSynonyms: false,
  });
  assert.equal(configs.resources[0]?.configEntries.find((c) => c.configName === 'retention.ms')?.configValue, '3600000');

  await admin.deleteTopics({ topics: [topic] });
  const deadline = Date.now() + 10_000;
  while ((await admin.listTopics()).includes(topic)) {
    assert.ok(Date.now() < deadline, 'topic still listed 10 s after deleteTopics');
    await delay(50);
  }
});

test('idempotent producer → eachBatch group consumer: order, auto and explicit commits, resume without redelivery', async (t) => {
  const c = client('compat-flow');
  const admin = c.admin();
  await admin.connect();
  const topic = await newTopic(admin, 'compat-flow', 6, kafka.brokers);
  const groupId = unique('compat-flow-group');
  const producer = c.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const consumers: Consumer[] = [];
  t.after(async () => {
    for (const consumer of consumers) await consumer.disconnect().catch(() => {});
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });
  const newConsumer = async (): Promise<Consumer> => {
    const consumer = c.consumer({ groupId, ...FAST });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    return consumer;
  };

  await produceRange(producer, topic, 0, 300);
  const highs = await highWatermarks(admin, topic);
  assert.equal([...highs.values()].reduce((n, h) => n + Number(h), 0), 300);
  assert.ok([...highs.values()].filter((h) => h !== '0').length > 1, 'keys spread over several partitions');

  // Phase 1 — auto commit: resolveOffset per message, commitOffsetsIfNecessary
  // per batch (interval-driven), plus the runner's own commit after each batch.
  const inbox1 = new Inbox();
  const c1 = await newConsumer();
  await c1.run({
    autoCommit: true,
    autoCommitInterval: 100,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      for (const m of batch.messages) {
        if (!isRunning() || isStale()) break;
        inbox1.push(decode(batch.partition, m));
        resolveOffset(m.offset);
      }
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  await inbox1.count(300);
  assertOrderedAndComplete(inbox1.records, 0, 300);

  const described = await admin.describeGroups([groupId]);
  assert.equal(described.groups.length, 1);
  assert.equal(described.groups[0]!.groupId, groupId);
  assert.equal(described.groups[0]!.state, 'Stable');
  assert.equal(described.groups[0]!.protocolType, 'consumer');
  assert.equal(described.groups[0]!.members.length, 1);
  assert.equal(described.groups[0]!.members[0]!.clientId, 'compat-flow');

  await waitCommittedToEnd(admin, groupId, topic); // auto commits landed while running
  await c1.disconnect();

  // Phase 2 — a new member of the same group resumes after the commits, with
  // explicit commits through commitOffsetsIfNecessary(offsets).
  await produceRange(producer, topic, 300, 400);
  const inbox2 = new Inbox();
  const c2 = await newConsumer();
  await c2.run({
    autoCommit: false,
    eachBatch: async ({ batch, commitOffsetsIfNecessary }) => {
      for (const m of batch.messages) inbox2.push(decode(batch.partition, m));
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition: batch.partition, offset: next }] }] });
    },
  });
  await inbox2.count(100);
  assertOrderedAndComplete(inbox2.records, 300, 400); // nothing from 0..299 again
  for (const [p, h] of highs) {
    const first = inbox2.records.find((r) => r.partition === p);
    if (first) assert.equal(first.offset.toString(), h, `partition ${p} resumed at its committed offset`);
  }
  await waitCommittedToEnd(admin, groupId, topic);
  await c2.disconnect();

  // Phase 3 — autoCommit off, offsets committed from outside with consumer.commitOffsets.
  await produceRange(producer, topic, 400, 450);
  const inbox3 = new Inbox();
  const c3 = await newConsumer();
  await c3.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) inbox3.push(decode(batch.partition, m));
    },
  });
  await inbox3.count(50);
  assertOrderedAndComplete(inbox3.records, 400, 450);
  const lastByPartition = new Map<number, bigint>();
  for (const r of inbox3.records) lastByPartition.set(r.partition, r.offset);
  await c3.commitOffsets(
    [...lastByPartition].map(([partition, last]) => ({ topic, partition, offset: (last + 1n).toString() })),
  );
  await waitCommittedToEnd(admin, groupId, topic);
  await c3.disconnect();

  // Phase 4 — the explicit commits hold: only new records arrive.
  await produceRange(producer, topic, 450, 470);
  const inbox4 = new Inbox();
  const c4 = await newConsumer();
  await c4.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) inbox4.push(decode(batch.partition, m));
    },
  });
  await inbox4.count(20);
  assertOrderedAndComplete(inbox4.records, 450, 470);
  await c4.disconnect();

  const empty = await admin.describeGroups([groupId]);
  assert.equal(empty.groups[0]!.state, 'Empty');
  assert.equal(empty.groups[0]!.members.length, 0);
  await waitCommittedToEnd(admin, groupId, topic);
});

test('consumer.seek after run() rewinds a partition', async (t) => {
  const c = client('compat-seek');
  const admin = c.admin();
  await admin.connect();
  const topic = await newTopic(admin, 'compat-seek', 1, kafka.brokers);
  const producer = c.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const consumer = c.consumer({ groupId: unique('compat-seek-group'), ...FAST });
  t.after(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  await produceRange(producer, topic, 0, 10);
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const inbox = new Inbox();
  await consumer.run({ eachMessage: async ({ partition, message }) => inbox.push(decode(partition, message)) });
  await inbox.count(10);
  consumer.seek({ topic, partition: 0, offset: '3' });
  await inbox.count(17);
  assert.deepEqual(
    inbox.records.map((r) => Number(r.offset)),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 4, 5, 6, 7, 8, 9],
  );
});

test('consumer.pause/resume: a paused partition gets nothing while others flow; resume delivers the backlog', async (t) => {
  const c = client('compat-pause');
  const admin = c.admin();
  await admin.connect();
  const topic = await newTopic(admin, 'compat-pause', 2, kafka.brokers);
  const producer = c.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const consumer = c.consumer({ groupId: unique('compat-pause-group'), ...FAST });
  t.after(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });
  const fetches = new EventEmitter();
  consumer.on(consumer.events.FETCH, () => fetches.emit('fetch'));
  const nextFetches = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await once(fetches, 'fetch', { signal: AbortSignal.timeout(10_000) });
  };
  const send = (partition: number, n: number): Promise<unknown> =>
    producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: n }, (_, i) => ({ partition, key: `p${partition}`, value: JSON.stringify({ seq: i }) })),
    });
  const inbox = new Inbox();
  const countOn = (p: number): number => inbox.records.filter((r) => r.partition === p).length;

  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => inbox.push(decode(partition, message)) });
  await send(0, 1);
  await send(1, 1);
  await inbox.count(2);

  // One partition paused.
  consumer.pause([{ topic, partitions: [0] }]);
  assert.deepEqual(consumer.paused(), [{ topic, partitions: [0] }]);
  await send(0, 5);
  await send(1, 5);
  await inbox.until('partition 1 backlog', () => countOn(1) === 6);
  await nextFetches(3); // several more fetch rounds: partition 0 would have come by now
  assert.equal(countOn(0), 1, 'paused partition 0 delivered records');
  consumer.resume([{ topic, partitions: [0] }]);
  assert.deepEqual(consumer.paused(), []);
  await inbox.until('partition 0 backlog after resume', () => countOn(0) === 6);

  // The whole topic paused. No partition is fetched, so there are no fetch
  // events to wait on: give it a generous 1 s (10 fetch intervals).
  consumer.pause([{ topic }]);
  await send(0, 2);
  await send(1, 2);
  await delay(1_000);
  assert.equal(inbox.records.length, 12, 'paused topic delivered records');
  consumer.resume([{ topic }]);
  await inbox.count(16);

  for (const p of [0, 1]) {
    assert.deepEqual(
      inbox.records.filter((r) => r.partition === p).map((r) => Number(r.offset)),
      [0, 1, 2, 3, 4, 5, 6, 7],
      `partition ${p} offsets in order, each once`,
    );
  }
});

test('no protocol-version complaints from kafkajs or the broker', async () => {
  // kafkajs logs every error response at ERROR, including retriable ones it
  // then handles (COORDINATOR_LOAD_IN_PROGRESS while __consumer_offsets is
  // created, TOPIC_ALREADY_EXISTS we provoke). They are printed for the
  // record; only version/protocol trouble fails the test. Note "version: 3"
  // in "Response CreateTopics(key: 19, version: 3)" is not trouble.
  const versionTrouble = /unsupported|not supported|does not support|deprecated|InvalidRequest|corrupt|unknown server error/i;
  for (const l of clientLogs) console.log(`kafkajs ${l.level} [${l.namespace}] ${l.message} ${l.extra}`);
  assert.deepEqual(
    clientLogs.filter((l) => versionTrouble.test(`${l.message} ${l.extra}`)),
    [],
  );
  const brokerLog = await readFile(kafka.logFile, 'utf8');
  const flagged = brokerLog.split('\n').filter((l) => / (WARN|ERROR) /.test(l));
  for (const l of flagged) console.log(`broker ${l}`);
  assert.deepEqual(
    flagged.filter((l) => versionTrouble.test(l)),
    [],
  );
});
