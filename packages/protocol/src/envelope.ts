import { Type, type Static } from '@sinclair/typebox';
import { ID_PATTERN, LIMITS, POSITION_PATTERN, USER_ID_PATTERN } from './limits.js';

export const EventId = Type.String({ minLength: 1, maxLength: LIMITS.idMaxLength, pattern: ID_PATTERN });
export const UserId = Type.String({ minLength: 1, maxLength: LIMITS.userIdMaxLength, pattern: USER_ID_PATTERN });
/**
 * A position a request names (Kafka offset, dead-letter or audit id) as a decimal string:
 * 0..2^63-1, what Postgres `bigint` holds; a larger one is a 400, not a failed query.
 */
export const Position = Type.String({ pattern: POSITION_PATTERN, description: 'Decimal integer from 0 to 9223372036854775807' });
export const Topic = Type.String({ minLength: 1, maxLength: LIMITS.topicMaxLength, pattern: USER_ID_PATTERN });
/**
 * RFC 3339 restricted to what Postgres `timestamptz` stores as the same instant: `date-time` is
 * the domain of timestamp.ts in every validator of this package (offsets ±15:59, 0001..9999 UTC,
 * no leap second).
 */
export const Timestamp = Type.String({
  format: 'date-time',
  maxLength: 64,
  description: 'RFC 3339 date-time; offset within ±15:59, instant within 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999Z, no leap second',
});
/** A string enum as JSON Schema `enum`, so errors say "must be equal to one of the allowed values" once. */
export function StringEnum<const T extends readonly string[]>(values: T) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
}
export const Priority = StringEnum(['low', 'normal', 'high']);

/** `notification.created` data. `payload` is any JSON; its size is checked separately. */
export const CreatedData = Type.Object(
  {
    category: Type.String({ minLength: 1, maxLength: 128 }),
    title: Type.String({ minLength: 1, maxLength: 1024 }),
    body: Type.Optional(Type.String({ maxLength: 16 * 1024 })),
    url: Type.Optional(Type.String({ maxLength: 2048 })),
    payload: Type.Optional(Type.Unknown()),
    priority: Type.Optional(Priority),
    expiresAt: Type.Optional(Timestamp),
    groupKey: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type CreatedData = Static<typeof CreatedData>;

/**
 * State events name one notification, or every notification of the user
 * that precedes the state event in the log (`all: true`). Exactly one of
 * the two is present.
 */
export const StateData = Type.Union([
  Type.Object({ notificationId: EventId }, { additionalProperties: false }),
  Type.Object({ all: Type.Literal(true) }, { additionalProperties: false }),
]);
export type StateData = Static<typeof StateData>;

export const STATE_EVENT_TYPES = [
  'notification.read',
  'notification.seen',
  'notification.archived',
  'notification.unarchived',
] as const;
export type StateEventType = (typeof STATE_EVENT_TYPES)[number];
export const EVENT_TYPES = ['notification.created', ...STATE_EVENT_TYPES] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const base = {
  id: EventId,
  userId: UserId,
  time: Timestamp,
  source: Type.String({ minLength: 1, maxLength: 256 }),
};

export const CreatedEvent = Type.Object(
  { ...base, type: Type.Literal('notification.created'), data: CreatedData },
  { additionalProperties: false },
);
export const StateEvent = Type.Object(
  { ...base, type: StringEnum(STATE_EVENT_TYPES), data: StateData },
  { additionalProperties: false },
);

/** The Kafka record value (docs/contract.md §4). Key = userId. */
export const Envelope = Type.Union([CreatedEvent, StateEvent]);
export type CreatedEvent = Static<typeof CreatedEvent>;
export type StateEvent = Static<typeof StateEvent>;
export type Envelope = CreatedEvent | StateEvent;

export function isCreated(e: Envelope): e is CreatedEvent {
  return e.type === 'notification.created';
}
