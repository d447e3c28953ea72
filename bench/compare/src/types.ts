/** Shared shapes of the compare bench: systems, the worker protocol, receipts. */

export const SYSTEMS = ['tidings', 'seed', 'socketio', 'mqtt'] as const;
export type SystemName = (typeof SYSTEMS)[number];

export const SCENARIOS = ['steady', 'ramp', 'idle', 'storm', 'kill'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** One bench user: its index (for the publisher's per-user sequence) and its id on the wire. */
export interface BenchUser {
  index: number;
  id: string;
}

/** What a client worker needs to open its connections. */
export interface WorkerInit {
  system: SystemName;
  /** Client endpoints, one per server node; user i starts on node i % length. */
  endpoints: string[];
  users: BenchUser[];
  /** Loopback source addresses 127.0.0.1 … 127.0.0.<sources>. */
  sources: number;
  /** Connections being opened at once. */
  concurrency: number;
  /** Tidings: the HS256 secret tokens are minted with. */
  secret?: string;
}

/**
 * Receipts in arrival order, flattened: message k was the `seqs[k]`-th
 * message of user `users[k]`, received at `times[k]` (epoch ms, sub-ms).
 */
export interface Receipts {
  users: Int32Array;
  seqs: Int32Array;
  times: Float64Array;
}

/** Per-user timings of a reconnect (ms from the moment `back` was ordered; NaN = never). */
export interface BackTimings {
  connected: Float64Array;
  /** Tidings: `synced`; Socket.IO: `connect` with `recovered`; MQTT: CONNACK with session present; seed: open. */
  synced: Float64Array;
  caughtUp: Float64Array;
  /** How many sessions the server said it recovered (Tidings `recovered:true`, Socket.IO `socket.recovered`, MQTT sessionPresent). */
  recovered: number;
}

export type WorkerRequest =
  | { op: 'init'; init: WorkerInit }
  | { op: 'connect' }
  | { op: 'stats' }
  | { op: 'drain' }
  | { op: 'away' }
  | { op: 'back'; expect: number; deadlineMs: number; quietMs: number }
  | { op: 'close' };

export interface WorkerStats {
  received: number;
  open: number;
  /** Unexpected closes seen (server died, too slow …). */
  drops: number;
  /** Successful reconnects after an unexpected close. */
  reconnects: number;
  /** Sessions the server said it could not recover after such a reconnect. */
  unrecovered: number;
}

export type WorkerReply =
  | { ok: true; connectMs?: number; stats?: WorkerStats; receipts?: Receipts; back?: BackTimings }
  | { ok: false; error: string };
