import { parseArgs } from 'node:util';
import { SCENARIOS, SYSTEMS, type ScenarioName, type SystemName } from './types.js';

/** The bench's knobs, as CLI flags; defaults are the docs/contract.md §9 workload, flags make a smoke run small. */
export interface CompareOptions {
  scenario: ScenarioName;
  systems: SystemName[];
  /** Connected clients (one user each) for steady, ramp, storm and kill. */
  clients: number;
  /** Messages/s for steady and kill. */
  rate: number;
  /** Seconds of measured load (steady, kill). */
  duration: number;
  /** Seconds of unmeasured warm-up load before steady's window. */
  warmup: number;
  /** Ramp: target rates, one step each, stopping at the first step with loss or a missed rate. */
  rates: number[];
  /** Ramp: seconds per step. */
  step: number;
  /** Idle: connections opened on one server process. */
  connections: number;
  /** Storm: messages each client is behind when all reconnect at once. */
  behind: number;
  /** Storm: seconds allowed for everyone to catch up. */
  deadline: number;
  /** Kill: seconds into the load when node 0 is SIGKILLed. */
  killAt: number;
  /** Client worker processes. */
  workers: number;
  /** Loopback source addresses (127.0.0.1…N) clients bind to. */
  sources: number;
  /** Connections opened at once (over all workers). */
  concurrency: number;
  /** Publisher lanes (each sends its next batch after the last one was accepted). */
  lanes: number;
  /** Messages per publish batch at most. */
  batch: number;
  /** Socket.IO Redis Streams adapter maxLen (its documented default is 10,000). */
  sioMaxLen: number;
  redisUrl: string;
  outDir: string;
  /** Profile Tidings' ingest and gateways with node --cpu-prof (profiles into <out-dir>/profiles/). */
  cpuProf: boolean;
}

export const USAGE = `npm run bench:compare -- --scenario ${SCENARIOS.join('|')} [--systems ${SYSTEMS.join(',')}]
  [--clients N] [--rate N] [--duration S] [--warmup S] [--rates N,N,…] [--step S] [--connections N]
  [--behind N] [--deadline S] [--kill-at S] [--workers N] [--sources N] [--concurrency N]
  [--lanes N] [--batch N] [--sio-max-len N] [--redis-url URL] [--out-dir DIR] [--cpu-prof]`;

function int(name: string, raw: string | undefined, def: number, min: number, max: number): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got ${raw}\nusage: ${USAGE}`);
  return n;
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`--${name} must be one of ${allowed.join(', ')}, got ${raw}\nusage: ${USAGE}`);
  return raw as T;
}

export function parseOptions(argv: string[]): CompareOptions {
  const s = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: argv,
    options: {
      scenario: s, systems: s, clients: s, rate: s, duration: s, warmup: s, rates: s, step: s, connections: s, behind: s,
      deadline: s, 'kill-at': s, workers: s, sources: s, concurrency: s, lanes: s, batch: s, 'sio-max-len': s, 'redis-url': s,
      'out-dir': s, 'cpu-prof': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!v.scenario) throw new Error(`--scenario is required\nusage: ${USAGE}`);
  const duration = int('duration', v.duration, 60, 1, 3600);
  const clients = int('clients', v.clients, 10000, 1, 200000);
  return {
    scenario: oneOf('scenario', v.scenario, SCENARIOS),
    systems: (v.systems ?? SYSTEMS.join(',')).split(',').map((x) => oneOf('systems', x.trim(), SYSTEMS)),
    clients,
    rate: int('rate', v.rate, 2000, 1, 1_000_000),
    duration,
    warmup: int('warmup', v.warmup, 3, 0, 600),
    rates: (v.rates ?? '2000,5000,10000,15000,20000,30000,40000').split(',').map((x) => int('rates', x.trim(), 0, 1, 1_000_000)),
    step: int('step', v.step, 15, 1, 600),
    connections: int('connections', v.connections, 10000, 1, 200000),
    behind: int('behind', v.behind, 20, 1, 10000),
    deadline: int('deadline', v.deadline, 120, 1, 3600),
    killAt: int('kill-at', v['kill-at'], Math.max(1, Math.floor(duration / 3)), 0, 3600),
    workers: int('workers', v.workers, 2, 1, 16),
    sources: int('sources', v.sources, 4, 1, 250),
    concurrency: int('concurrency', v.concurrency, 200, 1, 10000),
    lanes: int('lanes', v.lanes, 32, 1, 256),
    batch: int('batch', v.batch, 50, 1, 1000),
    sioMaxLen: int('sio-max-len', v['sio-max-len'], 10000, 100, 100_000_000),
    redisUrl: v['redis-url'] ?? 'redis://127.0.0.1:6379',
    outDir: v['out-dir'] ?? 'bench/results',
    cpuProf: v['cpu-prof'] ?? false,
  };
}
