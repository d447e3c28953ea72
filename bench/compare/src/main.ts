import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { KAFKA_VERSION } from '@tidings/testkit';
import { latencyCdf, lossBars } from './charts.js';
import { parseOptions } from './options.js';
import { ratios, table } from './report.js';
import { idle } from './scenarios/idle.js';
import { kill } from './scenarios/kill.js';
import { ramp } from './scenarios/ramp.js';
import { steady } from './scenarios/steady.js';
import { storm } from './scenarios/storm.js';
import type { Ctx, SystemRun } from './scenarios/common.js';
import type { ScenarioName } from './types.js';

/**
 * bench/compare: one scenario, every chosen system in turn on the same
 * machine in the same run, then the table with Tidings/peer ratios, the
 * JSON record and the charts.
 */
const SCENARIO: Record<ScenarioName, (ctx: Ctx) => Promise<SystemRun>> = { steady, ramp, idle, storm, kill };

const opts = parseOptions(process.argv.slice(2));
const log = (msg: string) => process.stderr.write(`[bench:compare ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
// Service settings passed through the environment (INGEST_LINGER_MS=10 npm run …) change
// what was measured, so they are part of the command as recorded.
const serviceEnv = Object.entries(process.env)
  .filter(([k]) => /^(INGEST|GATEWAY|PERSISTER)_/.test(k))
  .map(([k, v]) => `${k}=${v ?? ''} `)
  .sort()
  .join('');
const command = `${serviceEnv}npm run bench:compare -- ${process.argv.slice(2).join(' ')}`;
const startedAt = new Date().toISOString();
const stamp = startedAt.replace(/[:.]/g, '-');
const runId = randomBytes(3).toString('hex');
const load0 = loadavg();

async function versionOf(pkg: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(join('node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
function firstLine(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim();
  } catch (e) {
    return ((e as { stdout?: string }).stdout ?? '').split('\n')[0]!.trim() || 'unknown';
  }
}

const profDir = resolve(opts.outDir, 'profiles', stamp);
// Node 20 refuses --cpu-prof in NODE_OPTIONS: the preload does the same through the inspector.
const preload = resolve(import.meta.dirname, 'prof', 'preload.js');
const profEnv = opts.cpuProf ? { NODE_OPTIONS: `--import ${preload}`, BENCH_CPU_PROF_DIR: profDir } : undefined;
if (opts.cpuProf) await mkdir(profDir, { recursive: true });
const runs: SystemRun[] = [];
const errors: Record<string, string> = {};
for (const system of opts.systems) {
  log(`=== ${opts.scenario} / ${system} ===`);
  try {
    runs.push(await SCENARIO[opts.scenario]({ opts, system, runId, log, tidingsEnv: profEnv ? { ingest: profEnv, gateway: profEnv } : {} }));
  } catch (error) {
    errors[system] = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`${system} failed: ${errors[system]}`);
  }
}

const machine = {
  cpus: cpus().length,
  model: cpus()[0]?.model ?? 'unknown',
  memGiB: Math.round(totalmem() / 2 ** 30),
  loadAvg1m5m15mAtStart: load0.map((x) => Math.round(x * 100) / 100),
  loadAvg1m5m15mAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
  versions: {
    node: process.version,
    kafka: KAFKA_VERSION,
    'redis-server': firstLine('redis-server', ['--version']),
    mosquitto: firstLine('mosquitto', ['-h']),
    ws: await versionOf('ws'),
    'socket.io': await versionOf('socket.io'),
    'socket.io-client': await versionOf('socket.io-client'),
    '@socket.io/redis-streams-adapter': await versionOf('@socket.io/redis-streams-adapter'),
    redis: await versionOf('redis'),
    mqtt: await versionOf('mqtt'),
  },
};
const { scenario, ...flags } = opts;
const result = {
  scenario,
  command,
  startedAt,
  machine,
  options: flags,
  runs: runs.map(({ cdf: _c, ...r }) => r),
  cdf: Object.fromEntries(runs.filter((r) => r.cdf).map((r) => [r.system, r.cdf])),
  ratios: ratios(runs),
  errors,
  ...(opts.cpuProf ? { profiles: profDir } : {}),
};
await mkdir(opts.outDir, { recursive: true });
const base = join(opts.outDir, `compare-${stamp}-${opts.scenario}`);
await writeFile(`${base}.json`, JSON.stringify(result, null, 2));
const charts: string[] = [];
if (await latencyCdf(runs, `${opts.scenario}: latency CDF (${opts.clients} clients)`, `${base}-latency.svg`)) charts.push(`${base}-latency.svg`);
if ((opts.scenario === 'kill' || opts.scenario === 'storm') && (await lossBars(runs, `${opts.scenario}: messages lost after reconnect`, `${base}-loss.svg`))) {
  charts.push(`${base}-loss.svg`);
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n${command}\n(load average at start ${machine.loadAvg1m5m15mAtStart.join(' ')}, at end ${machine.loadAvg1m5m15mAtEnd.join(' ')})\n\n${table(runs)}\n`);
log(`written ${base}.json${charts.length ? ` and ${charts.join(', ')}` : ''}`);
if (Object.keys(errors).length > 0) process.exitCode = 1;
