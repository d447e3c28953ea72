#!/usr/bin/env node
import { loadOrCreateDevAuth } from '@tidings/auth';
import { loadStackConfig } from '../stack/config.js';
import { prepare, startInfra } from '../stack/infra.js';
import { startStack, type Stack } from '../stack/stack.js';

/**
 * `npm start`: the whole platform on one machine — Kafka and Postgres (from
 * the environment or started here), migrations and topics, then ingest,
 * persister, ops and two gateway nodes as separate processes on the contract's
 * ports. Ctrl-C / SIGTERM stops everything it started.
 */
const config = loadStackConfig();
const say = (msg: string) => process.stdout.write(`[tidings] ${msg}\n`);
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const threshold = LEVELS[config.LOG_LEVEL] ?? 30;

const t0 = Date.now();
const auth = await loadOrCreateDevAuth(config.TIDINGS_HOME);
const infra = await startInfra(config, say);
let stack: Stack | undefined;
let stopping = false;

async function shutdown(signal: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping services…`);
  await stack?.stop();
  say('stopping infrastructure…');
  await infra.stop();
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  await prepare(infra.brokers, infra.databaseUrl);
  say('topics ready, database migrated');
  stack = await startStack({
    env: { KAFKA_BROKERS: infra.brokers, DATABASE_URL: infra.databaseUrl },
    authEnv: { AUTH_HS256_SECRET: auth.secret, AUTH_ISSUER: auth.issuer, AUTH_AUDIENCE: auth.audience },
    gateways: 2,
    withOps: true,
    withWeb: true,
    logLevel: config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? config.LOG_LEVEL : 'info',
    ports: { ingest: config.INGEST_PORT, gateway: config.GATEWAY_PORT, ops: config.OPS_PORT, persister: config.PERSISTER_PORT, web: config.WEB_PORT },
    log: (label, line) => {
      let level = 30;
      try {
        level = (JSON.parse(line) as { level?: number }).level ?? 30;
      } catch {
        // plain text from a crashing process: always show it
        level = 50;
      }
      if (level >= threshold) process.stdout.write(`${label.padEnd(10)} ${line}\n`);
    },
  });
} catch (error) {
  say(`failed to start: ${(error as Error).message}`);
  await shutdown('startup failure', 1);
}

for (const s of [stack!.ingest, stack!.persister, ...stack!.gateways, ...(stack!.ops ? [stack!.ops] : []), ...(stack!.web ? [stack!.web] : [])]) {
  void s.exited.then((code) => {
    if (!stopping) say(`${s.label} exited unexpectedly (code ${code}); the rest keeps running`);
  });
}

say(`up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
say(`ingest     ${stack!.ingest.url}   POST /v1/notifications   (OpenAPI: ${stack!.ingest.url}/openapi.json)`);
for (const g of stack!.gateways) say(`${g.label.padEnd(10)} ${g.url}   WebSocket ${g.url.replace('http', 'ws')}/v1/stream`);
if (stack!.ops) say(`ops        ${stack!.ops.url}`);
say(`persister  ${stack!.persister.url}   (health and metrics)`);
if (stack!.web) say(`web        ${stack!.web.url}/?user=alice   the live inbox page (development tokens)`);
say('tokens:    npm run token -- --sub alice                                  (a user)');
say('           npm run token -- --sub billing --scope notifications:write    (a producing service)');
say('Ctrl-C stops everything.');
