import { Type, type Static } from '@sinclair/typebox';
import { Timestamp, UserId } from './envelope.js';

/**
 * Ops → gateway commands, carried on the control topic that every gateway
 * node consumes (key = userId). Each node acts only for the sockets it holds,
 * so a command reaches a user wherever they are connected.
 */

/**
 * Push a user's events again to their live sockets, from a cursor (exclusive)
 * or from a time (inclusive); exactly one of the two. Frames carry
 * `redelivered: true`, so clients drop what they already have (by id).
 */
export const RedeliverCommand = Type.Object(
  {
    type: Type.Literal('redeliver'),
    /** Correlates the nodes' log lines with the ops request (and its audit row). */
    requestId: Type.String({ minLength: 1, maxLength: 128 }),
    userId: UserId,
    fromCursor: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    fromTime: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type RedeliverCommand = Static<typeof RedeliverCommand>;

export type ControlCommand = RedeliverCommand;
