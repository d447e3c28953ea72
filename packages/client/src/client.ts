import type { EventMessage } from '@tidings/protocol';
import { createSeenIds } from './dedupe.js';
import { createEmitter } from './emitter.js';
import { TidingsClientError } from './errors.js';
import type { StateTarget, Transport } from './transport.js';
import type { ClientEvents, StateChange, StateKind, StateResult, SyncResult, WebSocketFactory } from './types.js';

/** What the inbox model needs to reach the gateways besides the shared stream. */
export interface Endpoints {
  /** Stream URLs, in failover order. */
  streamUrls: readonly string[];
  /** HTTP API bases, in failover order. */
  apiUrls: readonly string[];
  getToken: () => string | Promise<string>;
  WebSocket: WebSocketFactory;
  fetch: typeof fetch;
}

export interface RequestOptions {
  timeoutMs?: number;
}

export interface ClientStats {
  /** Events handed to `event` listeners. */
  delivered: number;
  /** Events dropped because their id had already been delivered. */
  duplicatesDropped: number;
}

/** A user's live notification stream; see docs/client.md. */
export interface TidingsClient {
  readonly state: StateChange;
  /** The last resume outcome (also emitted as `synced`). */
  readonly lastSync: SyncResult | undefined;
  readonly stats: Readonly<ClientStats>;
  readonly endpoints: Endpoints;
  on<K extends keyof ClientEvents>(type: K, listener: (payload: ClientEvents[K]) => void): () => void;
  off<K extends keyof ClientEvents>(type: K, listener: (payload: ClientEvents[K]) => void): void;
  /** Resolves on the next `synced` (at once if live already); rejects after `timeoutMs` or on close. */
  whenLive(timeoutMs?: number): Promise<SyncResult>;
  read(ids: readonly string[], opts?: RequestOptions): Promise<StateResult>;
  seen(ids: readonly string[], opts?: RequestOptions): Promise<StateResult>;
  archive(ids: readonly string[], opts?: RequestOptions): Promise<StateResult>;
  unarchive(ids: readonly string[], opts?: RequestOptions): Promise<StateResult>;
  /** Marks every notification up to now read (one `notification.read` event with `all: true`). */
  readAll(opts?: RequestOptions): Promise<StateResult>;
  /** Drops the socket and connects again now; `cursor` resumes from another position (older ones are safe: duplicates are dropped). */
  reconnect(opts?: { cursor?: string }): void;
  close(): void;
}

export interface ClientOptions {
  /** Ids remembered for de-duplication. */
  dedupeCapacity?: number;
  requestTimeoutMs?: number;
  onListenerError?: (error: unknown) => void;
}

/**
 * The application-facing client over any transport: de-duplicates events by
 * id before the app sees them (G4 as the app sees it), keeps delivery in
 * transport order (log order, G2), and offers the state requests.
 */
export function createClient(transport: Transport, endpoints: Endpoints, opts: ClientOptions = {}): TidingsClient {
  const emitter = createEmitter<ClientEvents>(opts.onListenerError);
  const seen = createSeenIds(opts.dedupeCapacity ?? 5000);
  const stats: ClientStats = { delivered: 0, duplicatesDropped: 0 };
  const defaultTimeout = opts.requestTimeoutMs ?? 10000;
  let closed = false;

  transport.subscribe((m) => {
    switch (m.type) {
      case 'event':
        return deliver(m.message);
      case 'state':
        return emitter.emit('state', m.change);
      case 'synced':
        return emitter.emit('synced', m.result);
      case 'error':
        return emitter.emit('error', new TidingsClientError(m.error.code, m.error.message, { retryable: m.error.retryable }));
    }
  });

  function deliver(message: EventMessage): void {
    if (!seen.add(message.event.id)) {
      stats.duplicatesDropped += 1;
      return;
    }
    stats.delivered += 1;
    emitter.emit('event', message);
  }

  const request = (kind: StateKind, target: StateTarget, o?: RequestOptions) => {
    if (target.ids !== undefined && target.ids.length === 0) return Promise.resolve({ ids: [] });
    return transport.request(kind, target, o?.timeoutMs ?? defaultTimeout);
  };

  return {
    get state() {
      return transport.state;
    },
    get lastSync() {
      return transport.lastSync;
    },
    stats,
    endpoints,
    on: (type, listener) => emitter.on(type, listener),
    off: (type, listener) => emitter.off(type, listener),
    whenLive(timeoutMs = 30000) {
      if (transport.state.state === 'live' && transport.lastSync) return Promise.resolve(transport.lastSync);
      if (closed) return Promise.reject(new TidingsClientError('TIDINGS_ERR_CLIENT_CLOSED'));
      return new Promise<SyncResult>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          offSynced();
          offState();
        };
        const timer = setTimeout(() => {
          done();
          reject(new TidingsClientError('TIDINGS_ERR_CLIENT_TIMEOUT', `not live within ${timeoutMs} ms (state ${transport.state.state})`));
        }, timeoutMs);
        const offSynced = emitter.on('synced', (r) => {
          done();
          resolve(r);
        });
        const offState = emitter.on('state', (s) => {
          if (s.state !== 'closed') return;
          done();
          reject(new TidingsClientError('TIDINGS_ERR_CLIENT_CLOSED'));
        });
      });
    },
    read: (ids, o) => request('read', { ids: [...ids] }, o),
    seen: (ids, o) => request('seen', { ids: [...ids] }, o),
    archive: (ids, o) => request('archive', { ids: [...ids] }, o),
    unarchive: (ids, o) => request('unarchive', { ids: [...ids] }, o),
    readAll: (o) => request('read', { all: true }, o),
    reconnect: (o) => transport.reconnect(o),
    close() {
      closed = true;
      transport.close();
    },
  };
}
