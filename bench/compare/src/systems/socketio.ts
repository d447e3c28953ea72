import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { Pool } from 'undici';
import { now, spawnServer, type ServerProc } from '../proc.js';
import { BODY, postMortem, type SystemHandle, type SystemOptions } from './system.js';

const ENTRY = fileURLToPath(new URL('../peers/socketio-server.js', import.meta.url));

/**
 * Socket.IO on the Redis Streams adapter, `nodes` servers. Producers POST a
 * batch to a node (lane j sticks to node j mod n, so one user's emits go
 * through one node's stream writer, in order); accept = the node's 200,
 * answered once the emits were handed to the adapter.
 */
export async function startSocketio(o: SystemOptions): Promise<SystemHandle> {
  const stream = `bench-${o.runId}-sio`;
  const sessionPrefix = `bench-${o.runId}-sio:session:`;
  const env = { REDIS_URL: o.redisUrl, STREAM_NAME: stream, SESSION_PREFIX: sessionPrefix, MAX_LEN: String(o.sioMaxLen), RECOVERY_MS: String(120000) };
  const nodes: ServerProc[] = [];
  for (let i = 0; i < o.nodes; i++) nodes.push(await spawnServer(process.execPath, [ENTRY], env, { msg: 'socketio listening' }, `socketio-${i + 1}`));
  const pools = nodes.map((n) => new Pool(n.url, { connections: Math.ceil(o.lanes / nodes.length), pipelining: 1, keepAliveTimeout: 60_000 }));
  const dead = new Set<number>();
  const publishErrors: Record<string, number> = {};
  return {
    endpoints: nodes.map((n) => n.url),
    settings: {
      nodes: o.nodes,
      connectionStateRecovery: { maxDisconnectionDuration: 120000, skipMiddlewares: true },
      adapter: { streamName: stream, maxLen: o.sioMaxLen, readCount: 100, sessionKeyPrefix: sessionPrefix },
      client: { transports: ['websocket'], reconnection: 'library defaults' },
      publish: 'POST /publish to a node → io.to(room).emit',
      lanes: o.lanes,
      maxBatch: o.maxBatch,
    },
    publisher: {
      lanes: o.lanes,
      maxBatch: o.maxBatch,
      async send(lane, batch) {
        const alive = pools.map((_, i) => i).filter((i) => !dead.has(i));
        const node = alive[lane % alive.length]!;
        const m = batch.map((x) => [o.users[x.user]!.id, { s: x.seq, ...BODY }]);
        let at = Number.NaN;
        try {
          const res = await pools[node]!.request({ method: 'POST', path: '/publish', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ m }) });
          await res.body.text();
          if (res.statusCode === 200) at = now();
          else publishErrors[`HTTP ${res.statusCode}`] = (publishErrors[`HTTP ${res.statusCode}`] ?? 0) + 1;
        } catch (error) {
          const code = (error as { code?: string }).code ?? (error as Error).message;
          publishErrors[code] = (publishErrors[code] ?? 0) + 1;
        }
        return batch.map(() => at);
      },
      close: async () => void (await Promise.all(pools.map((p) => p.close()))),
    },
    nodePids: () => nodes.filter((n) => n.proc.exitCode === null && n.proc.signalCode === null).map((n) => n.proc.pid!),
    pids: () => Object.fromEntries(nodes.map((n, i) => [`socketio-${i + 1}`, n.proc.pid!])),
    async kill() {
      dead.add(0);
      await nodes[0]!.kill();
    },
    beforeBack: async () => undefined,
    diagnostics: async () => ({ crashed: postMortem(nodes, dead), publishErrors }),
    async stop() {
      await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
      await Promise.all(nodes.map((n) => n.stop()));
      // The stream is this run's alone; sessions expire by themselves.
      const redis = createClient({ url: o.redisUrl });
      redis.on('error', () => undefined);
      await redis.connect();
      await redis.del(stream);
      redis.destroy();
    },
  };
}
