import { Type, type Static } from '@sinclair/typebox';
import { Envelope } from './envelope.js';
import type {
  ErrorMessage,
  EventMessage,
  PongMessage,
  ResultMessage,
  SyncedMessage,
  TokenExpiringMessage,
  WelcomeMessage,
} from './ws.js';

/**
 * JSON Schemas of the server → client messages, for the AsyncAPI document and
 * for clients that validate. The TypeScript interfaces in ws.ts stay the
 * source code uses; the assertions at the bottom make the build fail if the
 * two ever disagree.
 */
export const WelcomeSchema = Type.Object(
  { type: Type.Literal('welcome'), connectionId: Type.String(), userId: Type.String(), heartbeatMs: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export const EventSchema = Type.Object(
  {
    type: Type.Literal('event'),
    cursor: Type.String(),
    event: Envelope,
    replayed: Type.Optional(Type.Literal(true)),
    redelivered: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
export const SyncedSchema = Type.Object(
  {
    type: Type.Literal('synced'),
    cursor: Type.String(),
    recovered: Type.Boolean(),
    reason: Type.Optional(
      Type.Union([
        Type.Literal('malformed_cursor'),
        Type.Literal('unknown_epoch'),
        Type.Literal('partition_changed'),
        Type.Literal('beyond_retention'),
        Type.Literal('cursor_ahead'),
      ]),
    ),
    replayed: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export const ResultSchema = Type.Object(
  { type: Type.Literal('result'), id: Type.String(), ok: Type.Literal(true), data: Type.Optional(Type.Unknown()) },
  { additionalProperties: false },
);
export const ErrorSchema = Type.Object(
  {
    type: Type.Literal('error'),
    id: Type.Optional(Type.String()),
    code: Type.String(),
    message: Type.String(),
    path: Type.Optional(Type.String()),
    retryAfterMs: Type.Optional(Type.Integer({ minimum: 0, description: 'With TIDINGS_ERR_RATE_LIMITED: wait this long before sending the request again.' })),
  },
  { additionalProperties: false },
);
export const PongSchema = Type.Object({ type: Type.Literal('pong'), id: Type.Optional(Type.String()) }, { additionalProperties: false });
export const TokenExpiringSchema = Type.Object(
  { type: Type.Literal('token_expiring'), inMs: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);

/** Compile-time: A and B are mutually assignable. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree = <T extends true>(): T | undefined => undefined;
agree<Same<Static<typeof WelcomeSchema>, WelcomeMessage>>();
agree<Same<Static<typeof EventSchema>, EventMessage>>();
agree<Same<Static<typeof SyncedSchema>, SyncedMessage>>();
agree<Same<Static<typeof ResultSchema>, ResultMessage>>();
agree<Same<Static<typeof ErrorSchema>, ErrorMessage>>();
agree<Same<Static<typeof PongSchema>, PongMessage>>();
agree<Same<Static<typeof TokenExpiringSchema>, TokenExpiringMessage>>();
