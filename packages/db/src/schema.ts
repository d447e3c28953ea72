// The Postgres schema (docs/contract.md §5). drizzle-kit reads this file to generate the
// SQL in /migrations: change it, then `npm run db:generate -- --name <what>`.
// Self-contained on purpose (imports only drizzle-orm): drizzle-kit bundles it
// on its own and does not follow this package's `.js` import suffixes.
//
// Positions (Kafka offsets) are `bigint` end to end: they are never floats.
// Every timestamp is timestamptz.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const offset = (name: string) => bigint(name, { mode: 'bigint' });

/**
 * The event-log mirror: every event of the topic, as the persister consumed
 * it. Kafka stays the source of truth; this is what replay and ops history
 * read.
 */
export const events = pgTable(
  'events',
  {
    /** The envelope id (≤128 chars). Its uniqueness is the idempotency guarantee G4: a re-submitted event is stored once. */
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    partition: integer('partition').notNull(),
    offset: offset('offset').notNull(),
    type: text('type').notNull(),
    /** Event time from the envelope (normalised to timestamptz, millisecond precision in JS). */
    time: tstz('time').notNull(),
    source: text('source').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    persistedAt: tstz('persisted_at').notNull().defaultNow(),
  },
  (t) => [
    // One record per log position: a redelivered record cannot be stored under a second id.
    uniqueIndex('events_partition_offset_key').on(t.partition, t.offset),
    // Replay: "this user's events after cursor (partition, offset)", in log order.
    index('events_user_partition_offset_idx').on(t.userId, t.partition, t.offset),
  ],
);

/**
 * The inbox projection: one row per notification (its `notification.created`
 * event), with the state that later state events set.
 */
export const inbox = pgTable(
  'inbox',
  {
    /** The id of the notification.created event. */
    notificationId: text('notification_id').primaryKey(),
    userId: text('user_id').notNull(),
    partition: integer('partition').notNull(),
    /** Offset of the created event; a user's events share one partition, so it orders the inbox (newest first). */
    offset: offset('offset').notNull(),
    category: text('category').notNull(),
    title: text('title').notNull(),
    body: text('body'),
    url: text('url'),
    payload: jsonb('payload').$type<unknown>(),
    priority: text('priority').notNull().default('normal'),
    groupKey: text('group_key'),
    expiresAt: tstz('expires_at'),
    /** The created event's time. */
    createdAt: tstz('created_at').notNull(),
    seenAt: tstz('seen_at'),
    readAt: tstz('read_at'),
    archivedAt: tstz('archived_at'),
  },
  (t) => [
    // Inbox pages: a user's notifications newest first, keyset-paged by offset.
    // NULLS FIRST is what a plain `ORDER BY offset DESC` means; drizzle-kit
    // would otherwise emit DESC NULLS LAST, which such a query cannot use.
    index('inbox_user_offset_idx').on(t.userId, t.offset.desc().nullsFirst()),
    // Unread count: only the rows that count (neither read nor archived) are indexed, so it stays small.
    index('inbox_user_unread_idx').on(t.userId).where(sql`${t.readAt} is null and ${t.archivedAt} is null`),
  ],
);

/**
 * How far Postgres is complete, per partition. Every record of the partition
 * with offset < next_offset has been processed by the persister (stored,
 * recognised as a duplicate, or dead-lettered). Written in the same
 * transaction as the rows it covers, so it never claims more than is stored.
 */
export const watermarks = pgTable('watermarks', {
  partition: integer('partition').primaryKey(),
  nextOffset: offset('next_offset').notNull(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

/**
 * Who receives a notification sent to a topic. A topic belongs to the
 * producer that uses it (docs/contract.md §10): two producers' topics of the
 * same name are two topics, told apart by `owner`.
 */
export const topicSubscriptions = pgTable(
  'topic_subscriptions',
  {
    /**
     * The `sub` of the producer whose topic this is. Rows from before topics
     * had owners hold '' and belong to no producer until an operator assigns
     * them (docs/operations.md).
     */
    owner: text('owner').notNull().default(''),
    topic: text('topic').notNull(),
    userId: text('user_id').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  // The primary key also serves fan-out: one owner's topic's subscribers keyset-paged by user_id.
  (t) => [primaryKey({ columns: [t.owner, t.topic, t.userId] })],
);

/**
 * The requests each producer sent with an `Idempotency-Key`, remembered for
 * the retention ingest is configured with, so reusing a key for a different
 * request is refused (422) instead of answered with the first request's ids.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** The producer (`sub` of its token): keys are scoped to it. */
    source: text('source').notNull(),
    key: text('key').notNull(),
    /** sha256 of the request's method, route and canonical body; never the body itself. */
    fingerprint: text('fingerprint').notNull(),
    /** When the key was first used (or reused after it expired). */
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  // The expiry sweep deletes by age.
  (t) => [primaryKey({ columns: [t.source, t.key] }), index('idempotency_keys_created_at_idx').on(t.createdAt)],
);

/** Records the persister could not process (invalid JSON, failed validation), kept for ops to inspect and retry. */
export const deadLetters = pgTable(
  'dead_letters',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    partition: integer('partition').notNull(),
    offset: offset('offset').notNull(),
    /** Record key; Kafka allows none. */
    key: text('key'),
    /** Raw record value as received; may be invalid JSON, or absent. */
    value: text('value'),
    reason: text('reason').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    retriedAt: tstz('retried_at'),
    retryCount: integer('retry_count').notNull().default(0),
  },
  // A poison record consumed again (after a rebalance or restart) is recorded once.
  (t) => [uniqueIndex('dead_letters_partition_offset_key').on(t.partition, t.offset)],
);

/** Every ops action (G5), successful or not. Read newest first by id; no other index needed. */
export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'bigint' }).primaryKey(),
  at: tstz('at').notNull().defaultNow(),
  /** The `sub` of the ops token. */
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  params: jsonb('params').$type<Record<string, unknown>>().notNull(),
  result: jsonb('result').$type<unknown>(),
  ok: boolean('ok').notNull(),
});

/**
 * Small key/value facts about this database. `epoch`: a random id created
 * once by migrate(); cursors carry it, so a cursor from another database or
 * topic incarnation is detected instead of misread.
 */
export const meta = pgTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
