import { Type, type Static } from '@sinclair/typebox';
import { Priority } from './envelope.js';
import type { ErrorBody, InboxItem, InboxPage, StateAccepted, UnreadCount } from './http.js';
import { agree, type Identical } from './schema-tie.js';

/**
 * JSON Schemas of the HTTP answers, for the services' response schemas and,
 * through them, the OpenAPI documents (`npm run docs:openapi`). The TypeScript
 * interfaces in http.ts stay the source code uses; the assertions at the
 * bottom make the build fail if the two ever disagree.
 */
const Time = Type.String({ format: 'date-time' });
const TimeOrNull = Type.Union([Time, Type.Null()]);

export const InboxItemSchema = Type.Object(
  {
    id: Type.String(),
    category: Type.String(),
    title: Type.String(),
    body: Type.Optional(Type.String()),
    url: Type.Optional(Type.String()),
    payload: Type.Optional(Type.Unknown()),
    priority: Priority,
    groupKey: Type.Optional(Type.String()),
    expiresAt: Type.Optional(Time),
    createdAt: Time,
    seenAt: TimeOrNull,
    readAt: TimeOrNull,
    archivedAt: TimeOrNull,
  },
  { additionalProperties: false },
);
export const InboxPageSchema = Type.Object(
  {
    items: Type.Array(InboxItemSchema),
    nextBefore: Type.Optional(Type.String({ description: 'Pass as `before` for the next (older) page; absent on the last page.' })),
    cursor: Type.String({ description: 'Stream position the page is complete up to; resume the socket from it.' }),
    unread: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export const StateAcceptedSchema = Type.Object(
  {
    ids: Type.Array(Type.String(), { description: 'Ids of the state events written, one per notification of the caller (or one for `all`).' }),
    ignored: Type.Array(Type.String(), { description: 'Requested notification ids that are not the caller\'s own: nothing was written for them.' }),
  },
  { additionalProperties: false },
);
export const UnreadCountSchema = Type.Object({ unread: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
export const ErrorBodySchema = Type.Object(
  {
    code: Type.String({ description: 'A stable code from the error catalogue (docs/errors.md).' }),
    message: Type.String(),
    issues: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }, { additionalProperties: false }))),
  },
  { additionalProperties: false },
);

agree<Identical<Static<typeof InboxItemSchema>, InboxItem>>();
agree<Identical<Static<typeof InboxPageSchema>, InboxPage>>();
agree<Identical<Static<typeof UnreadCountSchema>, UnreadCount>>();
agree<Identical<Static<typeof StateAcceptedSchema>, StateAccepted>>();
agree<Identical<Static<typeof ErrorBodySchema>, ErrorBody>>();
