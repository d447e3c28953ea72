import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createAtomicSender, createKafka } from '@tidings/kafka';
import type { RebuildStatus } from '@tidings/protocol';
import {
  createNamespace,
  describeDurability,
  loadStackConfig,
  postgresDurability,
  requestJson,
  spawnService,
  startInfra,
  testAuthEnv,
  tokenFor,
  topicEndOffsets,
  waitForWatermarks,
  type Namespace,
  type RunningService,
} from '@tidings/testkit';
import { loadBenchConfig } from './config.js';
import { cpuBetween, opsBackendCpu } from './cpu.js';
import { fillMirror, produceLog } from './fill.js';
import { measureStorage, storageLines, type TableStorage } from './storage.js';

/**
 * bench/ops/rebuild: projection rebuild speed (docs/contract.md §9: ≥ 50,000 events/s)
 * through the real ops API — from the Postgres mirror (a log written with
 * generate_series) and from Kafka (a log produced and persisted first).
 */
const config = loadBenchConfig();
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const startedAt = new Date().toISOString();
const command = [
  ...Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_') || k === 'KAFKA_BROKERS' || k === 'DATABASE_URL')
    .map(([k, v]) => `${k}=${k === 'DATABASE_URL' ? '<url>' : `'${v}'`}`),
  'npm run bench:rebuild',
].join(' ');

interface Run {
  source: 'mirror' | 'kafka';
  events: number;
  eventsPerSec: number;
  loadEventsPerSec: number;
  wallS: number;
  phases: RebuildStatus['phases'];
  inboxRows: number;
  createdEvents: number;
  /** CPU seconds of the ops service's Postgres backends during the job, and events per such second (null: Postgres not local). */
  pgCpuS: number | null;
  eventsPerPgCpuSec: number | null;
  /** 1-minute load average when the job ended (2 cores: above 2 means the job shared the CPUs). */
  loadAvg: number;
}

const infra = await startInfra(loadStackConfig(), log);
// Rebuild writes are commits too: the record says whether they were crash-safe.
const postgres = await postgresDurability(infra.databaseUrl);
const secret = randomBytes(32).toString('base64url');
const opsEnv = JSON.parse(config.BENCH_OPS_ENV) as Record<string, string>;
const token = await tokenFor(secret, 'bench-ops', ['ops:read', 'ops:write']);
const runs: Run[] = [];
const storage: Record<string, TableStorage[]> = {};
const namespaces: Namespace[] = [];
const services: RunningService[] = [];

async function rebuildOnce(ops: RunningService, pool: pg.Pool, source: 'mirror' | 'kafka'): Promise<Run> {
  const cpu0 = await opsBackendCpu(pool);
  const t0 = performance.now();
  const started = await requestJson<RebuildStatus>('POST', `${ops.url}/v1/ops/rebuild`, { token, body: { source } });
  if (started.status !== 202) throw new Error(`rebuild refused: ${JSON.stringify(started.body)}`);
  let s = started.body;
  while (s.finishedAt === null) {
    await new Promise((r) => setTimeout(r, 250));
    s = (await requestJson<RebuildStatus>('GET', `${ops.url}/v1/ops/rebuild/${s.id}`, { token })).body;
  }
  if (s.state !== 'done') throw new Error(`rebuild failed: ${JSON.stringify(s.error)}`);
  const wallS = (performance.now() - t0) / 1000;
  const pgCpuS = cpuBetween(cpu0, await opsBackendCpu(pool));
  const counts = await pool.query<{ inbox: string; created: string }>(
    `SELECT (SELECT count(*) FROM inbox)::text AS inbox, (SELECT count(*) FROM events WHERE type = 'notification.created')::text AS created`,
  );
  const load = s.phases.load!;
  const run: Run = {
    source,
    events: s.events,
    eventsPerSec: s.eventsPerSec,
    loadEventsPerSec: Math.round(load.events / Math.max(0.001, load.ms / 1000)),
    wallS: Math.round(wallS * 100) / 100,
    phases: s.phases,
    inboxRows: Number(counts.rows[0]!.inbox),
    createdEvents: Number(counts.rows[0]!.created),
    pgCpuS,
    eventsPerPgCpuSec: pgCpuS ? Math.round(s.events / pgCpuS) : null,
    loadAvg: Math.round(loadavg()[0]! * 10) / 10,
  };
  log(`${source}: ${run.events} events, ${run.eventsPerSec} events/s overall, ${run.loadEventsPerSec} events/s load phase`);
  if (run.inboxRows !== run.createdEvents) throw new Error(`inbox has ${run.inboxRows} rows for ${run.createdEvents} created events`);
  return run;
}

try {
  if (config.BENCH_MIRROR_EVENTS > 0) {
    const ns = await createNamespace(infra.brokers, infra.databaseUrl);
    namespaces.push(ns);
    const pool = new pg.Pool({ connectionString: ns.databaseUrl, max: 2 });
    try {
      log(`mirror: writing ${config.BENCH_MIRROR_EVENTS} events into ${ns.id}.events`);
      const filled = await fillMirror(pool, config.BENCH_MIRROR_EVENTS, config.BENCH_USERS_PER_PARTITION);
      log(`mirror: ${filled.created} created + ${filled.state} state events`);
      const ops = await spawnService('ops', { ...ns.env, ...testAuthEnv(secret), OPS_PORT: '0', LOG_LEVEL: 'info', ...opsEnv }, { label: 'ops-mirror' });
      services.push(ops);
      for (let i = 0; i < config.BENCH_RUNS; i++) runs.push(await rebuildOnce(ops, pool, 'mirror'));
      storage['mirror, after rebuild'] = await measureStorage(pool);
    } finally {
      await pool.end();
    }
  }
  if (config.BENCH_KAFKA_EVENTS > 0) {
    const ns = await createNamespace(infra.brokers, infra.databaseUrl);
    namespaces.push(ns);
    const pool = new pg.Pool({ connectionString: ns.databaseUrl, max: 2 });
    const sender = createAtomicSender({ kafka: createKafka({ brokers: infra.brokers.split(','), clientId: 'bench-rebuild' }), transactionalId: `${ns.topicPrefix}bench-rebuild` });
    try {
      log(`kafka: producing ${config.BENCH_KAFKA_EVENTS} events to ${ns.topics.events}`);
      await produceLog(sender, ns.topics.events, config.BENCH_KAFKA_EVENTS, config.BENCH_USERS_PER_PARTITION * 12);
      const persister = await spawnService('persister', { ...ns.env, PERSISTER_PORT: '0', LOG_LEVEL: 'info' }, { label: 'persister' });
      services.push(persister);
      await waitForWatermarks(ns.databaseUrl, await topicEndOffsets(ns.brokers, ns.topics.events), 600_000);
      log('kafka: persisted');
      storage['kafka, as persisted'] = await measureStorage(pool);
      const ops = await spawnService('ops', { ...ns.env, ...testAuthEnv(secret), OPS_PORT: '0', LOG_LEVEL: 'info', ...opsEnv }, { label: 'ops-kafka' });
      services.push(ops);
      for (let i = 0; i < config.BENCH_RUNS; i++) runs.push(await rebuildOnce(ops, pool, 'kafka'));
    } finally {
      await sender.close();
      await pool.end();
    }
  }
} finally {
  await Promise.all(services.map((s) => s.stop()));
  for (const ns of namespaces) await ns.drop();
  await infra.stop();
}

const result = {
  command,
  startedAt,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memGb: Math.round(totalmem() / 2 ** 30), node: process.version, postgres },
  settings: { mirrorEvents: config.BENCH_MIRROR_EVENTS, kafkaEvents: config.BENCH_KAFKA_EVENTS, usersPerPartition: config.BENCH_USERS_PER_PARTITION, opsEnv },
  target: { eventsPerSec: 50000, spec: 'docs/contract.md §9 projection rebuild' },
  runs,
  storage,
};
const out = JSON.stringify(result, null, 2);
const lines = [
  `command: ${command}`,
  `machine: ${result.machine.cpus} × ${result.machine.model}, ${result.machine.memGb} GB, node ${result.machine.node} (Kafka, Postgres and ops together)`,
  `postgres: ${describeDurability(postgres)}`,
  '',
  'source   events    events/s (job)  events/s (load phase)  wall s  load ms  catchup ms  swap ms  events/pg-cpu-s  loadavg  vs 50,000/s',
  ...runs.map((r) =>
    [
      r.source.padEnd(7),
      String(r.events).padStart(7),
      String(r.eventsPerSec).padStart(15),
      String(r.loadEventsPerSec).padStart(22),
      r.wallS.toFixed(2).padStart(7),
      String(r.phases.load?.ms ?? '-').padStart(8),
      String(r.phases.catchup?.ms ?? '-').padStart(11),
      String(r.phases.swap?.ms ?? '-').padStart(8),
      String(r.eventsPerPgCpuSec ?? '-').padStart(16),
      r.loadAvg.toFixed(1).padStart(8),
      r.eventsPerSec >= 50000 ? '  met' : '  MISSED',
    ].join(' '),
  ),
  '',
  ...Object.entries(storage).flatMap(([label, s]) => storageLines(label, s)),
];
process.stdout.write(`${out}\n\n${lines.join('\n')}\n`);
await mkdir(config.BENCH_OUT_DIR, { recursive: true });
await writeFile(join(config.BENCH_OUT_DIR, `rebuild-${startedAt.replace(/[:.]/g, '-')}.json`), out);
