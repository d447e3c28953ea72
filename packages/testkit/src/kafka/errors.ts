/**
 * Failure codes of the testkit Kafka launcher. Each is documented in
 * infra/kafka/README.md (errors.unit.test.ts checks that).
 */
export const KAFKA_LAUNCHER_ERROR_CODES = {
  /** `java` or `mvn` could not be run at all (not installed / not on PATH). */
  TOOL_MISSING: 'TIDINGS_ERR_KAFKA_TOOL_MISSING',
  /** mvn ran but did not produce the jars (offline, bad version, …). */
  RESOLVE_FAILED: 'TIDINGS_ERR_KAFKA_RESOLVE_FAILED',
  /** Another process held the artifact cache lock for longer than lockTimeoutMs. */
  LOCK_TIMEOUT: 'TIDINGS_ERR_KAFKA_LOCK_TIMEOUT',
  /** kafka.tools.StorageTool format failed. */
  FORMAT_FAILED: 'TIDINGS_ERR_KAFKA_FORMAT_FAILED',
  /** The broker exited or was not ready within startTimeoutMs. */
  START_FAILED: 'TIDINGS_ERR_KAFKA_START_FAILED',
  /** ensureTopics could not create a topic, or found it with another partition count. */
  TOPICS_FAILED: 'TIDINGS_ERR_KAFKA_TOPICS_FAILED',
} as const;

export type KafkaLauncherErrorCode = (typeof KAFKA_LAUNCHER_ERROR_CODES)[keyof typeof KAFKA_LAUNCHER_ERROR_CODES];

/** An Error with a stable `code`; `cause` carries the underlying failure. */
export class KafkaLauncherError extends Error {
  override readonly name = 'KafkaLauncherError';
  readonly code: KafkaLauncherErrorCode;

  constructor(code: KafkaLauncherErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
