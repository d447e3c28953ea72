#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClusterOptions } from '../cluster/options.js';
import { nodeEventLines, phaseTable, summaryLines } from '../cluster/report.js';
import { runCluster } from '../cluster/run.js';
import { loadStackConfig } from '../stack/config.js';
import { startInfra } from '../stack/infra.js';

/**
 * `npm run cluster`: a multi-node run on loopback (docs/cluster.md). Kafka
 * and Postgres from KAFKA_BROKERS / DATABASE_URL, else started here. Prints
 * the node events and the per-phase table, writes the JSON results, exits 1
 * when any check fails. Bounded: past its deadline every node is killed
 * and it exits 2. Flags and variables: cluster/options.ts.
 */
const say = (msg: string) => process.stdout.write(`[cluster] ${msg}\n`);
const opts = loadClusterOptions(process.argv.slice(2), process.env);
const stackConfig = loadStackConfig();
const resultsDir = opts.CLUSTER_RESULTS_DIR ?? fileURLToPath(new URL('../../../../bench/results/', import.meta.url));

const controller = new AbortController();
// Startup (readiness waits up to 60 s per node), the load, the drain, the check and the cleanup.
const deadlineMs = 120_000 + opts.CLUSTER_DURATION_S * 1000 + opts.CLUSTER_DRAIN_TIMEOUT_S * 1000 + 90_000;
const deadline = setTimeout(() => {
  say(`deadline of ${deadlineMs / 1000} s passed: killing every node`);
  controller.abort();
  // The run stops its nodes on abort; if it still has not returned, leave anyway.
  setTimeout(() => process.exit(2), 20_000).unref();
}, deadlineMs);
deadline.unref();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    say(`${sig}: stopping every node`);
    controller.abort();
  });
}

const infra = await startInfra(stackConfig, say);
let exitCode = 1;
try {
  const logFile = opts.CLUSTER_LOG_FILE;
  const result = await runCluster(
    opts,
    { brokers: infra.brokers, adminDatabaseUrl: infra.databaseUrl, secret: randomBytes(24).toString('hex') },
    { say, signal: controller.signal, ...(logFile ? { onLog: (label: string, line: string) => appendFileSync(logFile, `${label} ${line}\n`) } : {}) },
  );
  const file = join(resultsDir, `cluster-${result.startedAt.replace(/[:.]/g, '-')}.json`);
  mkdirSync(resultsDir, { recursive: true });
  const command = `npm run cluster${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  // The load average says how busy the shared machine was while the run's own processes were on it.
  const machine = { cpus: cpus().length, loadavg1m: Number(loadavg()[0]!.toFixed(2)) };
  writeFileSync(file, `${JSON.stringify({ command, machine, ...result }, null, 2)}\n`);
  process.stdout.write(`\nnode events:\n${nodeEventLines(result)}\n\n${phaseTable(result)}\n\n${summaryLines(result)}\nmachine: ${machine.cpus} cpus, load average ${machine.loadavg1m} (1 min)\nresults: ${file}\n`);
  exitCode = result.ok ? 0 : 1;
} finally {
  clearTimeout(deadline);
  await infra.stop();
}
process.exit(controller.signal.aborted ? 2 : exitCode);
