import { analyze } from '../analyze.js';
import { sleep } from '../proc.js';
import { PublishLog, runBurst } from '../publisher.js';
import { makeUsers, round, settle, withSystem, type Ctx, type SystemRun } from './common.js';

function concat(xs: Float64Array[]): Float64Array {
  const out = new Float64Array(xs.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of xs) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

/** Max of the finite values, NaN if any is missing (someone never got there). */
function allBy(xs: Float64Array): number {
  let max = 0;
  for (const x of xs) {
    if (Number.isNaN(x)) return Number.NaN;
    if (x > max) max = x;
  }
  return max;
}

function pct(xs: Float64Array, p: number): number {
  const v = Array.from(xs).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return v.length === 0 ? Number.NaN : v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)]!;
}

/**
 * Reconnect storm: every client, after one live message, goes away, `behind` messages are published
 * to each, then all come back at the same instant. Measured: time until all
 * are connected, resumed (Tidings `synced`) and holding their `behind`
 * messages; and what never came.
 */
export async function storm(ctx: Ctx): Promise<SystemRun> {
  const o = ctx.opts;
  const users = makeUsers(o.clients);
  return withSystem(ctx, 2, users, async (sys, fleet) => {
    const log = new PublishLog(users.length);
    // One live message each first: a Socket.IO client that never received a
    // packet has no offset and cannot ask for recovery at all.
    const base = (await fleet.stats()).received;
    const first = await runBurst(sys.publisher, log, users, 1);
    await settle(fleet, base + first.accepted, 5000, 60000);
    await fleet.drain();
    await fleet.away();
    const from = log.mark();
    ctx.log(`${ctx.system}: all away; publishing ${o.behind} to each of ${users.length}`);
    const burst = await runBurst(sys.publisher, log, users, o.behind);
    await sys.beforeBack();
    await sleep(1000);
    ctx.log(`${ctx.system}: ${burst.accepted} accepted in ${round(burst.seconds)} s; all reconnect now`);
    const backs = await fleet.back(o.behind, o.deadline * 1000, 5000);
    const diagnostics = await sys.diagnostics?.().catch((e: unknown) => ({ error: String(e) }));
    const { receipts } = await fleet.drain();
    const { cdf: _cdf, ...d } = analyze(log, from, log.mark(), receipts);
    const connected = concat(backs.map((b) => b.connected));
    const synced = concat(backs.map((b) => b.synced));
    const caught = concat(backs.map((b) => b.caughtUp));
    const caughtCount = caught.filter((x) => !Number.isNaN(x)).length;
    const recovered = backs.reduce((n, b) => n + b.recovered, 0);
    const s = (ms: number) => round(ms / 1000, 2);
    ctx.log(`${ctx.system}: all caught up ${s(allBy(caught))} s (${caughtCount}/${users.length}); lost ${d.lost}`);
    return {
      system: ctx.system,
      settings: sys.settings,
      lost: d.lost,
      detail: {
        diagnostics,
        clients: users.length,
        behind: o.behind,
        publish: burst,
        allConnectedS: s(allBy(connected)),
        allSyncedS: s(allBy(synced)),
        allCaughtUpS: s(allBy(caught)),
        caughtUpP50S: s(pct(caught, 50)),
        caughtUpP99S: s(pct(caught, 99)),
        caughtUp: caughtCount,
        sessionsRecovered: recovered,
        delivery: d,
      },
      metrics: [
        { name: 'all caught up (connected + resumed + all behind msgs)', value: s(allBy(caught)), unit: 's', better: 'lower' },
        { name: 'all connected', value: s(allBy(connected)), unit: 's', better: 'lower' },
        { name: 'clients caught up', value: caughtCount, unit: '', better: 'higher' },
        { name: 'sessions the server recovered', value: recovered, unit: '', better: 'higher' },
        { name: 'lost', value: d.lost, unit: '', better: 'lower' },
        { name: 'duplicated', value: d.duplicated, unit: '', better: 'lower' },
        { name: 'reordered', value: d.reordered, unit: '', better: 'lower' },
      ],
    };
  });
}
