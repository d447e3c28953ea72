export { LIMITS, ID_PATTERN, POSITION_PATTERN, USER_ID_PATTERN, decimalAtMostPattern } from './limits.js';
export { jsonTooDeep, TOO_DEEP_MESSAGE } from './json-depth.js';
export { mayBeUnstorable, unstorableIssues } from './storable.js';
export {
  CreatedData,
  CreatedEvent,
  Envelope,
  EventId,
  EVENT_TYPES,
  Position,
  Priority,
  StringEnum,
  STATE_EVENT_TYPES,
  StateData,
  StateEvent,
  Timestamp,
  Topic,
  UserId,
  isCreated,
} from './envelope.js';
export type { EventType, StateEventType } from './envelope.js';
export { isTimestamp, TIMESTAMP_BOUNDS, timestampProblem } from './timestamp.js';
export { ajv, coercingAjv, compile, jsonBytes, parseEnvelope, toIssues, validateEnvelope } from './validate.js';
export type { Validated, ValidationIssue } from './validate.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export type { CursorPosition, DecodedCursor } from './cursor.js';
export {
  CLIENT_MESSAGE_TYPES,
  CloseCode,
  HelloMessage,
  PingMessage,
  RefreshMessage,
  StateRequestMessage,
  SUBPROTOCOL,
} from './ws.js';
export type {
  ClientMessage,
  ErrorMessage,
  EventMessage,
  PongMessage,
  ResultMessage,
  ServerMessage,
  SyncedMessage,
  SyncedReason,
  TokenExpiringMessage,
  WelcomeMessage,
} from './ws.js';
export { AcceptedResponse, BatchRequest, NotificationRequest, StateRequest } from './http.js';
export type { ErrorBody, InboxItem, InboxPage, StateAccepted, UnreadCount } from './http.js';
export { ErrorBodySchema, InboxItemSchema, InboxPageSchema, StateAcceptedSchema, UnreadCountSchema } from './http-schemas.js';
export { ERRORS, errorStatus } from './errors.js';
export type {
  AuditLogEntry,
  AuditPage,
  DeadLetter,
  DeadLetterPage,
  DeadLetterRetried,
  DeadLetterRetryAll,
  GatewayPosition,
  HistoryEvent,
  HistoryPage,
  LagReport,
  PartitionLag,
  PhaseStats,
  RebuildList,
  RebuildPhase,
  RebuildSource,
  RebuildState,
  RebuildStatus,
  RedeliverAccepted,
} from './ops-http.js';
export {
  AuditLogEntrySchema,
  AuditPageSchema,
  DeadLetterPageSchema,
  DeadLetterRetriedSchema,
  DeadLetterRetryAllSchema,
  DeadLetterSchema,
  HistoryEventSchema,
  HistoryPageSchema,
  LagReportSchema,
  PartitionLagSchema,
  RebuildListSchema,
  RebuildStatusSchema,
  RedeliverAcceptedSchema,
} from './ops-http-schemas.js';
export { REBUILD_ERRORS } from './rebuild-errors.js';
export type { RebuildErrorCode } from './rebuild-errors.js';
export { RedeliverCommand } from './control.js';
export type { ControlCommand } from './control.js';
export type { ErrorCode } from './errors.js';
export {
  ErrorSchema,
  EventSchema,
  PongSchema,
  ResultSchema,
  SyncedSchema,
  TokenExpiringSchema,
  WelcomeSchema,
} from './ws-server.js';
