import { WebSocket as NodeWebSocket } from 'ws';
import { createClient, type TidingsClient } from './client.js';
import { endpointsFrom, socketOptions, type ConnectOptions } from './options.js';
import { SocketTransport } from './socket.js';
import { memoryStorage } from './storage.js';
import type { WebSocketFactory } from './types.js';

export { fileStorage } from './file-storage.js';
export * from './common.js';

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
