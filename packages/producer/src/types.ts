import type { CreatedData } from '@tidings/protocol';

/** Recipients: one user, or up to 1000 (deduplicated). Topic fan-out is an ingest feature (it needs the subscriber table). */
export type Recipients = { userId: string; userIds?: never } | { userIds: readonly string[]; userId?: never };

/**
 * A notification to send: the body of `POST /v1/notifications` without
 * `topic`. An explicit `id` makes a retry idempotent (G4): it is an
 * idempotency key scoped to this producer's `source`, and the event ids are
 * derived from both (the same ids ingest derives for a producer whose token
 * `sub` is that source; docs/pipeline.md, Ids and idempotency).
 */
export type Notification = Recipients & {
  id?: string;
  /** Event time (RFC 3339); default: now. */
  time?: string;
  data: CreatedData;
};

export interface SendOptions {
  /**
   * Derives server-style ids from this key when notifications carry no `id`,
   * exactly as ingest does with an `Idempotency-Key` header: a retry with
   * the same key yields the same ids.
   */
  idempotencyKey?: string;
  /** W3C traceparent to put on every record. */
  traceparent?: string;
}

export interface SendResult {
  /** Event ids, in the order of the notifications and their recipients. */
  ids: string[];
}

export interface Producer {
  /** Commits one notification's events atomically; resolves once Kafka acknowledged them (acks=all). */
  send(notification: Notification, options?: SendOptions): Promise<SendResult>;
  /** Up to 1000 notifications, all in one Kafka transaction: all visible or none. */
  sendBatch(notifications: readonly Notification[], options?: SendOptions): Promise<SendResult>;
  /** Waits for writes in flight, then disconnects. Later sends reject. */
  close(): Promise<void>;
}
