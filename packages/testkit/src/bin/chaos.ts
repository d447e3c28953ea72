#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { kafkaRestart, postgresRestart } from '../chaos/infra-scenarios.js';
import { runScenario, type ChaosInfra, type ScenarioResult } from '../chaos/runner.js';
import { PROCESS_SCENARIOS } from '../chaos/scenarios.js';
import { summaryTable } from '../chaos/table.js';
import { holdsToken } from '../testing/jwt.js';
import { startKafka } from '../kafka/index.js';
import { startPostgres } from '../postgres/index.js';

/**
 * `npm run chaos`: every fault scenario, one after another, then the summary
 * table. Uses KAFKA_BROKERS / DATABASE_URL when set (shared infrastructure),
 * otherwise starts its own. `CHAOS_ONLY=<substring>` picks scenarios by name.
 * First the fuzz, isolation and origin suites run through the test runner at
 * full size (CHAOS_FUZZ_RUNS, default 10,000 cases per target;
 * CHAOS_SUITES=0 skips them). Exit code 1 when anything fails.
 */
const say = (msg: string) => process.stdout.write(`[chaos] ${msg}\n`);
const only = process.env['CHAOS_ONLY']?.toLowerCase();
const t0 = Date.now();

let brokers = process.env['KAFKA_BROKERS'];
let databaseUrl = process.env['DATABASE_URL'];
const own: { stop(): Promise<void> }[] = [];
if (!brokers) {
  const k = await startKafka();
  own.push(k);
  brokers = k.brokers.join(',');
}
if (!databaseUrl) {
  const p = await startPostgres();
  own.push(p);
  databaseUrl = p.databaseUrl;
}
const infra: ChaosInfra = { brokers, adminDatabaseUrl: databaseUrl, secret: randomBytes(24).toString('hex') };
const results: ScenarioResult[] = [];
// Every service log line is scanned for JWTs in any encoding (none may appear: docs/security.md) and optionally kept.
const logFile = process.env['CHAOS_LOG_FILE'];
let logLines = 0;
const leaks: string[] = [];
const onLog = (label: string, line: string) => {
  logLines += 1;
  if (leaks.length < 10 && holdsToken(line)) leaks.push(`${label}: ${line.slice(0, 300)}`);
  if (logFile) appendFileSync(logFile, `${label} ${line}\n`);
};
const wanted = (name: string) => !only || name.toLowerCase().includes(only);
let suitesOk = true;
try {
  if (process.env['CHAOS_SUITES'] !== '0' && !only) {
    say('fuzz, isolation and origin suites (test runner)…');
    const run = spawnSync(process.execPath, [new URL('./run-tests.js', import.meta.url).pathname], {
      stdio: 'inherit',
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers,
        DATABASE_URL: databaseUrl,
        // The fuzz suites, plus the persister's accepted-means-storable property test at full size.
        TIDINGS_TEST_FILTER: 'testkit/dist/chaos/,persister/dist/storable',
        CHAOS_FUZZ_RUNS: process.env['CHAOS_FUZZ_RUNS'] ?? '10000',
        // Every route of ingest, gateway and ops: 40,000 HTTP cases, with 10,000 WebSocket and 10,000 storable ones ≥ 50,000 in all.
        CHAOS_HTTP_FUZZ_RUNS: process.env['CHAOS_HTTP_FUZZ_RUNS'] ?? '40000',
        CHAOS_ISOLATION_STEPS: process.env['CHAOS_ISOLATION_STEPS'] ?? '1000',
      },
    });
    suitesOk = run.status === 0;
    say(`suites: ${suitesOk ? 'PASS' : 'FAIL'}`);
  }
  for (const s of PROCESS_SCENARIOS) {
    if (!wanted(s.name)) continue;
    say(`running: ${s.name}`);
    results.push(await runScenario(s, infra, { onLog }));
    say(`${s.name}: ${results.at(-1)!.ok ? 'PASS' : 'FAIL'}`);
  }
  for (const [name, run] of [
    ['Kafka broker restart', kafkaRestart],
    ['Postgres restart', postgresRestart],
  ] as const) {
    if (!wanted(name)) continue;
    say(`running: ${name}`);
    results.push(await run(infra, { onLog }));
    say(`${name}: ${results.at(-1)!.ok ? 'PASS' : 'FAIL'}`);
  }
} finally {
  await Promise.all(own.map((o) => o.stop()));
}
process.stdout.write(`\n${summaryTable(results)}\n\n${logLines} service log lines scanned for tokens: ${leaks.length ? `LEAKS\n${leaks.join('\n')}` : 'none found'}\n`);
process.stdout.write(`suites (fuzz, isolation, origin): ${suitesOk ? 'PASS' : 'FAIL'}\ntotal ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
process.exit(results.every((r) => r.ok) && leaks.length === 0 && suitesOk ? 0 : 1);
