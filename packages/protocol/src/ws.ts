import { Type, type Static } from '@sinclair/typebox';
import { EventId, StringEnum, type Envelope } from './envelope.js';
import { LIMITS } from './limits.js';

// Defined dependency-free in constants.ts (browser bundles import them from there).
export { CloseCode, SUBPROTOCOL } from './constants.js';

const RequestId = Type.String({ minLength: 1, maxLength: 64 });
const Token = Type.String({ minLength: 1, maxLength: 8192 });

export const HelloMessage = Type.Object(
  {
    type: Type.Literal('hello'),
    id: Type.Optional(RequestId),
    token: Type.Optional(Token),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);
export const PingMessage = Type.Object(
  { type: Type.Literal('ping'), id: Type.Optional(RequestId) },
  { additionalProperties: false },
);
/** `ids` or `all: true` — the server checks that exactly one is given. */
export const StateRequestMessage = Type.Object(
  {
    type: StringEnum(['read', 'seen', 'archive', 'unarchive']),
    id: Type.Optional(RequestId),
    ids: Type.Optional(Type.Array(EventId, { minItems: 1, maxItems: LIMITS.stateIdsMax })),
    all: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
export const RefreshMessage = Type.Object(
  { type: Type.Literal('refresh'), id: Type.Optional(RequestId), token: Token },
  { additionalProperties: false },
);

export const CLIENT_MESSAGE_TYPES = ['hello', 'ping', 'read', 'seen', 'archive', 'unarchive', 'refresh'] as const;
export type HelloMessage = Static<typeof HelloMessage>;
export type PingMessage = Static<typeof PingMessage>;
export type StateRequestMessage = Static<typeof StateRequestMessage>;
export type RefreshMessage = Static<typeof RefreshMessage>;
export type ClientMessage = HelloMessage | PingMessage | StateRequestMessage | RefreshMessage;

export interface WelcomeMessage {
  type: 'welcome';
  connectionId: string;
  userId: string;
  heartbeatMs: number;
}
/** Every event, replayed or live, has this one shape. */
export interface EventMessage {
  type: 'event';
  cursor: string;
  event: Envelope;
  replayed?: true;
  /** Set when ops redelivered it; the client already may have it. */
  redelivered?: true;
}
export type SyncedReason = 'malformed_cursor' | 'unknown_epoch' | 'partition_changed' | 'beyond_retention' | 'cursor_ahead';
export interface SyncedMessage {
  type: 'synced';
  cursor: string;
  recovered: boolean;
  reason?: SyncedReason;
  /** Events replayed before this message. */
  replayed?: number;
}
export interface ResultMessage {
  type: 'result';
  id: string;
  ok: true;
  data?: unknown;
}
export interface ErrorMessage {
  type: 'error';
  id?: string;
  code: string;
  message: string;
  path?: string;
  /** With `TIDINGS_ERR_RATE_LIMITED`: wait this long before sending the request again. */
  retryAfterMs?: number;
}
export interface PongMessage {
  type: 'pong';
  id?: string;
}
export interface TokenExpiringMessage {
  type: 'token_expiring';
  inMs: number;
}
export type ServerMessage =
  | WelcomeMessage
  | EventMessage
  | SyncedMessage
  | ResultMessage
  | ErrorMessage
  | PongMessage
  | TokenExpiringMessage;
