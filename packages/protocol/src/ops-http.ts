import type { RebuildErrorCode } from './rebuild-errors.js';

/**
 * The ops API's answers (docs/contract.md §6, `/v1/ops/*`), shared by the ops service,
 * which produces them, and the ops CLI and benchmarks, which read them.
 * Offsets and ids of database rows are decimal strings (they are bigints).
 * Their JSON Schemas, tied to these at compile time, are in ops-http-schemas.ts.
 */

/** One event of `GET /v1/ops/users/:userId/events`. */
export interface HistoryEvent {
  partition: number;
  offset: string;
  /** The position of this event, to resume a socket or redeliver from. */
  cursor: string;
  event: { id: string; type: string; userId: string; time: string; source: string; data: unknown };
}
export interface HistoryPage {
  events: HistoryEvent[];
  /** Pass as `from` for the next page; absent on the last page. */
  next?: string;
}

/** `POST /v1/ops/redeliver` (202). */
export interface RedeliverAccepted {
  /** Names the command in the gateways' log lines. */
  requestId: string;
}

export type RebuildSource = 'kafka' | 'mirror';
export type RebuildState = 'running' | 'swapping' | 'done' | 'failed';
export type RebuildPhase = 'prepare' | 'load' | 'catchup' | 'swap' | 'cleanup' | 'finished';
export interface PhaseStats {
  ms: number;
  events: number;
}
/** `POST /v1/ops/rebuild` (202) and `GET /v1/ops/rebuild/:id`. */
export interface RebuildStatus {
  id: string;
  source: RebuildSource;
  actor: string;
  state: RebuildState;
  phase: RebuildPhase;
  startedAt: string;
  finishedAt: string | null;
  /** Events applied so far, over all phases. */
  events: number;
  /** events / seconds since the start (over the whole job once finished), rounded. */
  eventsPerSec: number;
  /** Per partition: everything below `done` is applied; `target` is the position being caught up to. */
  partitions: { partition: number; done: string; target: string }[];
  /** The phases finished so far. */
  phases: Partial<Record<'load' | 'catchup' | 'swap', PhaseStats>>;
  catchupRounds: number;
  error: { code: RebuildErrorCode; message: string } | null;
}
/** `GET /v1/ops/rebuild`: this ops process' rebuilds, newest first. */
export interface RebuildList {
  rebuilds: RebuildStatus[];
}

/** A record a consumer could not validate. */
export interface DeadLetter {
  id: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  reason: string;
  createdAt: string;
  retriedAt: string | null;
  retryCount: number;
}
/** `GET /v1/ops/dlq`. */
export interface DeadLetterPage {
  letters: DeadLetter[];
  /** Letters never retried, over the whole table. */
  pending: number;
  /** Pass as `after` for the next page; absent on the last page. */
  next?: string;
}
/** `POST /v1/ops/dlq/:id/retry` (202). */
export interface DeadLetterRetried {
  id: string;
  eventId: string;
  userId: string;
  retryCount: number;
}
/** `POST /v1/ops/dlq/retry-all` (202). */
export interface DeadLetterRetryAll {
  retried: number;
  /** Letters whose stored value still fails validation (first 100), left pending. */
  skipped: { id: string; issues: { path: string; message: string }[] }[];
  skippedCount: number;
}

export interface GatewayPosition {
  /** The gateway's base URL, as configured in OPS_GATEWAY_URLS. */
  node: string;
  /** Records its live feed is behind the log end (null: the node did not answer or has not fetched this partition yet). */
  lag: string | null;
}
export interface PartitionLag {
  partition: number;
  logEnd: string;
  persisterCommitted: string | null;
  watermark: string | null;
  /** Records the persister still has to store (log end − watermark). */
  persisterLag: string;
  gateways: GatewayPosition[];
}
/** `GET /v1/ops/lag`. */
export interface LagReport {
  partitions: PartitionLag[];
}

/** One row of the audit log. */
export interface AuditLogEntry {
  id: string;
  at: string;
  /** The `sub` of the ops token; `anonymous` when the request carried none that verified. */
  actor: string;
  action: string;
  params: unknown;
  result: unknown;
  ok: boolean;
}
/** `GET /v1/ops/audit`, newest first. */
export interface AuditPage {
  entries: AuditLogEntry[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: string;
}
