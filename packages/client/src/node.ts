import { WebSocket as NodeWebSocket } from 'ws';
import { createClient, type TidingsClient } from './client.js';
import { endpointsFrom, socketOptions, type ConnectOptions } from './options.js';
import { SocketTransport } from './socket.js';
import { memoryStorage } from './storage.js';
import type { WebSocketFactory } from './types.js';

export { fileStorage } from './file-storage.js';
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
  SyncResult,
  WebSocketFactory,
  WebSocketLike,
} from './types.js';

/**
 * Node entry: connects with `ws`; cursors in memory unless `storage` is
 * given (`fileStorage(path)` keeps them across restarts).
 */
export function connect(opts: ConnectOptions): TidingsClient {
  const endpoints = endpointsFrom(opts, opts.WebSocket ?? (NodeWebSocket as unknown as WebSocketFactory), opts.fetch ?? fetch);
  const transport = new SocketTransport(socketOptions(opts, endpoints, opts.storage ?? memoryStorage()));
  const client = createClient(transport, endpoints, {
    dedupeCapacity: opts.dedupeCapacity,
    requestTimeoutMs: opts.requestTimeoutMs,
    onListenerError: opts.onListenerError,
  });
  transport.start();
  return client;
}
