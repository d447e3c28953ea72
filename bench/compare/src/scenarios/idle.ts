import { startFleet } from '../fleet.js';
import { rssBytes } from '@tidings/testkit';
import { sleep } from '../proc.js';
import { START } from '../systems/index.js';
import { makeUsers, round, type Ctx, type SystemRun } from './common.js';

/** Idle connections on ONE server process and its RSS per connection (after a warm-up batch, so JIT and pools are not counted). */
export async function idle(ctx: Ctx): Promise<SystemRun> {
  const o = ctx.opts;
  const users = makeUsers(o.connections);
  const warmUsers = makeUsers(50, 'warm');
  const sys = await START[ctx.system]({
    nodes: 1,
    users,
    runId: ctx.runId,
    log: ctx.log,
    lanes: 1,
    maxBatch: 1,
    redisUrl: o.redisUrl,
    sioMaxLen: o.sioMaxLen,
    tidingsEnv: ctx.tidingsEnv,
  });
  try {
    const fleetOpts = { system: ctx.system, endpoints: sys.endpoints, workers: o.workers, sources: o.sources, concurrency: o.concurrency, ...(sys.secret ? { secret: sys.secret } : {}) };
    const warm = await startFleet({ ...fleetOpts, users: warmUsers, workers: 1 });
    await warm.connect();
    await warm.close();
    await sleep(3000);
    const pid = sys.nodePids()[0]!;
    const before = rssBytes(pid);
    const fleet = await startFleet({ ...fleetOpts, users });
    try {
      ctx.log(`${ctx.system}: opening ${users.length} idle connections on one process`);
      const connectMs = await fleet.connect();
      await sleep(5000);
      const after = rssBytes(pid);
      const { open } = await fleet.stats();
      const perConnKiB = (after - before) / users.length / 1024;
      ctx.log(`${ctx.system}: RSS ${round(before / 2 ** 20)} → ${round(after / 2 ** 20)} MiB, ${round(perConnKiB, 2)} KiB per connection`);
      return {
        system: ctx.system,
        settings: sys.settings,
        detail: { connections: users.length, open, connectS: round(connectMs / 1000), rssBeforeMiB: round(before / 2 ** 20), rssAfterMiB: round(after / 2 ** 20) },
        metrics: [
          { name: 'connections open on one process', value: open, unit: '', better: 'higher' },
          { name: 'RSS per idle connection', value: round(perConnKiB, 2), unit: 'KiB', better: 'lower' },
          { name: 'connect rate (incl. auth / subscribe)', value: Math.round(users.length / (connectMs / 1000)), unit: '/s', better: 'higher' },
        ],
      };
    } finally {
      await fleet.close();
    }
  } finally {
    await sys.publisher.close().catch(() => undefined);
    await sys.stop();
  }
}
