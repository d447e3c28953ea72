import type { ValidationIssue } from '@tidings/protocol';

/**
 * The producer library's own error catalogue. Kafka failures are the kafka
 * package's `KafkaWriteError` (retryable, nothing of the write visible);
 * these are the caller's mistakes and are never retryable.
 */
export const PRODUCER_ERRORS = Object.freeze({
  /** A notification failed validation; `issues` names each bad field. */
  TIDINGS_ERR_VALIDATION: { retryable: false },
  /** A payload or whole envelope is over the docs/contract.md §4 size limits. */
  TIDINGS_ERR_TOO_LARGE: { retryable: false },
  /** An option of createProducer() is missing or invalid. */
  TIDINGS_ERR_PRODUCER_OPTIONS: { retryable: false },
});
export type ProducerErrorCode = keyof typeof PRODUCER_ERRORS;

export class ProducerError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: ProducerErrorCode,
    message: string,
    readonly issues: ValidationIssue[] = [],
  ) {
    super(issues.length > 0 ? `${message}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}` : message);
    this.name = 'ProducerError';
    this.retryable = PRODUCER_ERRORS[code].retryable;
  }
}
