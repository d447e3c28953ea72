import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { topicNames, type TopicNames } from '@tidings/kafka';
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
    },
  };
}
