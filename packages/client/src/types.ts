import type { EventMessage, SyncedReason } from '@tidings/protocol';
import type { TidingsClientError } from './errors.js';

/**
 * Where the connection is, for honest UI ("reconnecting…"):
 * - `connecting`: a socket is opening or waiting for `welcome`;
 * - `syncing`: welcomed, replaying what was missed;
 * - `live`: `synced` received, events arrive as they happen;
 * - `reconnecting`: waiting out a backoff delay before the next attempt;
 * - `offline`: the browser says it has no network; waiting for `online`;
 * - `closed`: `close()` was called; nothing more will happen.
 */
export type ConnectionState = 'idle' | 'connecting' | 'syncing' | 'live' | 'reconnecting' | 'offline' | 'closed';

export interface StateChange {
  state: ConnectionState;
  /** Gateway URL of the current or next attempt. */
  url?: string | undefined;
  /** Server-assigned id of the current connection (after `welcome`). */
  connectionId?: string | undefined;
  /** Consecutive failed attempts so far (0 after a healthy connection). */
  attempt: number;
  /** With `reconnecting`: when the next attempt starts. */
  retryInMs?: number | undefined;
  /** How the previous socket closed (`code` 1006 when it just dropped). */
  lastClose?: { code: number; reason: string } | undefined;
}

/** The outcome of a resume: replay is complete, live from here. */
export interface SyncResult {
  /** false: the cursor could not be honoured and anything built from earlier events must be refetched. */
  recovered: boolean;
  reason?: SyncedReason | undefined;
  /** Events replayed before going live. */
  replayed: number;
  url: string;
  connectionId: string;
  /** Client clock, ms since epoch. */
  at: number;
}

/** An event as the transport saw it, before de-duplication. */
export interface Frame {
  message: EventMessage;
}

/** Storage for the resume cursor (localStorage in browsers, memory or a file in Node). */
export interface CursorStorage {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
}

/**
 * The part of the WebSocket interface the SDK uses: the browser's native
 * WebSocket and `ws` both satisfy it.
 */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketFactory = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Client events; listeners get these payloads. */
export interface ClientEvents {
  state: StateChange;
  /** Each event once, in log order (duplicates from replays or redelivery dropped by id). */
  event: EventMessage;
  synced: SyncResult;
  error: TidingsClientError;
}

/** Kinds of state request (docs/contract.md §7); each produces state events on the user's stream. */
export type StateKind = 'read' | 'seen' | 'archive' | 'unarchive';
/**
 * The answer to a state request: the state events written, and the requested
 * ids that are not the user's own notifications (nothing was written for
 * them). Gateways before `ignored` existed omit it.
 */
export interface StateResult {
  ids: string[];
  ignored?: string[];
}
