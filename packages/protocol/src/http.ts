import { Type, type Static } from '@sinclair/typebox';
import { CreatedData, EventId, Timestamp, Topic, UserId } from './envelope.js';
import { LIMITS } from './limits.js';

/**
 * `POST /v1/notifications`: exactly one of `userId`, `userIds`, `topic`.
 * An explicit `id` is an idempotency key scoped to the producer: the event
 * ids are derived from it and the producer (docs/pipeline.md, Ids and
 * idempotency), so a retry yields the same ids and no producer can take
 * another's.
 */
export const NotificationRequest = Type.Object(
  {
    id: Type.Optional(EventId),
    userId: Type.Optional(UserId),
    userIds: Type.Optional(Type.Array(UserId, { minItems: 1, maxItems: LIMITS.recipientsMax })),
    topic: Type.Optional(Topic),
    time: Type.Optional(Timestamp),
    data: CreatedData,
  },
  { additionalProperties: false },
);
export type NotificationRequest = Static<typeof NotificationRequest>;

export const BatchRequest = Type.Object(
  { notifications: Type.Array(NotificationRequest, { minItems: 1, maxItems: LIMITS.batchMax }) },
  { additionalProperties: false },
);
export type BatchRequest = Static<typeof BatchRequest>;

export const AcceptedResponse = Type.Object({ ids: Type.Array(Type.String()) });
export type AcceptedResponse = Static<typeof AcceptedResponse>;

/** `POST /v1/me/notifications/read|seen|archive|unarchive`. */
export const StateRequest = Type.Object(
  {
    ids: Type.Optional(Type.Array(EventId, { minItems: 1, maxItems: LIMITS.stateIdsMax })),
    all: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
export type StateRequest = Static<typeof StateRequest>;
/**
 * The answer to a state request (HTTP 202, and the socket's `result.data`):
 * one state event per id that is one of the caller's own notifications, or
 * one for `all`; every other id is listed in `ignored` and writes nothing.
 */
export interface StateAccepted {
  /** Ids of the state events written (not of the notifications). */
  ids: string[];
  /** Requested notification ids that are not the caller's (unknown, or another user's). */
  ignored: string[];
}

export interface InboxItem {
  id: string;
  category: string;
  title: string;
  body?: string | undefined;
  url?: string | undefined;
  payload?: unknown;
  priority: 'low' | 'normal' | 'high';
  groupKey?: string | undefined;
  expiresAt?: string | undefined;
  createdAt: string;
  seenAt: string | null;
  readAt: string | null;
  archivedAt: string | null;
}
export interface InboxPage {
  items: InboxItem[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  nextBefore?: string;
  /** Stream position the page is complete up to; resume the socket from it. */
  cursor: string;
  unread: number;
}
/** `GET /v1/me/unread-count`. */
export interface UnreadCount {
  unread: number;
}

/** Every HTTP error body. */
export interface ErrorBody {
  code: string;
  message: string;
  issues?: { path: string; message: string }[];
}
