import type { ServerProc } from '../proc.js';
import type { Publisher } from '../publisher.js';
import type { BenchUser } from '../types.js';

/** A system under test, started for one scenario. */
export interface SystemHandle {
  /** Client endpoints, one per node. */
  endpoints: string[];
  /** Extra settings client workers need (Tidings: the token secret). */
  secret?: string;
  publisher: Publisher;
  /** The processes that hold client connections (RSS per connection, CPU). */
  nodePids(): number[];
  /** Every server-side process of the system, by role (CPU accounting). */
  pids(): Record<string, number>;
  /** SIGKILLs node 0 under load (MQTT: the broker, restarted after `restartAfterMs`). */
  kill(): Promise<void>;
  /** Called before clients come back in the storm: whatever "published" must mean before they do. */
  beforeBack(): Promise<void>;
  /** System-specific figures read after a phase (Tidings: the gateways' resume metrics). */
  diagnostics?(): Promise<Record<string, unknown>>;
  /** The settings this system ran with, for the record. */
  settings: Record<string, unknown>;
  stop(): Promise<void>;
}

export interface SystemOptions {
  nodes: number;
  users: BenchUser[];
  runId: string;
  log: (msg: string) => void;
  /** Publisher lanes (concurrent serial senders). */
  lanes: number;
  maxBatch: number;
  redisUrl: string;
  /** Socket.IO: the Redis stream's maxLen. */
  sioMaxLen: number;
  /** Extra environment for the Tidings services (e.g. NODE_OPTIONS for --cpu-prof). */
  tidingsEnv: { ingest?: Record<string, string>; gateway?: Record<string, string>; persister?: Record<string, string> };
}

/** Nodes that exited on their own (not by the bench's kill), with their last words. */
export function postMortem(nodes: readonly ServerProc[], killed: ReadonlySet<number>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  nodes.forEach((n, i) => {
    if (killed.has(i) || (n.proc.exitCode === null && n.proc.signalCode === null)) return;
    out[`node-${i + 1}`] = { exitCode: n.proc.exitCode, signal: n.proc.signalCode, lastLines: n.lines.slice(-15) };
  });
  return out;
}

/** The notification every system carries (besides its sequence number), so frames are of comparable size. */
export const BODY = Object.freeze({ category: 'bench', title: 'Your order has shipped', body: 'Tracking number 1Z999AA10123456784' });
