import pg from 'pg';
import { drain } from '../chaos/check.js';
import type { ChaosClient } from '../chaos/clients.js';
import type { LoadStats } from '../chaos/load.js';
import { createNamespace } from '../stack/namespace.js';
import { testAuthEnv, tokenFor } from '../testing/auth.js';
import { topicEndOffsets } from '../testing/topic.js';
import { waitForWatermarks } from '../testing/watermarks.js';
import { openClients } from './clients.js';
import { createNodeSet, type NodeSet, type Role } from './nodes.js';
import type { ClusterOptions } from './options.js';
import { rowPassed, totalRow, type Phase } from './phases.js';
import { INITIAL_NODES, STEPS, type StepContext } from './schedule.js';
import { startTraffic, type Traffic } from './traffic.js';
import { judgeRun, type Verdict } from './verdict.js';
import { startWatermarkSampler, type WatermarkSampler } from './watermark-sampler.js';

/** Where the cluster runs: a Kafka and a Postgres (shared or started for it) and the auth secret. */
export interface ClusterInfra {
  brokers: string;
  adminDatabaseUrl: string;
  secret: string;
}

/** One line of the node event log. */
export interface NodeEvent {
  /** ms since the load started (negative: during startup). */
  atMs: number;
  at: string;
  phase: string;
  what: string;
  /** How long the action took (0 for an observation). */
  tookMs: number;
  ok: boolean;
  error?: string;
}

export interface ClusterResult extends Verdict {
  startedAt: string;
  durationMs: number;
  namespace: string;
  settings: { durationS: number; ratePerSec: number; users: number; clients: number; sampleMs: number };
  nodeEvents: NodeEvent[];
  load: LoadStats;
  /** Every partition's watermark reached its log end after the drain. */
  reachedLogEnd: boolean;
  /** Processes that exited without being asked. */
  crashes: string[];
  errors: string[];
  ok: boolean;
}

export interface RunHooks {
  say(line: string): void;
  onLog?: (label: string, line: string) => void;
  /** Aborting (interrupt, deadline) kills every node at once; the run then fails fast. */
  signal?: AbortSignal;
}

/** `+12.3s`: time since the load started. */
export const fmtAt = (ms: number) => `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(1)}s`;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Waits for a scheduled time; an abort ends the wait at once. */
function waitUntil(deadline: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The node event log: each entry timed against the start of the load and printed as it happens. */
function eventLog(say: (line: string) => void) {
  const events: NodeEvent[] = [];
  let t0 = Date.now();
  const log = {
    events,
    /** Moves time zero to the start of the load; startup entries become negative. */
    startClock(at: number) {
      t0 = at;
      for (const e of events) e.atMs = Date.parse(e.at) - t0;
    },
    async run<T>(phase: string, what: string, action: () => Promise<T>): Promise<T> {
      const at = Date.now();
      const e: NodeEvent = { atMs: at - t0, at: new Date(at).toISOString(), phase, what, tookMs: 0, ok: true };
      events.push(e);
      try {
        return await action();
      } catch (error) {
        e.ok = false;
        e.error = message(error);
        throw error;
      } finally {
        e.tookMs = Date.now() - at;
        say(`${e.at} ${fmtAt(e.atMs)} ${e.what}${e.ok ? '' : ` FAILED: ${e.error}`} (${e.tookMs} ms)`);
      }
    },
    note(phase: string, what: string) {
      const at = Date.now();
      const e: NodeEvent = { atMs: at - t0, at: new Date(at).toISOString(), phase, what, tookMs: 0, ok: true };
      events.push(e);
      say(`${e.at} ${fmtAt(e.atMs)} ${what}`);
    },
  };
  return log;
}

/**
 * `npm run cluster`: 3 gateways, 2 persisters in one group, 2 ingest nodes
 * in a fresh namespace, under steady load with resuming clients; the node
 * events of STEPS on schedule; then the drain and the verdict (docs/cluster.md).
 */
export async function runCluster(opts: ClusterOptions, infra: ClusterInfra, hooks: RunHooks): Promise<ClusterResult> {
  const started = Date.now();
  const ns = await createNamespace(infra.brokers, infra.adminDatabaseUrl);
  const nodes = createNodeSet({ env: { ...ns.env, ...testAuthEnv(infra.secret) }, runId: ns.id, ...(hooks.onLog ? { onLog: hooks.onLog } : {}) });
  const pool = new pg.Pool({ connectionString: ns.databaseUrl, max: 3 });
  // Dropping the namespace at the end terminates idle connections; that is not a failure.
  pool.on('error', () => undefined);
  const log = eventLog(hooks.say);
  let clients: ChaosClient[] = [];
  const abort = () => {
    for (const c of clients) c.close();
    void nodes.stopAll(1000);
  };
  hooks.signal?.addEventListener('abort', abort, { once: true });
  const result: ClusterResult = {
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    namespace: ns.id,
    settings: { durationS: opts.CLUSTER_DURATION_S, ratePerSec: opts.CLUSTER_RATE, users: opts.CLUSTER_USERS, clients: opts.CLUSTER_USERS * opts.CLUSTER_CLIENTS_PER_USER, sampleMs: opts.CLUSTER_SAMPLE_MS },
    nodeEvents: log.events,
    phases: [],
    total: totalRow([]),
    clients: { count: 0, resumes: 0, unrecovered: 0, foreign: 0, sdkDuplicatesDropped: 0, closes: {} },
    watermarks: { samples: 0, snapshotErrors: 0, regressions: [], overshoots: [], committedRecords: 0 },
    load: { sent: 0, accepted: 0, rejected: 0, statuses: {} },
    reachedLogEnd: false,
    crashes: [],
    errors: [],
    ok: false,
  };
  let traffic: Traffic | undefined;
  let sampler: WatermarkSampler | undefined;
  try {
    // Every node at once; allSettled so none is still starting (untracked) when a failure unwinds.
    const starts = Object.entries(INITIAL_NODES).flatMap(([role, names]) => names.map((name) => log.run('startup', `${name} started`, () => nodes.start(role as Role, name))));
    const failed = (await Promise.allSettled(starts)).find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const users = Array.from({ length: opts.CLUSTER_USERS }, (_, i) => `cl-${ns.id}-u${i}`);
    clients = openClients(users, opts.CLUSTER_CLIENTS_PER_USER, nodes.running('gateway').map((g) => g.url), infra.secret);
    await log.run('startup', `${clients.length} clients live`, () => Promise.all(clients.map((c) => c.client.whenLive(30000))));

    const t0 = Date.now();
    log.startClock(t0);
    const phases: Phase[] = [{ name: 'steady', startMs: 0 }];
    sampler = startWatermarkSampler(pool, opts.CLUSTER_SAMPLE_MS, t0);
    traffic = startTraffic({
      ingestUrls: () => nodes.running('ingest').map((s) => s.url),
      token: await tokenFor(infra.secret, 'cluster-producer', ['notifications:write']),
      users,
      ratePerSec: opts.CLUSTER_RATE,
      phase: () => phases.length - 1,
    });
    log.note('steady', `load: ${opts.CLUSTER_RATE}/s over 2 ingest nodes, ${clients.length} clients on 3 gateways, for ${opts.CLUSTER_DURATION_S} s`);
    await runSchedule(opts, t0, phases, { nodes, clients, traffic, log, ...(hooks.signal ? { signal: hooks.signal } : {}) }, result.errors);

    phases.push({ name: 'drain', startMs: Date.now() - t0 });
    await traffic.load.stop();
    result.load = { ...traffic.load.stats, statuses: { ...traffic.load.stats.statuses } };
    log.note('drain', `load stopped: ${result.load.accepted} accepted, ${result.load.rejected} not`);
    const endOffsets = await topicEndOffsets(infra.brokers, ns.topics.events);
    const ends = new Map(Object.entries(endOffsets).map(([p, o]) => [Number(p), BigInt(o)]));
    const drainMs = opts.CLUSTER_DRAIN_TIMEOUT_S * 1000;
    await Promise.all([
      drain(clients, traffic.load.accepted, drainMs),
      waitForWatermarks(ns.databaseUrl, endOffsets, drainMs).then(
        () => (result.reachedLogEnd = true),
        (error: unknown) => result.errors.push(`after the drain: ${message(error)}`),
      ),
    ]);
    await sampler.stop();
    log.note('drain', 'drained: checking clients against Postgres and watermarks against Kafka');
    const verdict = await judgeRun({
      pool,
      brokers: infra.brokers,
      topic: ns.topics.events,
      ends,
      users,
      clients,
      accepted: traffic.load.accepted,
      phases,
      acceptedIn: traffic.acceptedIn,
      answers: traffic.answers,
      samples: sampler.samples,
      snapshotErrors: sampler.errors,
      t0,
    });
    Object.assign(result, verdict);
  } catch (error) {
    result.errors.push(message(error));
  } finally {
    hooks.signal?.removeEventListener('abort', abort);
    for (const c of clients) c.close();
    await traffic?.load.stop().catch(() => undefined);
    await sampler?.stop().catch(() => undefined);
    await nodes.stopAll(10000);
    await pool.end().catch(() => undefined);
    await ns.drop().catch((error: unknown) => result.errors.push(`dropping the namespace: ${message(error)}`));
    result.crashes = nodes.crashes();
    result.durationMs = Date.now() - started;
  }
  result.ok =
    result.errors.length === 0 &&
    result.crashes.length === 0 &&
    result.load.accepted > 0 &&
    result.reachedLogEnd &&
    result.phases.length > 0 &&
    result.phases.every(rowPassed) &&
    result.clients.unrecovered === 0 &&
    result.clients.foreign === 0;
  return result;
}

interface ScheduleParts {
  nodes: NodeSet;
  clients: readonly ChaosClient[];
  traffic: Traffic;
  log: ReturnType<typeof eventLog>;
  signal?: AbortSignal;
}

/**
 * Every phase lasts at least this long after its step finished, so a slow step
 * (a join that takes 9 s on a loaded machine) cannot squeeze the next phase to
 * nothing: each phase's checks need traffic in it.
 */
const MIN_PHASE_MS = 2000;

/** Runs each step at its time; a step that fails is recorded and the run goes on (and fails). */
async function runSchedule(opts: ClusterOptions, t0: number, phases: Phase[], parts: ScheduleParts, errors: string[]): Promise<void> {
  const durationMs = opts.CLUSTER_DURATION_S * 1000;
  let notBefore = 0;
  for (const step of STEPS) {
    await waitUntil(Math.max(t0 + step.at * durationMs, notBefore), parts.signal);
    if (parts.signal?.aborted) throw new Error('aborted');
    phases.push({ name: step.phase, startMs: Date.now() - t0 });
    const ctx: StepContext = {
      nodes: parts.nodes,
      clients: parts.clients,
      ratePerSec: opts.CLUSTER_RATE,
      event: (what, action) => parts.log.run(step.phase, what, action),
      note: (what) => parts.log.note(step.phase, what),
      accepted: (n, timeoutMs) => parts.traffic.accepted(n, timeoutMs),
    };
    await step.run(ctx).catch((error: unknown) => errors.push(`${step.phase}: ${message(error)}`));
    notBefore = Date.now() + MIN_PHASE_MS;
  }
  await waitUntil(Math.max(t0 + durationMs, notBefore), parts.signal);
  if (parts.signal?.aborted) throw new Error('aborted');
}
