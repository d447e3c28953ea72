#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { loadStackConfig } from '../stack/config.js';
import { findTestFiles } from '../stack/files.js';
import { startInfra } from '../stack/infra.js';

/**
 * `npm test`: one Kafka and one Postgres for the whole run (from the
 * environment, testcontainers or the local launchers), then node's test
 * runner over every compiled test file. Each integration/e2e file makes its
 * own namespace (database + topic prefix) on that shared infrastructure.
 */
const config = loadStackConfig();
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const log = (msg: string) => process.stdout.write(`[tidings-test] ${msg}\n`);
const t0 = Date.now();

const files = await findTestFiles(root, config.TIDINGS_TEST_FILTER);
if (files.length === 0) {
  log('no test files found: did the build run?');
  process.exit(1);
}
const infra = await startInfra(config, log);
const infraMs = Date.now() - t0;

const child = spawn(
  process.execPath,
  ['--enable-source-maps', '--test', `--test-concurrency=${config.TIDINGS_TEST_CONCURRENCY}`, '--test-timeout=240000', ...files],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      KAFKA_BROKERS: infra.brokers,
      DATABASE_URL: infra.databaseUrl,
      TIDINGS_TEST_AUTH_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
    },
  },
);
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupted = true;
    child.kill(sig);
  });
}
const [code] = (await once(child, 'exit')) as [number | null];
await infra.stop();
log(
  `${files.length} test files; infrastructure ready in ${(infraMs / 1000).toFixed(1)} s; total ${((Date.now() - t0) / 1000).toFixed(1)} s; ${code === 0 ? 'PASSED' : 'FAILED'}`,
);
process.exit(interrupted ? 130 : (code ?? 1));
