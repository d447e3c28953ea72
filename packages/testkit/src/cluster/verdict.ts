import type pg from 'pg';
import { judgeSequence, userLog } from '../chaos/check.js';
import type { ChaosClient } from '../chaos/clients.js';
import { readCommittedLog } from './log-reader.js';
import { phaseAt, phaseRows, totalRow, type Phase, type PhaseRow } from './phases.js';
import { checkWatermarks, longestStandstill, partitionLogs, type Standstill, type WatermarkFinding, type WatermarkSample } from './watermark-check.js';

/** What the clients saw, beyond the per-phase counts. */
export interface ClientSummary {
  count: number;
  /** Connections after the first that reached `synced`. */
  resumes: number;
  /** `synced` with recovered:false (must be 0: every cursor here is honourable). */
  unrecovered: number;
  /** Events of another user, or not in the user's log (must be 0, G5). */
  foreign: number;
  /** Repeated frames (replay overlaps) the SDK dropped by id before the app saw them. */
  sdkDuplicatesDropped: number;
  /** Sockets lost, by close code. */
  closes: Record<string, number>;
}

export interface WatermarkSummary {
  /** Partition readings. */
  samples: number;
  snapshotErrors: number;
  regressions: WatermarkFinding[];
  overshoots: WatermarkFinding[];
  /** Committed records in the log (what had to be stored). */
  committedRecords: number;
  /** The longest a partition's watermark stood still before moving on (how long persisting paused). */
  longestStandstill?: Standstill | undefined;
}

export interface VerdictInputs {
  pool: pg.Pool;
  brokers: string;
  topic: string;
  /** The topic's end offsets after the load stopped. */
  ends: ReadonlyMap<number, bigint>;
  users: readonly string[];
  clients: readonly ChaosClient[];
  /** Ids ingest accepted, per user. */
  accepted: ReadonlyMap<string, readonly string[]>;
  phases: readonly Phase[];
  /** The phase each accepted id was accepted in. */
  acceptedIn: ReadonlyMap<string, number>;
  answers: readonly { accepted: number; rejected: number }[];
  samples: readonly WatermarkSample[];
  snapshotErrors: number;
  /** When the load started (event times are placed in phases relative to it). */
  t0: number;
}

export interface Verdict {
  phases: PhaseRow[];
  total: PhaseRow;
  clients: ClientSummary;
  watermarks: WatermarkSummary;
}

/**
 * Judges a finished run: every client's received sequence against its
 * user's log in Postgres (lost, duplicated, reordered, per phase), and every
 * watermark reading against the committed log read back from Kafka.
 */
export async function judgeRun(input: VerdictInputs): Promise<Verdict> {
  const committed = await readCommittedLog(input.brokers, input.topic, input.ends, 60000);
  const wm = checkWatermarks(input.samples, partitionLogs(committed, input.ends));
  const logs = new Map<string, string[]>();
  for (const u of input.users) logs.set(u, await userLog(input.pool, u));

  const clients: ClientSummary = { count: input.clients.length, resumes: 0, unrecovered: 0, foreign: 0, sdkDuplicatesDropped: 0, closes: {} };
  // Events whose 202 never arrived (lost with a restarting ingest) are placed by their envelope time.
  const eventTime = new Map<string, number>();
  const sequences = input.clients.map((c) => {
    const created = c.received.filter((m) => m.event.type === 'notification.created');
    const log = logs.get(c.userId) ?? [];
    const inLog = new Set(log);
    for (const m of created) eventTime.set(m.event.id, Date.parse(m.event.time) - input.t0);
    clients.foreign += created.filter((m) => m.event.userId !== c.userId || !inLog.has(m.event.id)).length;
    clients.resumes += Math.max(0, c.syncs.length - 1);
    clients.unrecovered += c.syncs.filter((s) => !s.recovered).length;
    clients.sdkDuplicatesDropped += c.client.stats.duplicatesDropped;
    for (const code of c.closes) clients.closes[code] = (clients.closes[code] ?? 0) + 1;
    const received = created.map((m) => m.event.id);
    return { received, findings: judgeSequence(input.accepted.get(c.userId) ?? [], log, received) };
  });
  const phases = phaseRows({
    phases: input.phases,
    clients: sequences,
    phaseOf: (id) => input.acceptedIn.get(id) ?? phaseAt(input.phases, eventTime.get(id) ?? 0),
    answers: input.answers,
    watermarks: wm,
    sampleTimes: input.samples.map((s) => s.atMs),
  });
  return {
    phases,
    total: totalRow(phases),
    clients,
    watermarks: {
      samples: wm.samples,
      snapshotErrors: input.snapshotErrors,
      regressions: wm.regressions,
      overshoots: wm.overshoots,
      committedRecords: committed.length,
      longestStandstill: longestStandstill(input.samples),
    },
  };
}
