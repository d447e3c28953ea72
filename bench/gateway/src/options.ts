import { parseArgs } from 'node:util';

/** The bench's knobs, as CLI flags; every one has a default so `npm run bench:gateway` needs none. */
export interface BenchOptions {
  /** Idle connections opened on the gateway process (each a distinct user, authenticated and synced). */
  connections: number;
  /** Of those, how many receive the fan-out load. */
  clients: number;
  /** Notifications per second during the fan-out phase. */
  rate: number;
  /** Seconds of measured fan-out (after a 2 s warm-up). */
  duration: number;
  /** Notifications per ingest request. */
  batch: number;
  /** Ingest requests in flight at most (the pacer is open-loop while it stays below). */
  inFlight: number;
  /** Loopback source addresses (127.0.0.1…) to spread connections over (≈28k ephemeral ports each). */
  sources: number;
  /** Connections being opened at once. */
  concurrency: number;
  /** Percent of notifications addressed to users connected nowhere (the node reads and skips them). */
  offline: number;
  /** Skip a phase. */
  skipFanout: boolean;
  /** Where the JSON result is written (besides stdout). */
  outDir: string;
}

const USAGE = `npm run bench:gateway -- [--connections N] [--clients N] [--rate N] [--duration S] [--batch N] [--in-flight N] [--offline PCT] [--sources N] [--concurrency N] [--skip-fanout] [--out-dir DIR]`;

function int(name: string, raw: string | undefined, def: number, min: number, max: number): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got ${raw}\nusage: ${USAGE}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: 'string' },
      clients: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      batch: { type: 'string' },
      'in-flight': { type: 'string' },
      sources: { type: 'string' },
      concurrency: { type: 'string' },
      offline: { type: 'string' },
      'skip-fanout': { type: 'boolean', default: false },
      'out-dir': { type: 'string', default: 'bench/results' },
    },
    strict: true,
  });
  const connections = int('connections', values.connections, 10000, 1, 1_000_000);
  const clients = int('clients', values.clients, Math.min(connections, 10000), 1, connections);
  return {
    connections,
    clients,
    rate: int('rate', values.rate, 2000, 1, 100000),
    duration: int('duration', values.duration, 15, 1, 3600),
    batch: int('batch', values.batch, 20, 1, 1000),
    inFlight: int('in-flight', values['in-flight'], 16, 1, 4096),
    sources: int('sources', values.sources, Math.max(1, Math.ceil(connections / 25000)), 1, 250),
    concurrency: int('concurrency', values.concurrency, 200, 1, 5000),
    offline: int('offline', values.offline, 0, 0, 100),
    skipFanout: values['skip-fanout'] ?? false,
    outDir: values['out-dir'] ?? 'bench/results',
  };
}
