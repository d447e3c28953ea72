export {
  DEFAULT_TOPICS,
  KAFKA_LAUNCHER_ERROR_CODES,
  KAFKA_VERSION,
  KafkaLauncherError,
  ensureTopics,
  startKafka,
} from './kafka/index.js';
export type {
  EnsureTopicsOptions,
  KafkaLauncherErrorCode,
  KafkaLauncherOptions,
  RestartKafkaOptions,
  RunningKafka,
  TopicSpec,
} from './kafka/index.js';
export { POSTGRES_LAUNCHER_ERROR_CODES, PostgresLauncherError, startPostgres } from './postgres/index.js';
export type { PostgresLauncherErrorCode, PostgresLauncherOptions, RestartOptions, RunningPostgres } from './postgres/index.js';
export { chooseInfra } from './stack/choice.js';
export type { InfraChoice, InfraChoiceInput, InfraSource } from './stack/choice.js';
export { loadStackConfig } from './stack/config.js';
export type { StackConfig } from './stack/config.js';
export { prepare, redactDbUrl, startInfra } from './stack/infra.js';
export type { Endpoint, Infra } from './stack/infra.js';
export { createNamespace } from './stack/namespace.js';
export type { Namespace } from './stack/namespace.js';
export { spawnService } from './stack/services.js';
export type { RunningService, ServiceName, SpawnOptions } from './stack/services.js';
export { startStack } from './stack/stack.js';
export type { Stack, StackOptions } from './stack/stack.js';
export { testEnv } from './testing/config.js';
export type { TestEnvironment } from './testing/config.js';
export { TEST_AUDIENCE, TEST_ISSUER, testAuthEnv, tokenFor } from './testing/auth.js';
export { openSocket } from './testing/ws-client.js';
export type { TestSocket } from './testing/ws-client.js';
export { postUntilAccepted, requestJson } from './testing/http.js';
export type { JsonResponse } from './testing/http.js';
export { waitForPersisted } from './testing/persisted.js';
export { readTopic, topicEndOffsets } from './testing/topic.js';
export type { TopicRecord } from './testing/topic.js';
export { waitForWatermarks } from './testing/watermarks.js';
export { describeDurability, postgresDurability } from './testing/postgres-settings.js';
export type { PostgresDurability } from './testing/postgres-settings.js';
export { useNamespace, useStack } from './testing/fixture.js';
export type { NamespaceFixture, StackFixture, StackFixtureOptions } from './testing/fixture.js';
export { cpuSeconds, openFileLimit, rssBytes } from './testing/processes.js';
export { boundaryEnvelope, boundaryNumber, boundaryPayload, boundaryString, boundaryTimestamp, nested } from './chaos/fuzz/boundary.js';
