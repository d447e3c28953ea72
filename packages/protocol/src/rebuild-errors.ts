/**
 * Why a projection rebuild failed: the stable code in a rebuild's status
 * (`error.code`, `GET /v1/ops/rebuild/:id`), which the ops CLI also exits
 * with; documented in docs/operations.md. A failed rebuild never touches the
 * live table: its scratch table is dropped and `inbox` stays as it was.
 */
export const REBUILD_ERRORS = Object.freeze({
  TIDINGS_ERR_REBUILD_KAFKA_UNAVAILABLE: 'the events topic cannot be read (deleted, or Kafka is down); rebuild from the mirror',
  TIDINGS_ERR_REBUILD_KAFKA_TRUNCATED: 'Kafka no longer holds the start of the log (retention or deleted records); rebuild from the mirror',
  TIDINGS_ERR_REBUILD_KAFKA_MISMATCH: 'a record in Kafka differs from, or is missing for, what the mirror holds at that position',
  TIDINGS_ERR_REBUILD_LOCK_TIMEOUT: 'the live table stayed locked by others longer than OPS_REBUILD_LOCK_TIMEOUT_MS; nothing was swapped, retry',
  TIDINGS_ERR_REBUILD_SCHEMA_CHANGED: 'the live table changed shape during the rebuild (a migration ran); nothing was swapped, retry',
  TIDINGS_ERR_REBUILD_ABORTED: 'the ops process shut down during the rebuild; nothing was swapped',
  TIDINGS_ERR_REBUILD_FAILED: 'an unexpected error; the ops log has the details',
});
export type RebuildErrorCode = keyof typeof REBUILD_ERRORS;
