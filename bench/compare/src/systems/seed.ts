import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { now, spawnServer, type ServerProc } from '../proc.js';
import { BODY, postMortem, type SystemHandle, type SystemOptions } from './system.js';

const ENTRY = fileURLToPath(new URL('../peers/seed-server.js', import.meta.url));

/** The seed pattern: `nodes` ws servers; producers PUBLISH to the user's Redis channel (accept = PUBLISH reply). */
export async function startSeed(o: SystemOptions): Promise<SystemHandle> {
  const prefix = `bench-${o.runId}-seed:`;
  const env = { REDIS_URL: o.redisUrl, CHANNEL_PREFIX: prefix };
  const nodes: ServerProc[] = [];
  for (let i = 0; i < o.nodes; i++) nodes.push(await spawnServer(process.execPath, [ENTRY], env, { msg: 'seed listening' }, `seed-${i + 1}`));
  const killed = new Set<number>();
  const redis = createClient({ url: o.redisUrl });
  redis.on('error', () => undefined);
  await redis.connect();
  return {
    endpoints: nodes.map((n) => n.url),
    settings: { nodes: o.nodes, channel: `${prefix}<user>`, persistence: 'none', publish: 'PUBLISH from the producer', lanes: o.lanes, maxBatch: o.maxBatch },
    publisher: {
      lanes: o.lanes,
      maxBatch: o.maxBatch,
      send: (_lane, batch) =>
        Promise.all(
          batch.map((m) =>
            redis.publish(prefix + o.users[m.user]!.id, JSON.stringify({ s: m.seq, ...BODY })).then(
              () => now(),
              () => Number.NaN,
            ),
          ),
        ),
      close: async () => undefined,
    },
    nodePids: () => nodes.filter((n) => n.proc.exitCode === null && n.proc.signalCode === null).map((n) => n.proc.pid!),
    pids: () => Object.fromEntries(nodes.map((n, i) => [`seed-${i + 1}`, n.proc.pid!])),
    kill: async () => {
      killed.add(0);
      await nodes[0]!.kill();
    },
    beforeBack: async () => undefined,
    diagnostics: async () => ({ crashed: postMortem(nodes, killed) }),
    async stop() {
      redis.destroy();
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
