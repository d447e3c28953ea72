import type { Endpoint } from './infra.js';

/**
 * testcontainers, for machines with a Docker engine and no endpoints in the
 * environment. Loaded lazily so machines without Docker never import it.
 */
export async function startKafkaContainer(): Promise<Endpoint> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer('confluentinc/cp-kafka:8.0.0').withKraft().start();
  return {
    url: `${container.getHost()}:${container.getMappedPort(9093)}`,
    stop: async () => void (await container.stop()),
  };
}

export async function startPostgresContainer(): Promise<Endpoint> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:17-alpine').withDatabase('tidings').start();
  return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
}
