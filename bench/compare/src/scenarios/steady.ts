import { analyze } from '../analyze.js';
import { now } from '../proc.js';
import { PublishLog, runPaced } from '../publisher.js';
import { groupTotal, startCpuWindow, usPerMessage } from '../cpu.js';
import { cpuPids, makeUsers, round, settle, withSystem, type Ctx, type SystemRun } from './common.js';

/** docs/contract.md §9 steady: `rate` messages/s spread over `clients` connected clients on two nodes. */
export async function steady(ctx: Ctx): Promise<SystemRun> {
  const o = ctx.opts;
  const users = makeUsers(o.clients);
  return withSystem(ctx, 2, users, async (sys, fleet, connectMs) => {
    const log = new PublishLog(users.length);
    if (o.warmup > 0) {
      const base0 = (await fleet.stats()).received;
      const w = await runPaced(sys.publisher, log, users, o.rate, o.warmup * 1000);
      await settle(fleet, base0 + w.accepted);
      await fleet.drain();
    }
    const from = log.mark();
    const base = (await fleet.stats()).received;
    const measureFrom = now();
    await sys.diagnostics?.().catch(() => undefined); // starts the diagnostics' window here
    const cpuWindow = startCpuWindow(cpuPids(ctx, sys, fleet));
    ctx.log(`${ctx.system}: ${o.rate}/s over ${o.clients} clients for ${o.duration} s`);
    const load = await runPaced(sys.publisher, log, users, o.rate, o.duration * 1000);
    const cpu = cpuWindow.end();
    await settle(fleet, base + load.accepted);
    const diagnostics = await sys.diagnostics?.().catch((e: unknown) => ({ error: String(e) }));
    const { receipts, stats } = await fleet.drain();
    const d = analyze(log, from, log.mark(), receipts, measureFrom);
    const { cdf, ...delivery } = d;
    ctx.log(`${ctx.system}: p50 ${d.acceptToReceiptMs.p50} ms p99 ${d.acceptToReceiptMs.p99} ms, lost ${d.lost} dup ${d.duplicated} reordered ${d.reordered}`);
    const serverCpu = groupTotal(cpu.pct.system);
    const storeCpu = groupTotal(cpu.pct.stores);
    const perMessage = usPerMessage(serverCpu + storeCpu, load.acceptedPerSec);
    ctx.log(`${ctx.system}: CPU servers ${serverCpu} % + stores ${storeCpu} % of a core = ${perMessage} µs per message; whole machine incl. bench ${cpu.totalPct} %`);
    return {
      system: ctx.system,
      settings: sys.settings,
      cdf,
      lost: d.lost,
      detail: { diagnostics, clients: o.clients, connectS: round(connectMs / 1000), load, delivery, cpuPctCore: cpu.pct, machineCpuPct: cpu.totalPct, drops: stats.drops },
      metrics: [
        { name: 'latency p50 (accept → receipt)', value: d.acceptToReceiptMs.p50, unit: 'ms', better: 'lower' },
        { name: 'latency p99 (accept → receipt)', value: d.acceptToReceiptMs.p99, unit: 'ms', better: 'lower' },
        { name: 'latency p99.9 (accept → receipt)', value: d.acceptToReceiptMs.p999, unit: 'ms', better: 'lower' },
        { name: 'latency p99 (send → receipt)', value: d.sendToReceiptMs.p99, unit: 'ms', better: 'lower' },
        { name: 'achieved rate', value: load.acceptedPerSec, unit: '/s', better: 'higher' },
        { name: 'lost', value: d.lost, unit: '', better: 'lower' },
        { name: 'duplicated', value: d.duplicated, unit: '', better: 'lower' },
        { name: 'reordered', value: d.reordered, unit: '', better: 'lower' },
        { name: 'server CPU (its own processes)', value: serverCpu, unit: '% core', better: 'lower' },
        { name: 'store CPU (Kafka + Postgres / Redis)', value: storeCpu, unit: '% core', better: 'lower' },
        { name: 'CPU per message (servers + stores)', value: perMessage, unit: 'µs', better: 'lower' },
      ],
    };
  });
}
