import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { WebSocket, WebSocketServer } from 'ws';

/**
 * The seed pattern, as the platform started out: a `ws` server per node and
 * Redis pub/sub fan-out, one channel per user (PUBLISH tidings-seed:<user>),
 * one subscriber connection per node, no persistence. A socket asks for its
 * user in the query string; the node answers `ready` once SUBSCRIBE is
 * confirmed, so nothing published after that can be missed while connected.
 */
const port = Number(process.env['PORT'] ?? 0);
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = process.env['CHANNEL_PREFIX'] ?? 'tidings-seed:';

const sub = createClient({ url: redisUrl });
sub.on('error', (e: Error) => process.stderr.write(`redis: ${e.message}\n`));
await sub.connect();

const local = new Map<string, Set<WebSocket>>();
const relay = (message: string, channel: string) => {
  const sockets = local.get(channel.slice(prefix.length));
  if (sockets) for (const ws of sockets) ws.send(message);
};

const server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user');
  if (!user) return ws.close(1008, 'user required');
  let set = local.get(user);
  const first = !set;
  if (!set) local.set(user, (set = new Set()));
  set.add(ws);
  const ready = first ? sub.subscribe(prefix + user, relay) : Promise.resolve();
  ready.then(
    () => ws.readyState === WebSocket.OPEN && ws.send('{"type":"ready"}'),
    () => ws.close(1011, 'subscribe failed'),
  );
  ws.on('close', () => {
    set.delete(ws);
    if (set.size === 0 && local.get(user) === set) {
      local.delete(user);
      void sub.unsubscribe(prefix + user, relay).catch(() => undefined);
    }
  });
  ws.on('error', () => undefined);
});
server.listen(port, '127.0.0.1', () => {
  const { port: p } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'seed listening', url: `ws://127.0.0.1:${p}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
