import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createKafka, topicNames, type TopicNames } from '@tidings/kafka';
import { prepare } from './infra.js';

/**
 * An isolated slice of a shared Kafka and Postgres: its own database and its
 * own topic prefix, so test files run in parallel without seeing each other.
 */
export interface Namespace {
  id: string;
  brokers: string;
  databaseUrl: string;
  topicPrefix: string;
  topics: TopicNames;
  /** Environment for services running in this namespace. */
  env: Record<string, string>;
  /** Drops the database, then deletes the namespace's topics (best effort, see deleteTopics). */
  drop(): Promise<void>;
}

export async function createNamespace(brokers: string, adminDatabaseUrl: string): Promise<Namespace> {
  const id = `t${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${id}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${id}`;
  const databaseUrl = url.toString();
  const topicPrefix = `${id}.`;
  await prepare(brokers, databaseUrl, topicPrefix);
  return {
    id,
    brokers,
    databaseUrl,
    topicPrefix,
    topics: topicNames(topicPrefix),
    env: { KAFKA_BROKERS: brokers, DATABASE_URL: databaseUrl, KAFKA_TOPIC_PREFIX: topicPrefix },
    async drop() {
      const c = new pg.Client({ connectionString: adminDatabaseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`);
      } finally {
        await c.end();
      }
      await deleteTopics(brokers, topicPrefix);
    },
  };
}

/**
 * Deletes every topic under `prefix`, so runs against a shared broker
 * (KAFKA_BROKERS) do not pile up partitions. Best effort and bounded: a
 * broker that is down or already stopped (tests that stop their own) takes
 * the topics with it, and leftover topics of a finished namespace harm
 * nothing but space, so a failure here must not fail the run.
 */
export async function deleteTopics(brokers: string, prefix: string): Promise<void> {
  // An empty prefix would name every topic on the broker.
  if (prefix === '') return;
  const admin = createKafka({ brokers: brokers.split(','), clientId: 'tidings-testkit-drop', connectionTimeoutMs: 1000, requestTimeoutMs: 5000, retries: 0 }).admin();
  try {
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 5000 });
  } catch {
    // See above: nothing to do about it, nothing lost.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
