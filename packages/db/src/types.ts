import type { auditLog, deadLetters, events, inbox, meta, topicSubscriptions, watermarks } from './schema.js';

// Row shapes as drizzle reads (Row) and inserts (New…) them.
export type EventRow = typeof events.$inferSelect;
export type NewEventRow = typeof events.$inferInsert;
export type InboxRow = typeof inbox.$inferSelect;
export type NewInboxRow = typeof inbox.$inferInsert;
export type WatermarkRow = typeof watermarks.$inferSelect;
export type TopicSubscriptionRow = typeof topicSubscriptions.$inferSelect;
export type DeadLetterRow = typeof deadLetters.$inferSelect;
export type NewDeadLetterRow = typeof deadLetters.$inferInsert;
export type AuditLogRow = typeof auditLog.$inferSelect;
export type NewAuditLogRow = typeof auditLog.$inferInsert;
export type MetaRow = typeof meta.$inferSelect;
