import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  createNamespace,
  loadStackConfig,
  postgresDurability,
  startInfra,
  startStack,
  testAuthEnv,
  tokenFor,
  topicEndOffsets,
  waitForWatermarks,
} from '@tidings/testkit';
import { loadBenchConfig } from './config.js';
import { cpuMs, usPer } from './cpu.js';
import { runLoad, round, type LoadResult } from './load.js';
import { persistRate } from './persisted.js';
import { table, type BenchResult } from './report.js';

/**
 * bench/pipeline: ingest accepted/s and POST latency, then the persister's
 * events/s — under load and draining a backlog alone — and a zero-loss check
 * (rows in `events` = ids accepted). Everything on this one machine.
 */
const config = loadBenchConfig();
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const startedAt = new Date().toISOString();
const loadAtStart = loadavg()[0]!;
const command = [
  ...Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_') || k === 'KAFKA_BROKERS' || k === 'DATABASE_URL')
    .map(([k, v]) => `${k}=${k === 'DATABASE_URL' ? '<url>' : `'${v}'`}`),
  'npm run bench:pipeline',
].join(' ');

const infra = await startInfra(loadStackConfig(), log);
const ns = await createNamespace(infra.brokers, infra.databaseUrl);
const secret = randomBytes(32).toString('base64url');
const extraEnv = JSON.parse(config.BENCH_SERVICE_ENV) as Record<string, Record<string, string>>;
log(`namespace ${ns.id}; starting ingest + persister`);
const stack = await startStack({
  env: ns.env,
  authEnv: testAuthEnv(secret),
  gateways: 0,
  extraEnv: { ingest: { INGEST_RATE_LIMIT_PER_SEC: '1000000', ...extraEnv['ingest'] }, persister: { ...extraEnv['persister'] } },
});
const pool = new pg.Pool({ connectionString: ns.databaseUrl, max: 2 });
const token = await tokenFor(secret, 'bench', ['notifications:write']);

const users = Array.from({ length: config.BENCH_USERS }, (_, i) => `user-${i}`);
let cursor = 0;
const nextUser = () => users[cursor++ % users.length]!;
const data = { category: 'bench', title: 'Your order has shipped', body: 'Tracking number 1Z999AA10123456784', url: 'https://example.com/orders/42' };
const batchBodies = Array.from({ length: 64 }, () =>
  JSON.stringify({ notifications: Array.from({ length: config.BENCH_BATCH_SIZE }, () => ({ userId: nextUser(), data })) }),
);
const singleBodies = Array.from({ length: 1024 }, () => JSON.stringify({ userId: nextUser(), data }));
async function load(phase: string, path: string, bodies: string[], durationMs: number): Promise<LoadResult> {
  const pids = () => [cpuMs(stack.ingest.proc.pid), cpuMs(stack.persister.proc.pid)];
  const [i0, p0] = pids();
  const r = await runLoad({ phase, url: stack.ingest.url, path, token, connections: config.BENCH_CONNECTIONS, durationMs, bodies });
  const [i1, p1] = pids();
  return { ...r, cpuUsPerNotification: { ingest: usPer(i0, i1, r.accepted), persister: usPer(p0, p1, r.accepted) } };
}

let accepted = 0;
const results: LoadResult[] = [];
let result: BenchResult | undefined;
try {
  log('warm-up (3 s, not reported)');
  accepted += (await load('warmup', '/v1/notifications/batch', batchBodies, 3000)).accepted;
  await waitForWatermarks(ns.databaseUrl, await topicEndOffsets(ns.brokers, ns.topics.events), 120_000);
  const loadStart = (await pool.query<{ now: Date }>('SELECT now()')).rows[0]!.now;
  for (const phase of config.BENCH_PHASES.split(',')) {
    log(`${phase}: ${config.BENCH_CONNECTIONS} connections for ${config.BENCH_DURATION_S} s`);
    const r =
      phase === 'batch'
        ? await load(`batch/${config.BENCH_BATCH_SIZE}`, '/v1/notifications/batch', batchBodies, config.BENCH_DURATION_S * 1000)
        : await load('single', '/v1/notifications', singleBodies, config.BENCH_DURATION_S * 1000);
    results.push(r);
    accepted += r.accepted;
    log(`${phase}: ${r.acceptedPerSec} accepted/s, p99 ${r.latencyMs.p99} ms`);
  }
  await waitForWatermarks(ns.databaseUrl, await topicEndOffsets(ns.brokers, ns.topics.events), 300_000);
  const underLoad = await persistRate(pool, 'persisted_at >= $1', [loadStart]);

  let drain: BenchResult['persister']['drain'];
  if (config.BENCH_BACKLOG > 0) {
    log(`drain: persister stopped, writing a backlog of ~${config.BENCH_BACKLOG} events`);
    await stack.persister.stop();
    let backlog = 0;
    while (backlog < config.BENCH_BACKLOG) {
      const r = await load('backlog', '/v1/notifications/batch', batchBodies, 2000);
      backlog += r.accepted;
    }
    accepted += backlog;
    const ends = await topicEndOffsets(ns.brokers, ns.topics.events);
    const restartAt = (await pool.query<{ now: Date }>('SELECT now()')).rows[0]!.now;
    const t0 = performance.now();
    const persister = await stack.restartPersister();
    const c0 = cpuMs(persister.proc.pid);
    await waitForWatermarks(ns.databaseUrl, ends, 600_000);
    const wallS = (performance.now() - t0) / 1000;
    const rate = await persistRate(pool, 'persisted_at >= $1', [restartAt]);
    drain = { ...rate, backlog, wallS: round(wallS), wallEventsPerSec: Math.round(backlog / wallS), cpuUsPerEvent: usPer(c0, cpuMs(persister.proc.pid), backlog) };
    log(`drain: ${rate.eventsPerSec} events/s`);
  }
  const stored = Number((await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0]!.n);
  result = {
    command,
    startedAt,
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      memGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      // The 1-minute load average before and after: other work on the machine shows here.
      loadAvg: [round(loadAtStart), round(loadavg()[0]!)],
      postgres: await postgresDurability(ns.databaseUrl),
    },
    settings: {
      durationS: config.BENCH_DURATION_S,
      connections: config.BENCH_CONNECTIONS,
      batchSize: config.BENCH_BATCH_SIZE,
      users: config.BENCH_USERS,
      backlog: config.BENCH_BACKLOG,
      serviceEnv: extraEnv,
    },
    ingest: results,
    persister: { underLoad, drain },
    accepted,
    stored,
    lost: accepted - stored,
  };
} finally {
  await pool.end();
  await stack.stop();
  await ns.drop();
  await infra.stop();
}
if (result) {
  const out = JSON.stringify(result, null, 2);
  process.stdout.write(`${out}\n\n${table(result)}\n`);
  await mkdir(config.BENCH_OUT_DIR, { recursive: true });
  await writeFile(join(config.BENCH_OUT_DIR, `pipeline-${startedAt.replace(/[:.]/g, '-')}.json`), out);
  if (result.lost !== 0) process.exitCode = 1;
}
