import { createClient, type TidingsClient } from './client.js';
import { endpointsFrom, socketOptions, type ConnectOptions } from './options.js';
import { SocketTransport, type NetworkSignal } from './socket.js';
import { webStorage } from './storage.js';
import { TabTransport, type BroadcastChannelFactory, type LockManagerLike } from './tabs.js';
import { readClaims } from './token.js';
import type { Transport } from './transport.js';
import type { WebSocketFactory } from './types.js';

/** navigator.onLine and the window's online/offline events. */
export function browserNetwork(target: Pick<Window, 'addEventListener' | 'removeEventListener'> = globalThis as unknown as Window): NetworkSignal {
  return {
    online: () => globalThis.navigator?.onLine !== false,
    subscribe(listener) {
      const on = () => listener(true);
      const off = () => listener(false);
      target.addEventListener('online', on);
      target.addEventListener('offline', off);
      return () => {
        target.removeEventListener('online', on);
        target.removeEventListener('offline', off);
      };
    },
  };
}

/**
 * Browser entry: the native WebSocket, cursors in localStorage, and one
 * socket per browser rather than per tab — tabs of the same user elect a
 * leader (Web Locks) and share its events over a BroadcastChannel. Where
 * either API is missing, each tab connects for itself.
 */
export function connect(opts: ConnectOptions): TidingsClient {
  const WS = opts.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketFactory | undefined);
  if (!WS) throw new TypeError('connect: no WebSocket implementation; pass `WebSocket`');
  const endpoints = endpointsFrom(opts, WS, opts.fetch ?? globalThis.fetch.bind(globalThis));
  const storage = opts.storage ?? webStorage();
  const network = typeof globalThis.addEventListener === 'function' ? browserNetwork() : undefined;
  const makeSocket = () => new SocketTransport(socketOptions(opts, endpoints, storage, { network }));

  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
  const Channel = (globalThis as { BroadcastChannel?: BroadcastChannelFactory }).BroadcastChannel;
  const share = opts.shareAcrossTabs !== false && locks !== undefined && Channel !== undefined;

  const pending = share ? sharedTransport(opts, makeSocket, locks!, Channel!) : undefined;
  const transport: Transport & { start(): void } = pending ?? makeSocket();
  const client = createClient(transport, endpoints, {
    dedupeCapacity: opts.dedupeCapacity,
    requestTimeoutMs: opts.requestTimeoutMs,
    onListenerError: opts.onListenerError,
  });
  transport.start();
  return client;
}

/**
 * Tabs share per user and deployment, so two users logged in in two tabs
 * never see each other's events. The user comes from `userId` or the
 * token's `sub`; it is read from the first token, which is why the group is
 * joined after `getToken` resolves.
 */
function sharedTransport(
  opts: ConnectOptions,
  makeSocket: () => SocketTransport,
  locks: LockManagerLike,
  Channel: BroadcastChannelFactory,
): Transport & { start(): void } {
  let inner: (Transport & { start(): void }) | undefined;
  let closed = false;
  const listeners = new Set<Parameters<Transport['subscribe']>[0]>();
  const queued: Array<() => void> = [];
  const whenInner = (fn: (t: Transport) => void) => (inner ? fn(inner) : void queued.push(() => fn(inner!)));

  return {
    get state() {
      return inner?.state ?? { state: closed ? 'closed' : 'connecting', attempt: 0 };
    },
    get lastSync() {
      return inner?.lastSync;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start() {
      void (async () => {
        let user = opts.userId;
        try {
          user ??= readClaims(await opts.getToken()).sub;
        } catch {
          // the socket transport reports token failures itself
        }
        if (closed) return;
        const scope = opts.storageScope ?? 'default';
        inner = user ? new TabTransport({ name: `${scope}:${user}`, locks, BroadcastChannel: Channel, createLeader: makeSocket }) : makeSocket();
        inner.subscribe((m) => {
          for (const l of [...listeners]) l(m);
        });
        inner.start();
        for (const fn of queued.splice(0)) fn();
      })();
    },
    request(kind, target, timeoutMs) {
      return new Promise((resolve, reject) => whenInner((t) => t.request(kind, target, timeoutMs).then(resolve, reject)));
    },
    reconnect(o) {
      whenInner((t) => t.reconnect(o));
    },
    close() {
      closed = true;
      whenInner((t) => t.close());
    },
  };
}

export { TabTransport } from './tabs.js';
export type { BroadcastChannelFactory, BroadcastChannelLike, LockManagerLike, TabTransportOptions } from './tabs.js';
export * from './common.js';
