import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from '../testing/config.js';
import { runScenario } from './runner.js';
import { gatewayKill } from './scenarios.js';
import { summaryTable } from './table.js';

/**
 * The fast subset of the fault runner (`npm run chaos` runs every scenario):
 * a gateway SIGKILL under load; every accepted event reaches every client of
 * its user exactly once, in log order (G1–G3).
 */
const env = testEnv();

test('gateway SIGKILL under load: nothing accepted is lost, duplicated or reordered', { timeout: 180000 }, async () => {
  const result = await runScenario({ ...gatewayKill, ratePerSec: 100, users: 3 }, { brokers: env.brokers, adminDatabaseUrl: env.databaseUrl, secret: env.authSecret });
  const table = summaryTable([result]);
  assert.equal(result.error, undefined, table);
  assert.ok(result.accepted > 100, `too little load to mean anything:\n${table}`);
  for (const c of result.clients) assert.ok(c.received >= c.accepted, table);
  assert.ok(result.ok, table);
});
