import { Type } from '@sinclair/typebox';
import { parseConfig } from '@tidings/config';

const TestEnv = Type.Object({
  KAFKA_BROKERS: Type.String({ minLength: 1 }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  TIDINGS_TEST_AUTH_SECRET: Type.String({ minLength: 32 }),
});

/** What `npm test` hands every test file: the shared infrastructure and the run's auth secret. */
export interface TestEnvironment {
  brokers: string;
  databaseUrl: string;
  authSecret: string;
}

export function testEnv(env: Record<string, string | undefined> = process.env): TestEnvironment {
  try {
    const c = parseConfig(TestEnv, env);
    return { brokers: c.KAFKA_BROKERS, databaseUrl: c.DATABASE_URL, authSecret: c.TIDINGS_TEST_AUTH_SECRET };
  } catch (error) {
    throw new Error('integration tests run through `npm test`, which provides Kafka, Postgres and an auth secret', { cause: error });
  }
}
