/** The kafka package's error catalogue. */
export type KafkaErrorCode = 'TIDINGS_ERR_KAFKA_UNAVAILABLE' | 'TIDINGS_ERR_KAFKA_TIMEOUT' | 'TIDINGS_ERR_KAFKA_CLOSED';

export class KafkaWriteError extends Error {
  /** Every write error means: nothing of the write is or will become visible. Retrying is safe. */
  readonly retryable = true;
  constructor(
    readonly code: KafkaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaWriteError';
  }
}
