import { existsSync } from 'node:fs';
import { migrate } from '@tidings/db';
import { topicNames, topicSpecs } from '@tidings/kafka';
import { ensureTopics, startKafka } from '../kafka/index.js';
import { startPostgres } from '../postgres/index.js';
import { chooseInfra, type InfraChoice } from './choice.js';
import type { StackConfig } from './config.js';

export interface Endpoint {
  url: string;
  stop(): Promise<void>;
}

/** Kafka and Postgres for a run of the platform or the tests. */
export interface Infra {
  brokers: string;
  databaseUrl: string;
  choice: InfraChoice;
  stop(): Promise<void>;
}

function dockerAvailable(config: StackConfig): boolean {
  return Boolean(config.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/**
 * Brings up (or adopts from the environment) one Kafka and one Postgres,
 * concurrently, and says which it used. Nothing is migrated or created here:
 * namespaces and `npm start` do that for the database and topics they use.
 */
export async function startInfra(config: StackConfig, log: (msg: string) => void): Promise<Infra> {
  const choice = chooseInfra({
    kafkaBrokers: config.KAFKA_BROKERS,
    databaseUrl: config.DATABASE_URL,
    prefer: config.TIDINGS_INFRA,
    dockerAvailable: dockerAvailable(config),
  });
  const started = Date.now();
  const kafkaP: Promise<Endpoint> =
    choice.kafka === 'env'
      ? Promise.resolve({ url: config.KAFKA_BROKERS!, stop: async () => undefined })
      : choice.kafka === 'containers'
        ? import('./containers.js').then((m) => m.startKafkaContainer())
        : startKafka({ log }).then((k) => ({ url: k.brokers.join(','), stop: () => k.stop() }));
  const pgP: Promise<Endpoint> =
    choice.postgres === 'env'
      ? Promise.resolve({ url: config.DATABASE_URL!, stop: async () => undefined })
      : choice.postgres === 'containers'
        ? import('./containers.js').then((m) => m.startPostgresContainer())
        : startPostgres({ log }).then((p) => ({ url: p.databaseUrl, stop: () => p.stop() }));
  const [kafka, pg] = await Promise.allSettled([kafkaP, pgP]);
  if (kafka.status === 'rejected' || pg.status === 'rejected') {
    if (kafka.status === 'fulfilled') await kafka.value.stop();
    if (pg.status === 'fulfilled') await pg.value.stop();
    throw new Error('error starting infrastructure', { cause: kafka.status === 'rejected' ? kafka.reason : (pg as PromiseRejectedResult).reason });
  }
  log(
    `infra: kafka from ${describe(choice.kafka)} at ${kafka.value.url}; postgres from ${describe(choice.postgres)} (${redactDbUrl(pg.value.url)}); ready in ${Date.now() - started} ms`,
  );
  return {
    brokers: kafka.value.url,
    databaseUrl: pg.value.url,
    choice,
    async stop() {
      await Promise.all([kafka.value.stop(), pg.value.stop()]);
    },
  };
}

function describe(source: string): string {
  return source === 'env' ? 'the environment' : source === 'containers' ? 'testcontainers' : 'the local launcher';
}

/** Database URLs may carry a password; logs get the host and database only. */
export function redactDbUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}

/** Creates the topics (with a prefix) and migrates the database. Idempotent. */
export async function prepare(brokers: string, databaseUrl: string, prefix = ''): Promise<void> {
  await Promise.all([ensureTopics(brokers.split(','), topicSpecs(topicNames(prefix))), migrate(databaseUrl)]);
}
