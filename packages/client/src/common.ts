/**
 * The public surface both entries share, declared once, name by name; the
 * browser and Node entries add only what is platform-specific (tab sharing,
 * file storage, their `connect`).
 */
export { createClient } from './client.js';
export type { ClientOptions, ClientStats, Endpoints, RequestOptions, TidingsClient } from './client.js';
export { createInbox } from './inbox.js';
export type { Inbox, InboxOptions, InboxSnapshot } from './inbox.js';
export { appendPage, applyEvent, EMPTY_VIEW, fromPage, visibleItems } from './inbox-reducer.js';
export type { InboxView } from './inbox-reducer.js';
export { CLIENT_ERRORS, TidingsClientError } from './errors.js';
export type { ClientErrorCode } from './errors.js';
export { backoffDelay, backoffWindow, DEFAULT_BACKOFF } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { memoryStorage, webStorage } from './storage.js';
export { SocketTransport } from './socket.js';
export type { NetworkSignal, SocketTransportOptions } from './socket.js';
export type { ConnectOptions } from './options.js';
export type { StateTarget, Transport, TransportMessage, WireError } from './transport.js';
export type {
  ClientEvents,
  ConnectionState,
  CursorStorage,
  StateChange,
  StateKind,
  StateResult,
  SyncResult,
  WebSocketFactory,
  WebSocketLike,
} from './types.js';
