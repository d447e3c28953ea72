import type { EventMessage } from '@tidings/protocol';
import type { StateChange, StateKind, StateResult, SyncResult } from './types.js';

/** An error as it crosses tabs (structured-cloneable, unlike Error objects). */
export interface WireError {
  code: string;
  message: string;
  retryable: boolean;
}

/** What a transport reports to the client; plain data, so a leader tab can broadcast it. */
export type TransportMessage =
  | { type: 'state'; change: StateChange }
  | { type: 'event'; message: EventMessage }
  | { type: 'synced'; result: SyncResult }
  | { type: 'error'; error: WireError };

export interface StateTarget {
  ids?: string[] | undefined;
  all?: true | undefined;
}

/**
 * One stream of a user's events, however it is carried: a socket of this
 * process, or the socket of the leader tab shared over a BroadcastChannel.
 * Event messages come in log order; duplicates are the client's to drop.
 */
export interface Transport {
  readonly state: StateChange;
  readonly lastSync: SyncResult | undefined;
  subscribe(listener: (m: TransportMessage) => void): () => void;
  /** Resolves with the state event ids the server produced; rejects with a TidingsClientError. */
  request(kind: StateKind, target: StateTarget, timeoutMs: number): Promise<StateResult>;
  /** Drops the current socket and connects again now, optionally from another cursor. */
  reconnect(opts?: { cursor?: string | undefined }): void;
  close(): void;
}
