// Public surface of the testkit Kafka launcher; internals (lock, jvm, ports,
// exec) stay private.
export { startKafka } from './launcher.js';
export type { RestartKafkaOptions, RunningKafka } from './launcher.js';
export { KAFKA_VERSION, resolveKafkaOptions } from './options.js';
export type { KafkaLauncherEnv, KafkaLauncherOptions, ResolvedKafkaOptions } from './options.js';
export { DEFAULT_TOPICS, ensureTopics } from './topics.js';
export type { EnsureTopicsOptions, TopicSpec } from './topics.js';
export { KAFKA_LAUNCHER_ERROR_CODES, KafkaLauncherError } from './errors.js';
export type { KafkaLauncherErrorCode } from './errors.js';
