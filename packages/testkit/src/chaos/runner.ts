import pg from 'pg';
import { createNamespace } from '../stack/namespace.js';
import { spawnService, type RunningService } from '../stack/services.js';
import { startStack, type Stack, type StackOptions } from '../stack/stack.js';
import { testAuthEnv, tokenFor } from '../testing/auth.js';
import { compare, drain, passed, userLog, type ClientReport } from './check.js';
import { openChaosClient, type ChaosClient } from './clients.js';
import { startLoad, type Load } from './load.js';

/** Where a scenario runs: a Kafka and a Postgres (shared or its own) and the auth secret. */
export interface ChaosInfra {
  brokers: string;
  adminDatabaseUrl: string;
  secret: string;
}

/** What a fault sees: the live system under load. */
export interface FaultContext {
  infra: ChaosInfra;
  stack: Stack;
  clients: ChaosClient[];
  load: Load;
  producerToken: string;
  pool: pg.Pool;
  /** Kills ingest (SIGKILL) and starts it again on the same port. */
  restartIngest(kill: boolean): Promise<void>;
  /** Waits until every client has received at least `n` more events than now (progress under load). */
  progress(n: number, timeoutMs?: number): Promise<void>;
  /** Waits (bounded) until ingest accepted `n` more notifications; resolves with how many it did. */
  accepted(n: number, timeoutMs: number): Promise<number>;
  /**
   * Restarts the persister or ingest if they exited (what a supervisor does) and
   * returns what had died; the scenario then fails: a dependency restart must not kill a service.
   */
  superviseProcesses(): Promise<string[]>;
  note(line: string): void;
}

export interface Scenario {
  name: string;
  gateways?: number;
  users?: number;
  clientsPerUser?: number;
  ratePerSec?: number;
  explicitIds?: boolean;
  extraEnv?: StackOptions['extraEnv'];
  /** How a client gets its tokens (default: one-hour tokens from the test issuer). */
  userToken?(secret: string, userId: string): Promise<string>;
  /** Load time after the fault before the drain (default 2000 ms). */
  afterMs?: number;
  fault(ctx: FaultContext): Promise<void>;
}

export interface ScenarioResult {
  name: string;
  durationMs: number;
  sent: number;
  accepted: number;
  rejected: number;
  clients: ClientReport[];
  notes: string[];
  /** Services that exited on their own during the scenario (a fail). */
  crashes: string[];
  error?: string;
  ok: boolean;
}

export interface RunOptions {
  /** Every service log line, e.g. to check no token leaks (docs/security.md). */
  onLog?: (label: string, line: string) => void;
}

export async function runScenario(s: Scenario, infra: ChaosInfra, opts: RunOptions = {}): Promise<ScenarioResult> {
  const started = Date.now();
  const notes: string[] = [];
  const ns = await createNamespace(infra.brokers, infra.adminDatabaseUrl);
  const authEnv = testAuthEnv(infra.secret);
  let stack: Stack | undefined;
  let ingest: RunningService | undefined;
  const clients: ChaosClient[] = [];
  const pool = new pg.Pool({ connectionString: ns.databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  const result: ScenarioResult = { name: s.name, durationMs: 0, sent: 0, accepted: 0, rejected: 0, clients: [], notes, crashes: [], ok: false };
  try {
    stack = await startStack({
      env: ns.env,
      authEnv,
      gateways: s.gateways ?? 2,
      ...(s.extraEnv ? { extraEnv: s.extraEnv } : {}),
      ...(opts.onLog ? { log: opts.onLog } : {}),
    });
    ingest = stack.ingest;
    const ingestPort = new URL(ingest.url).port;
    const producerToken = await tokenFor(infra.secret, 'chaos-producer', ['notifications:write']);
    const users = Array.from({ length: s.users ?? 4 }, (_, i) => `chaos-${ns.id}-u${i}`);
    const urls = stack.gateways.map((g) => g.url);
    for (const userId of users) {
      for (let k = 0; k < (s.clientsPerUser ?? 2); k++) {
        // Rotate the preferred node so every gateway serves some clients.
        const order = urls.map((_, i) => urls[(i + k + users.indexOf(userId)) % urls.length]!);
        clients.push(
          openChaosClient({ userId, urls: order, getToken: () => (s.userToken ? s.userToken(infra.secret, userId) : tokenFor(infra.secret, userId)) }),
        );
      }
    }
    await Promise.all(clients.map((c) => c.client.whenLive(30000)));
    const load = startLoad({ ingestUrl: () => ingest!.url, token: producerToken, users, ratePerSec: s.ratePerSec ?? 150, explicitIds: s.explicitIds ?? false });
    const ctx: FaultContext = {
      infra,
      stack,
      clients,
      load,
      producerToken,
      pool,
      async restartIngest(kill) {
        if (kill) await ingest!.kill();
        else await ingest!.stop();
        ingest = await spawnService(
          'ingest',
          { ...ns.env, ...authEnv, LOG_LEVEL: 'info', INGEST_PORT: ingestPort, ...s.extraEnv?.ingest },
          { label: 'ingest-2', ...(opts.onLog ? { onLog: opts.onLog } : {}) },
        );
      },
      async progress(n, timeoutMs = 30000) {
        await Promise.all(clients.map((c) => {
          const target = c.received.length + n;
          return c.until(`${n} more events`, () => c.received.length >= target, timeoutMs);
        }));
      },
      async accepted(n, timeoutMs) {
        const from = load.stats.accepted;
        const deadline = Date.now() + timeoutMs;
        while (load.stats.accepted - from < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        return load.stats.accepted - from;
      },
      async superviseProcesses() {
        const dead = (p: RunningService) => p.proc.exitCode !== null || p.proc.signalCode !== null;
        const restarted: string[] = [];
        if (dead(stack!.persister)) {
          restarted.push(`persister (exit ${stack!.persister.proc.exitCode ?? stack!.persister.proc.signalCode})`);
          await stack!.restartPersister();
        }
        if (dead(ingest!)) {
          restarted.push(`ingest (exit ${ingest!.proc.exitCode ?? ingest!.proc.signalCode})`);
          await ctx.restartIngest(true);
        }
        for (const g of stack!.gateways) if (dead(g)) restarted.push(`${g.label} (exit ${g.proc.exitCode ?? g.proc.signalCode}; not restarted)`);
        result.crashes.push(...restarted);
        return restarted;
      },
      note: (line) => notes.push(line),
    };
    try {
      await ctx.progress(20);
      await s.fault(ctx);
      await new Promise((r) => setTimeout(r, s.afterMs ?? 2000)); // load keeps running after the fault, by design
    } finally {
      await load.stop();
    }
    await drain(clients, load.accepted, 60000);
    result.sent = load.stats.sent;
    result.accepted = load.stats.accepted;
    result.rejected = load.stats.rejected;
    if (load.stats.rejected > 0) notes.push(`not accepted by status: ${JSON.stringify(load.stats.statuses)}`);
    const closes: Record<number, number> = {};
    for (const c of clients) for (const code of c.closes) closes[code] = (closes[code] ?? 0) + 1;
    if (Object.keys(closes).length) notes.push(`client sockets closed, by code: ${JSON.stringify(closes)}`);
    const logs = new Map<string, string[]>();
    for (const u of users) logs.set(u, await waitForLog(pool, u, load.accepted.get(u) ?? [], 60000));
    result.clients = clients.map((c) => compare(c.userId, load.accepted.get(c.userId) ?? [], logs.get(c.userId)!, c));
    result.ok = result.clients.length > 0 && result.clients.every(passed) && result.crashes.length === 0;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    for (const c of clients) c.close();
    await pool.end().catch(() => undefined);
    if (ingest && ingest !== stack?.ingest) await ingest.stop().catch(() => undefined);
    await stack?.stop().catch(() => undefined);
    await ns.drop().catch(() => undefined);
    result.durationMs = Date.now() - started;
  }
  return result;
}

/** The user's log once every accepted id is persisted (or the deadline passed: then the report shows them as unpersisted). */
async function waitForLog(pool: pg.Pool, userId: string, accepted: readonly string[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await userLog(pool, userId);
    const have = new Set(log);
    if (accepted.every((id) => have.has(id)) || Date.now() > deadline) return log;
    await new Promise((r) => setTimeout(r, 250));
  }
}
