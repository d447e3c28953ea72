import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';

/**
 * Socket.IO 4 as its docs set up connection state recovery across nodes:
 * the Redis Streams adapter (the adapter the docs name for recovery with
 * several servers), `connectionStateRecovery` with the documented 2-minute
 * window and skipMiddlewares, one room per user. Producers publish through
 * POST /publish (a batch of [user, payload]); the node emits each to the user's
 * room, which the adapter appends to the stream for every node.
 */
const port = Number(process.env['PORT'] ?? 0);
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const streamName = process.env['STREAM_NAME'] ?? 'socket.io';
const maxLen = Number(process.env['MAX_LEN'] ?? 10000);
const sessionKeyPrefix = process.env['SESSION_PREFIX'] ?? 'sio:session:';
const maxDisconnectionDuration = Number(process.env['RECOVERY_MS'] ?? 2 * 60 * 1000);

const redis = createClient({ url: redisUrl });
redis.on('error', (e: Error) => process.stderr.write(`redis: ${e.message}\n`));
await redis.connect();

const http = createServer(publish);
const io = new Server(http, {
  adapter: createAdapter(redis, { streamName, maxLen, sessionKeyPrefix }),
  connectionStateRecovery: { maxDisconnectionDuration, skipMiddlewares: true },
  perMessageDeflate: false,
});
io.use((socket, next) => {
  const user = (socket.handshake.auth as { user?: unknown }).user;
  if (typeof user !== 'string' || user === '') return next(new Error('user required'));
  socket.data.user = user;
  next();
});
io.on('connection', (socket) => {
  // A recovered socket got its rooms back with its session.
  if (!socket.recovered) void socket.join(`u:${socket.data.user as string}`);
});

function publish(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST' || req.url !== '/publish') return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const { m } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { m: [string, unknown][] };
    for (const [user, payload] of m) io.to(`u:${user}`).emit('n', payload);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
}

http.listen(port, '127.0.0.1', () => {
  const { port: p } = http.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'socketio listening', url: `http://127.0.0.1:${p}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
