// Helpers for kafkajs-compat.int.test.ts: kafkajs clients that capture their
// logs, an arrival-driven inbox, keyed produce and order/commit assertions,
// and a raw ApiVersions probe.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import kafkajs from 'kafkajs';
import type { Admin, ConsumerConfig, KafkaMessage, Producer } from 'kafkajs';
import { ensureTopics } from './topics.js';

const { Kafka, logLevel } = kafkajs;

export interface ClientLog {
  level: string;
  namespace: string;
  message: string;
  extra: string;
}

/** A kafkajs client whose WARN/ERROR log entries go to `sink` instead of the console. */
export function makeClient(brokers: string[], clientId: string, sink: ClientLog[]): InstanceType<typeof Kafka> {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...extra } = entry.log;
      sink.push({
        level: entry.level === logLevel.ERROR ? 'ERROR' : entry.level === logLevel.WARN ? 'WARN' : String(entry.level),
        namespace: entry.namespace,
        message,
        extra: JSON.stringify(extra),
      });
    },
  });
}

let counter = 0;
export function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

/** Consumer settings that keep the test fast without changing semantics. */
export const FAST: Omit<ConsumerConfig, 'groupId'> = {
  sessionTimeout: 10_000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 100,
};

export interface Received {
  partition: number;
  offset: bigint;
  key: string;
  seq: number;
  headers: Record<string, string>;
}

export function decode(partition: number, m: KafkaMessage): Received {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  }
  const value = JSON.parse(m.value?.toString() ?? 'null') as { seq: number };
  return { partition, offset: BigInt(m.offset), key: m.key?.toString() ?? '', seq: value.seq, headers };
}

/** Collects received records; waits are driven by arrivals, not sleeps. */
export class Inbox {
  readonly records: Received[] = [];
  readonly #arrivals = new EventEmitter();

  push(r: Received): void {
    this.records.push(r);
    this.#arrivals.emit('push');
  }

  async until(what: string, done: (records: Received[]) => boolean, timeoutMs = 30_000): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    while (!done(this.records)) {
      try {
        await once(this.#arrivals, 'push', { signal });
      } catch {
        assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}; have ${this.records.length} records`);
      }
    }
  }

  count(n: number, timeoutMs?: number): Promise<void> {
    return this.until(`${n} records`, (r) => r.length >= n, timeoutMs);
  }
}

export const KEYS = 17;
export const keyOf = (seq: number): string => `user-${seq % KEYS}`;

/** Sends seq in [from, to) keyed by user, with headers, in chunks of 50. */
export async function produceRange(producer: Producer, topic: string, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += 50) {
    const messages = [];
    for (let seq = start; seq < Math.min(to, start + 50); seq++) {
      messages.push({
        key: keyOf(seq),
        value: JSON.stringify({ seq }),
        headers: {
          'content-type': 'application/json',
          traceparent: `00-${seq.toString(16).padStart(32, '0')}-${'1'.padStart(16, '0')}-01`,
          seq: String(seq),
        },
      });
    }
    const meta = await producer.send({ topic, acks: -1, messages });
    for (const m of meta) assert.equal(m.errorCode, 0, `produce error on ${m.topicName}/${m.partition}`);
  }
}

/**
 * Per partition, offsets are contiguous and increasing; per key, sequence
 * numbers are exactly the expected ones, in order; headers survived.
 */
export function assertOrderedAndComplete(records: Received[], from: number, to: number): void {
  const byPartition = new Map<number, Received[]>();
  for (const r of records) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
  for (const [p, rs] of byPartition) {
    for (let i = 1; i < rs.length; i++) {
      assert.equal(rs[i]!.offset, rs[i - 1]!.offset + 1n, `partition ${p}: offset gap or reorder at ${rs[i]!.offset}`);
    }
  }
  const byKey = new Map<string, number[]>();
  const partitionOfKey = new Map<string, number>();
  for (const r of records) {
    byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.seq]);
    const p = partitionOfKey.get(r.key);
    assert.ok(p === undefined || p === r.partition, `key ${r.key} seen on partitions ${p} and ${r.partition}`);
    partitionOfKey.set(r.key, r.partition);
    assert.equal(r.key, keyOf(r.seq));
    assert.equal(r.headers.seq, String(r.seq));
    assert.equal(r.headers['content-type'], 'application/json');
    assert.match(r.headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  }
  for (let k = 0; k < KEYS; k++) {
    const expected = [];
    for (let seq = from; seq < to; seq++) if (seq % KEYS === k) expected.push(seq);
    assert.deepEqual(byKey.get(`user-${k}`) ?? [], expected, `key user-${k}`);
  }
  assert.equal(records.length, to - from);
}

export async function highWatermarks(admin: Admin, topic: string): Promise<Map<number, string>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
}

export async function committed(admin: Admin, groupId: string, topic: string): Promise<Map<number, string>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  assert.equal(entry?.topic, topic);
  return new Map(entry.partitions.map((p) => [p.partition, p.offset]));
}

/** Polls admin.fetchOffsets until the group's commits equal the topic's high watermarks. */
export async function waitCommittedToEnd(admin: Admin, groupId: string, topic: string, timeoutMs = 10_000): Promise<void> {
  const highs = await highWatermarks(admin, topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await committed(admin, groupId, topic);
    if ([...highs].every(([p, h]) => got.get(p) === h)) return;
    if (Date.now() > deadline) {
      assert.deepEqual(Object.fromEntries(got), Object.fromEntries(highs), 'committed offsets vs high watermarks');
    }
    await delay(50);
  }
}

export async function retryNotLeader<T>(what: string, fn: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let failures = 0; ; failures++) {
    try {
      const result = await fn();
      if (failures > 0) console.log(`${what}: NOT_LEADER_OR_FOLLOWER ${failures}× before success`);
      return result;
    } catch (err) {
      const type = (err as { type?: string }).type;
      if ((type !== 'NOT_LEADER_FOR_PARTITION' && type !== 'UNKNOWN_TOPIC_OR_PARTITION') || Date.now() > deadline) throw err;
      await delay(20);
    }
  }
}

export async function newTopic(admin: Admin, prefix: string, numPartitions: number, brokers: string[]): Promise<string> {
  const topic = unique(prefix);
  // Not kafkajs's waitForLeaders: its metadata poll retries only
  // LEADER_NOT_AVAILABLE, and Kafka 4.x answers UNKNOWN_TOPIC_OR_PARTITION for
  // a moment after creation under load (failed a CI run). Kafka 4.x also lists
  // a leader shortly before the partition serves (NOT_LEADER meanwhile): wait
  // until every partition does, as the platform's own ensureTopics does.
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: false }), true);
  await ensureTopics(brokers, [{ topic, numPartitions }]);
  return topic;
}

/** Sends ApiVersions v0 (which every broker accepts) and returns key → range. */
export async function brokerApiVersions(host: string, port: number): Promise<Map<number, { min: number; max: number }>> {
  const clientId = Buffer.from('tidings-compat');
  const header = Buffer.alloc(10);
  header.writeInt16BE(18, 0); // api key: ApiVersions
  header.writeInt16BE(0, 2); // api version 0
  header.writeInt32BE(1, 4); // correlation id
  header.writeInt16BE(clientId.length, 8);
  const body = Buffer.concat([header, clientId]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);

  const socket = connect(port, host);
  try {
    await once(socket, 'connect');
    // Collect on 'data' (not once() per chunk) so no chunk can slip past.
    const response = new Promise<Buffer>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) resolve(buf);
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('broker closed the connection before answering ApiVersions')));
    });
    socket.write(Buffer.concat([size, body]));
    const timeout = new AbortController();
    const buf = await Promise.race([
      response,
      delay(5_000, undefined, { signal: timeout.signal }).then(() => {
        throw new Error('no ApiVersions response within 5 s');
      }),
    ]).finally(() => timeout.abort());
    let o = 8; // size + correlation id
    assert.equal(buf.readInt16BE(o), 0, 'ApiVersions error code');
    o += 2;
    const n = buf.readInt32BE(o);
    o += 4;
    const out = new Map<number, { min: number; max: number }>();
    for (let i = 0; i < n; i++, o += 6) {
      out.set(buf.readInt16BE(o), { min: buf.readInt16BE(o + 2), max: buf.readInt16BE(o + 4) });
    }
    return out;
  } finally {
    socket.destroy();
  }
}
