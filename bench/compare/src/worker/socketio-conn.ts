import { io, type Socket } from 'socket.io-client';
import { once, type BenchConn, type ConnContext } from './conn.js';

/**
 * A Socket.IO 4 client as its docs set one up behind several nodes without
 * sticky sessions: WebSocket transport only, the library's own reconnection
 * (defaults: 1 s delay, ×2 up to 5 s, 0.5 randomisation) and connection state
 * recovery (the client sends its session id and last offset on reconnect).
 * After a node dies the next attempt goes to the next node.
 */
export function socketioConn(ctx: ConnContext): BenchConn {
  let node = ctx.node;
  let dropped = false;
  const socket: Socket = io(ctx.endpoints[node]!, {
    transports: ['websocket'],
    auth: { user: ctx.userId },
    forceNew: true,
    autoConnect: false,
    // Passed through to `ws` by engine.io-client (not in its typings).
    ...({ localAddress: ctx.localAddress, perMessageDeflate: false } as object),
  });
  socket.on('n', (m: { s?: number }) => {
    if (typeof m?.s === 'number') ctx.sink.message(m.s);
  });
  socket.on('disconnect', (reason) => {
    if (reason === 'io client disconnect' || !socket.io.reconnection()) return;
    dropped = true;
    ctx.sink.dropped();
  });
  socket.io.on('reconnect_attempt', () => {
    node = (node + 1) % ctx.endpoints.length;
    (socket.io as unknown as { uri: string }).uri = ctx.endpoints[node]!;
  });
  socket.on('connect', () => {
    if (!dropped) return;
    dropped = false;
    ctx.sink.reconnected(socket.recovered);
  });

  // Failed attempts are retried by the manager (with its backoff); only success ends the wait.
  const connected = (what: string, timeoutMs: number) =>
    once<boolean>((resolve) => socket.once('connect', () => resolve(socket.recovered)), timeoutMs, `socket.io ${ctx.userId} ${what}`);

  return {
    async open() {
      const p = connected('open', 120000);
      socket.connect();
      await p;
    },
    async away() {
      // Drop the transport the way a network loss does: the server then keeps the
      // session for recovery (an explicit socket.disconnect() would discard it).
      socket.io.reconnection(false);
      const gone = new Promise<void>((r) => socket.once('disconnect', () => r()));
      socket.io.engine.close();
      await gone;
    },
    async back(onConnected) {
      socket.io.reconnection(true);
      socket.io.once('open', onConnected);
      const p = connected('back', 600000);
      socket.connect();
      return { recovered: await p };
    },
    get isOpen() {
      return socket.connected;
    },
    close() {
      socket.io.reconnection(false);
      socket.disconnect();
    },
  };
}
