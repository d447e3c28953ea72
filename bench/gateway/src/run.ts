import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds, createNamespace, loadStackConfig, openFileLimit, rssBytes, startInfra, startStack, testAuthEnv, tokenFor } from '@tidings/testkit';
import { openFleet } from './clients.js';
import { startProbe } from './probe.js';
import { runLoad } from './load.js';
import { parseOptions } from './options.js';
import { percentile, round, table, type Row } from './report.js';

/**
 * bench/gateway: (1) idle connections held by ONE gateway process and its
 * RSS per connection; (2) fan-out latency, event time (ingest accept) →
 * client receipt, at a given rate over a given number of connected clients.
 * Kafka, Postgres, ingest, persister, the gateway and these clients all share
 * this one machine (docs/contract.md §9).
 */
interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
interface FanoutResult {
  clients: number;
  rate: number;
  durationS: number;
  offlinePct: number;
  /** Accepted by ingest, all recipients. */
  sent: number;
  /** Of those, addressed to connected clients. */
  delivered: number;
  failed: number;
  achievedPerSec: number;
  received: number;
  lost: number;
  /** docs/contract.md §9's measure: ingest's 202 reaching the producer → the event reaching the client. */
  ackToReceiptMs: Latency;
  /** From the envelope's `time` (set by ingest on accept, before the Kafka commit). */
  eventTimeToReceiptMs: Latency;
  /** From a read-committed probe consumer first seeing the event: the gateway hop alone. */
  kafkaToReceiptMs: Latency;
  gatewayCpuPct: number;
  /** Gateway CPU µs per event the load produced: with everyone offline, the price of reading and skipping one. */
  gatewayCpuUsPerEvent: number;
}

const opts = parseOptions(process.argv.slice(2));
const loadAtStart = loadavg()[0]!;
const log = (msg: string) => process.stderr.write(`[bench:gateway] ${msg}\n`);
const command = `npm run bench:gateway -- ${process.argv.slice(2).join(' ')}`.trim();
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

const fdLimit = openFileLimit();
if (opts.connections > fdLimit - 500) {
  throw new Error(
    `--connections ${opts.connections} needs that many file descriptors in this process and in the gateway, but the limit is ${fdLimit}: ` +
      `raise it (ulimit -n) or ask for fewer`,
  );
}

const infra = await startInfra(loadStackConfig(), log);
const ns = await createNamespace(infra.brokers, infra.databaseUrl);
const secret = randomBytes(32).toString('base64url');
log(`namespace ${ns.id}; starting ingest, persister and one gateway`);
const stack = await startStack({
  env: ns.env,
  authEnv: testAuthEnv(secret),
  gateways: 1,
  extraEnv: {
    ingest: { INGEST_RATE_LIMIT_PER_SEC: '1000000' },
    gateway: { GATEWAY_MAX_CONNECTIONS: String(opts.connections + 1000) },
  },
});
const gateway = stack.gateways[0]!;
const pid = gateway.proc.pid!;
const wsUrl = `${gateway.url.replace(/^http/, 'ws')}/v1/stream`;

try {
  // Warm the gateway up with a few connections so JIT and pools are not counted per connection.
  const warm = await openFleet({ url: wsUrl, secret, n: 50, sources: 1, concurrency: 50 });
  await warm.close();
  await settle(3000);
  const rssBefore = rssBytes(pid);

  log(`opening ${opts.connections} connections (${opts.concurrency} at a time, ${opts.sources} source address(es))`);
  const t0 = performance.now();
  const connectCpu0 = cpuSeconds(pid);
  const fleet = await openFleet({
    url: wsUrl,
    secret,
    n: opts.connections,
    sources: opts.sources,
    concurrency: opts.concurrency,
    onProgress: (done) => log(`  ${done} connected`),
  });
  const connectSeconds = (performance.now() - t0) / 1000;
  const connectCpuMs = ((cpuSeconds(pid) - connectCpu0) * 1000) / opts.connections;
  await settle(5000);
  const rssAfter = rssBytes(pid);
  const perConnection = (rssAfter - rssBefore) / opts.connections;
  log(`${opts.connections} idle connections: RSS ${round(rssBefore / 2 ** 20)} → ${round(rssAfter / 2 ** 20)} MiB, ${round(perConnection / 1024, 2)} KiB each`);

  let fanout: FanoutResult | undefined;
  if (!opts.skipFanout) {
    const producer = await tokenFor(secret, 'bench', ['notifications:write']);
    const users = fleet.users.slice(0, opts.clients);
    log(`fan-out: ${opts.rate}/s over ${opts.clients} clients, 2 s warm-up + ${opts.duration} s`);
    const offline = opts.offline / 100;
    const probe = await startProbe(ns.brokers, ns.topics.events);
    await runLoad({ ingestUrl: stack.ingest.url, token: producer, users, rate: opts.rate, batch: opts.batch, maxInFlight: opts.inFlight, offline, durationMs: 2000 });
    fleet.recordFrom = Date.now();
    const cpu0 = cpuSeconds(pid);
    const c0 = performance.now();
    const load = await runLoad({ ingestUrl: stack.ingest.url, token: producer, users, rate: opts.rate, batch: opts.batch, maxInFlight: opts.inFlight, offline, durationMs: opts.duration * 1000 });
    const cpuPct = ((cpuSeconds(pid) - cpu0) / ((performance.now() - c0) / 1000)) * 100;
    const deadline = Date.now() + 15000;
    const allIn = () => [...load.acks.keys()].every((id) => fleet.receipts.has(id));
    while (!allIn() && Date.now() < deadline) await settle(100);
    await probe.close();
    const fromTime: number[] = [];
    const fromAck: number[] = [];
    const fromKafka: number[] = [];
    let received = 0;
    for (const [id, ack] of load.acks) {
      const r = fleet.receipts.get(id);
      if (!r) continue;
      received += 1;
      fromTime.push(r[1] - r[0]);
      // The socket can beat the HTTP response to this process: that counts as 0.
      fromAck.push(Math.max(0, r[1] - ack));
      const visible = probe.seen.get(id);
      if (visible !== undefined) fromKafka.push(Math.max(0, r[1] - visible));
    }
    fromKafka.sort((a, b) => a - b);
    fromTime.sort((a, b) => a - b);
    fromAck.sort((a, b) => a - b);
    const stats = (xs: number[]) => ({ p50: percentile(xs, 50), p90: percentile(xs, 90), p99: percentile(xs, 99), max: xs.at(-1) ?? Number.NaN });
    fanout = {
      clients: opts.clients,
      rate: opts.rate,
      durationS: opts.duration,
      offlinePct: opts.offline,
      sent: load.sent,
      delivered: load.acks.size,
      failed: load.failed,
      achievedPerSec: load.achievedPerSec,
      received,
      lost: load.acks.size - received,
      ackToReceiptMs: stats(fromAck),
      eventTimeToReceiptMs: stats(fromTime),
      kafkaToReceiptMs: stats(fromKafka),
      gatewayCpuPct: round(cpuPct),
      gatewayCpuUsPerEvent: round((cpuPct * 10_000) / Math.max(1, load.achievedPerSec)),
    };
    log(`fan-out: 202→receipt p50 ${fanout.ackToReceiptMs.p50} ms p99 ${fanout.ackToReceiptMs.p99} ms; ${received}/${load.acks.size} received`);
  }
  const dropped = fleet.dropped;
  await fleet.close();

  const result = {
    command,
    startedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      memGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      openFileLimit: fdLimit,
      // Other work on the machine skews every figure: the 1-minute load average at the start and the end.
      loadAvg1m: [round(loadAtStart, 2), round(loadavg()[0]!, 2)],
    },
    idle: {
      connections: opts.connections,
      connectSeconds: round(connectSeconds),
      connectsPerSec: Math.round(opts.connections / connectSeconds),
      /** Gateway CPU per connection set up (upgrade, hello, token check, synced): its connect capacity is ~1000 / this per core. */
      gatewayCpuMsPerConnect: round(connectCpuMs, 3),
      rssBeforeMiB: round(rssBefore / 2 ** 20),
      rssAfterMiB: round(rssAfter / 2 ** 20),
      rssPerConnectionKiB: round(perConnection / 1024, 2),
      droppedDuringRun: dropped,
    },
    fanout,
  };
  const rows: Row[] = [
    { metric: 'idle connections on one process', value: String(opts.connections), target: '>= 50,000', ok: opts.connections >= 50000 ? true : undefined },
    { metric: 'RSS per idle connection', value: `${result.idle.rssPerConnectionKiB} KiB`, target: '<= 20 KB', ok: perConnection <= 20 * 1000 },
    { metric: 'connect + hello + synced rate', value: `${result.idle.connectsPerSec}/s`, target: '' },
    { metric: 'gateway CPU per connect', value: `${result.idle.gatewayCpuMsPerConnect} ms`, target: '' },
  ];
  if (fanout) {
    const a = fanout.ackToReceiptMs;
    const t = fanout.eventTimeToReceiptMs;
    rows.push(
      {
        metric: 'fan-out rate (achieved)',
        value: `${fanout.achievedPerSec}/s over ${fanout.clients} clients${fanout.offlinePct ? `, ${fanout.offlinePct} % offline` : ''}`,
        target: '2,000/s over 10,000',
      },
      // With every recipient offline nothing is received: the run measures the cost of reading and skipping.
      ...(fanout.received > 0 ? [
        { metric: 'latency p50 (ingest 202 → receipt)', value: `${a.p50} ms`, target: '<= 15 ms', ok: a.p50 <= 15 },
        { metric: 'latency p99 (ingest 202 → receipt)', value: `${a.p99} ms`, target: '<= 60 ms', ok: a.p99 <= 60 },
        { metric: 'latency p50 / p99 (event time → receipt)', value: `${t.p50} / ${t.p99} ms`, target: '' },
        { metric: 'gateway hop p50 / p99 (Kafka → receipt)', value: `${fanout.kafkaToReceiptMs.p50} / ${fanout.kafkaToReceiptMs.p99} ms`, target: '' },
        { metric: 'latency max (event time → receipt)', value: `${t.max} ms`, target: '' },
      ] : []),
      { metric: 'lost (accepted − received)', value: String(fanout.lost), target: '0', ok: fanout.lost === 0 },
      { metric: 'gateway CPU during fan-out', value: `${fanout.gatewayCpuPct} % of one core`, target: '' },
      { metric: 'gateway CPU per event read', value: `${fanout.gatewayCpuUsPerEvent} µs`, target: '' },
    );
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n${command}\n${table(rows)}\n`);
  await mkdir(opts.outDir, { recursive: true });
  const file = join(opts.outDir, `gateway-${result.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(result, null, 2));
  log(`written to ${file}`);
} finally {
  await stack.stop();
  await ns.drop();
  await infra.stop();
}
