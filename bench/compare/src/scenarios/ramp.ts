import { analyze } from '../analyze.js';
import { now } from '../proc.js';
import { PublishLog, runPaced } from '../publisher.js';
import { groupTotal, startCpuWindow, usPerMessage } from '../cpu.js';
import { cpuPids, makeUsers, settle, withSystem, type Ctx, type SystemRun } from './common.js';

/**
 * Max throughput with zero loss: steps of rising rate over the same
 * clients; a step passes when nothing accepted was lost and the achieved
 * rate is within 5 % of the target. Stops at the first failing step.
 */
export async function ramp(ctx: Ctx): Promise<SystemRun> {
  const o = ctx.opts;
  const users = makeUsers(o.clients);
  return withSystem(ctx, 2, users, async (sys, fleet) => {
    const log = new PublishLog(users.length);
    const steps: Record<string, unknown>[] = [];
    let best = 0;
    let bestCdf: [number, number][] | undefined;
    for (const rate of o.rates) {
      const from = log.mark();
      const base = (await fleet.stats()).received;
      const t = now();
      const cpuWindow = startCpuWindow(cpuPids(ctx, sys, fleet));
      const load = await runPaced(sys.publisher, log, users, rate, o.step * 1000);
      const cpu = cpuWindow.end();
      // µs of CPU per accepted message, by role: where a step's budget went (2 cores = 2,000,000 µs/s).
      const cpuUs = Object.fromEntries(
        Object.entries(cpu.pct).map(([group, roles]) => [group, Object.fromEntries(Object.entries(roles).map(([role, pct]) => [role, usPerMessage(pct, load.acceptedPerSec)]))]),
      );
      await settle(fleet, base + load.accepted, 5000, 60000);
      const { receipts } = await fleet.drain();
      const { cdf, ...d } = analyze(log, from, log.mark(), receipts, t);
      const pass = d.lost === 0 && d.unexpected === 0 && load.acceptedPerSec >= rate * 0.95;
      steps.push({ target: rate, achieved: load.acceptedPerSec, failedPublishes: load.failed, lost: d.lost, duplicated: d.duplicated, reordered: d.reordered, p50: d.acceptToReceiptMs.p50, p99: d.acceptToReceiptMs.p99, pass, cpuPctCore: cpu.pct, machineCpuPct: cpu.totalPct, cpuUsPerMessage: cpuUs });
      ctx.log(`${ctx.system}: step ${rate}/s → ${load.acceptedPerSec}/s, lost ${d.lost}, p99 ${d.acceptToReceiptMs.p99} ms ${pass ? 'pass' : 'FAIL'}; machine CPU ${cpu.totalPct} % of a core (servers ${groupTotal(cpu.pct.system)}, stores ${groupTotal(cpu.pct.stores)}, bench ${groupTotal(cpu.pct.bench)})`);
      if (!pass) break;
      best = load.acceptedPerSec;
      bestCdf = cdf;
    }
    const last = steps.at(-1) as { duplicated: number; reordered: number } | undefined;
    return {
      system: ctx.system,
      settings: sys.settings,
      ...(bestCdf ? { cdf: bestCdf } : {}),
      detail: { clients: o.clients, stepS: o.step, steps },
      metrics: [
        { name: 'max rate with zero loss', value: best, unit: '/s', better: 'higher' },
        { name: 'duplicated (last step)', value: last?.duplicated ?? 0, unit: '', better: 'lower' },
        { name: 'reordered (last step)', value: last?.reordered ?? 0, unit: '', better: 'lower' },
      ],
    };
  });
}
