import { analyze } from '../analyze.js';
import { now, sleep } from '../proc.js';
import { PublishLog, runPaced } from '../publisher.js';
import { makeUsers, round, settle, withSystem, type Ctx, type SystemRun } from './common.js';

/**
 * Resume after a crash under load: `rate` messages/s to `clients` on two
 * nodes (MQTT: one broker); at `killAt` s node 0 (the broker) is SIGKILLed.
 * Its clients reconnect the way their library does; what was accepted but
 * never reached them is the loss after reconnect.
 */
export async function kill(ctx: Ctx): Promise<SystemRun> {
  const o = ctx.opts;
  const users = makeUsers(o.clients);
  return withSystem(ctx, 2, users, async (sys, fleet) => {
    const log = new PublishLog(users.length);
    const from = log.mark();
    const base = (await fleet.stats()).received;
    const measureFrom = now();
    ctx.log(`${ctx.system}: ${o.rate}/s over ${o.clients} clients for ${o.duration} s; SIGKILL node 0 at ${o.killAt} s`);
    await sys.diagnostics?.().catch(() => undefined); // starts the diagnostics' window here
    let loadDone = false;
    const loadP = runPaced(sys.publisher, log, users, o.rate, o.duration * 1000).finally(() => (loadDone = true));
    await sleep(o.killAt * 1000);
    const killedAt = performance.now();
    await sys.kill();
    ctx.log(`${ctx.system}: node 0 killed`);
    // Time until every dropped client is back (polling while the load goes on).
    let reconnectS = Number.NaN;
    let drops = 0;
    const deadline = () => loadDone && performance.now() - killedAt > o.duration * 1000 + 60000;
    for (;;) {
      const st = await fleet.stats();
      drops = st.drops;
      if (st.drops > 0 && st.reconnects >= st.drops) {
        reconnectS = round((performance.now() - killedAt) / 1000, 2);
        break;
      }
      if (deadline()) break;
      await sleep(100);
    }
    const load = await loadP;
    await settle(fleet, base + load.accepted, 5000, 60000);
    const diagnostics = await sys.diagnostics?.().catch((e: unknown) => ({ error: String(e) }));
    const { receipts, stats } = await fleet.drain();
    const { cdf, ...d } = analyze(log, from, log.mark(), receipts, measureFrom);
    ctx.log(`${ctx.system}: dropped ${drops}, back in ${reconnectS} s; lost ${d.lost} dup ${d.duplicated} reordered ${d.reordered}`);
    return {
      system: ctx.system,
      settings: sys.settings,
      cdf,
      lost: d.lost,
      detail: { diagnostics, clients: o.clients, killAtS: o.killAt, load, delivery: d, dropped: stats.drops, reconnected: stats.reconnects, unrecovered: stats.unrecovered, allBackS: reconnectS },
      metrics: [
        { name: 'lost after reconnect', value: d.lost, unit: '', better: 'lower' },
        { name: 'duplicated', value: d.duplicated, unit: '', better: 'lower' },
        { name: 'reordered', value: d.reordered, unit: '', better: 'lower' },
        { name: 'clients dropped by the kill', value: stats.drops, unit: '', better: 'lower' },
        { name: 'sessions not recovered', value: stats.unrecovered, unit: '', better: 'lower' },
        { name: 'all dropped clients back', value: reconnectS, unit: 's', better: 'lower' },
        { name: 'publishes refused', value: load.failed, unit: '', better: 'lower' },
        { name: 'latency p99 (accept → receipt)', value: d.acceptToReceiptMs.p99, unit: 'ms', better: 'lower' },
      ],
    };
  });
}
