// Public surface of @tidings/db. testing/ is not part of it (test helpers only).
export { auditLog, deadLetters, events, idempotencyKeys, inbox, meta, topicSubscriptions, watermarks } from './schema.js';
export type {
  AuditLogRow,
  DeadLetterRow,
  EventRow,
  InboxRow,
  MetaRow,
  NewAuditLogRow,
  NewDeadLetterRow,
  NewEventRow,
  NewInboxRow,
  TopicSubscriptionRow,
  WatermarkRow,
} from './types.js';
export { createDb, createPool } from './pool.js';
export type { Db, PoolOptions } from './pool.js';
export { DEFAULT_MIGRATIONS_DIR, migrate, newEpoch } from './migrate.js';
export type { MigrateOptions, MigrateResult } from './migrate.js';
export { loadDbConfig, optionalDatabaseUrl } from './config.js';
export type { DbConfig, DbEnv } from './config.js';
export { DB_ERRORS, DbError, describeError, errorCode, isUnavailable, isUniqueViolation } from './errors.js';
export type { DbErrorCode } from './errors.js';
export { readEpoch, WATERMARK_CHANNEL } from './stream.js';
