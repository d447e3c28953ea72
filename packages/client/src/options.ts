import type { BackoffOptions } from './backoff.js';
import type { Endpoints } from './client.js';
import type { SocketTransportOptions } from './socket.js';
import type { CursorStorage, WebSocketFactory } from './types.js';
import { apiBase, streamUrl } from './urls.js';

/** Options of `connect()`, in browsers and Node alike. */
export interface ConnectOptions {
  /** Gateway base URLs (`http://host:4100` or `ws://host:4100`), tried in turn on failure. */
  urls: string | readonly string[];
  /**
   * Returns a user token. Called before every connection attempt and when
   * the server warns that the token expires (`token_expiring`); cache in
   * the app and return a fresh one when it is close to expiry.
   */
  getToken: () => string | Promise<string>;
  /** Where the resume cursor is kept: localStorage in browsers, memory in Node (see `fileStorage`). */
  storage?: CursorStorage;
  /** A WebSocket implementation: the native one in browsers, `ws` in Node. */
  WebSocket?: WebSocketFactory;
  /** HTTP API bases for the inbox model, when they differ from `urls` (a same-origin proxy, for example). */
  apiUrls?: readonly string[];
  fetch?: typeof fetch;
  /** The user, when tokens are not JWTs carrying `sub`: keys the stored cursor (and the tab group). */
  userId?: string;
  /** Separates deployments that share one storage (default: `default`). */
  storageScope?: string;
  backoff?: BackoffOptions;
  /** A connection live this long is healthy: the backoff starts over after it (default 5000 ms). */
  healthyAfterMs?: number;
  /** Socket open to `welcome` (default 10000 ms). */
  welcomeTimeoutMs?: number;
  /** Default timeout of state requests (default 10000 ms). */
  requestTimeoutMs?: number;
  /** Event ids remembered for de-duplication (default 5000). */
  dedupeCapacity?: number;
  /** Browsers: share one socket among the tabs of this origin (default true). */
  shareAcrossTabs?: boolean;
  /** Listener exceptions end up here (default console.error). */
  onListenerError?: (error: unknown) => void;
}

export function toList(urls: string | readonly string[]): string[] {
  const list = typeof urls === 'string' ? [urls] : [...urls];
  if (list.length === 0) throw new TypeError('connect: `urls` needs at least one gateway URL');
  return list;
}

export function endpointsFrom(opts: ConnectOptions, WebSocket: WebSocketFactory, fetchFn: typeof fetch): Endpoints {
  const list = toList(opts.urls);
  return {
    streamUrls: list.map(streamUrl),
    apiUrls: opts.apiUrls ? [...opts.apiUrls] : list.map(apiBase),
    getToken: opts.getToken,
    WebSocket,
    fetch: fetchFn,
  };
}

export function socketOptions(
  opts: ConnectOptions,
  endpoints: Endpoints,
  storage: CursorStorage,
  extra: Partial<SocketTransportOptions> = {},
): SocketTransportOptions {
  return {
    urls: endpoints.streamUrls,
    getToken: opts.getToken,
    WebSocket: endpoints.WebSocket,
    storage,
    storageScope: opts.storageScope ?? 'default',
    userId: opts.userId,
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    ...(opts.healthyAfterMs !== undefined ? { healthyAfterMs: opts.healthyAfterMs } : {}),
    ...(opts.welcomeTimeoutMs !== undefined ? { welcomeTimeoutMs: opts.welcomeTimeoutMs } : {}),
    ...extra,
  };
}
