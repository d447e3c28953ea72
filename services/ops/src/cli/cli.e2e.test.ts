import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RebuildStatus } from '@tidings/protocol';
import {
  createNamespace,
  requestJson,
  startStack,
  TEST_AUDIENCE,
  TEST_ISSUER,
  testAuthEnv,
  testEnv,
  tokenFor,
  waitForPersisted,
  type Namespace,
  type Stack,
} from '@tidings/testkit';

/**
 * The compiled CLI (`npm run ops -- …`) as a real process against a
 * running ops service: --json output for scripts, tables for humans,
 * non-zero exit codes carrying the error code.
 */
const env = testEnv();
const CLI = fileURLToPath(new URL('../bin/cli.js', import.meta.url));
let ns: Namespace;
let stack: Stack;
let opsToken: string;
let home: string;

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  stack = await startStack({ env: ns.env, authEnv: testAuthEnv(env.authSecret), gateways: 0, withOps: true });
  opsToken = await tokenFor(env.authSecret, 'ops-carol', ['ops:read', 'ops:write']);
  // A development key file that matches the stack's test key, for --dev-token and `token`.
  home = await mkdtemp(join(tmpdir(), 'tidings-cli-'));
  await writeFile(join(home, 'dev-auth.json'), JSON.stringify({ secret: env.authSecret, issuer: TEST_ISSUER, audience: TEST_AUDIENCE }), { mode: 0o600 });
});
after(async () => {
  await stack?.stop();
  await ns?.drop();
  if (home) await rm(home, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with only the environment it needs (no inherited TIDINGS_OPS_TOKEN). */
function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env['PATH'] ?? '', TIDINGS_HOME: home, TIDINGS_OPS_URL: stack.ops!.url, ...extraEnv }, timeout: 120000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const json = <T>(r: Run): T => {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

test('history, lag and audit with --json print the API answers; without it, tables', async () => {
  const res = await requestJson<{ ids: string[] }>('POST', `${stack.ingest.url}/v1/notifications/batch`, {
    token: await tokenFor(env.authSecret, 'shop', ['notifications:write']),
    body: { notifications: [1, 2, 3].map((i) => ({ userId: 'cli-user', data: { category: 'cli', title: `n${i}` } })) },
  });
  await waitForPersisted(ns.databaseUrl, res.body.ids);

  const history = json<{ events: { event: { id: string } }[] }>(await cli(['--token', opsToken, '--json', 'history', 'cli-user']));
  assert.deepEqual(history.events.map((e) => e.event.id), res.body.ids);
  const paged = json<{ events: unknown[]; next: string }>(await cli(['history', 'cli-user', '--limit', '2', '--json', '--token', opsToken]));
  assert.equal(paged.events.length, 2);
  const rest = json<{ events: { event: { id: string } }[] }>(await cli(['history', 'cli-user', '--from', paged.next, '--json', '--token', opsToken]));
  assert.deepEqual(rest.events.map((e) => e.event.id), res.body.ids.slice(2));

  const lag = json<{ partitions: { partition: number }[] }>(await cli(['lag', '--json'], { TIDINGS_OPS_TOKEN: opsToken }));
  assert.equal(lag.partitions.length, 12);
  const table = await cli(['lag'], { TIDINGS_OPS_TOKEN: opsToken });
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout.split('\n')[0]!, /^partition\s+log end\s+committed\s+watermark\s+persister lag/);
  assert.equal(table.stdout.trim().split('\n').length, 2 + 12);

  const audit = json<{ entries: { actor: string; action: string }[] }>(await cli(['audit', '--json', '--limit', '3', '--token', opsToken]));
  assert.deepEqual(audit.entries.map((e) => `${e.actor}:${e.action}`), ['ops-carol:lag', 'ops-carol:lag', 'ops-carol:history']);
});

test('rebuild follows the job to the end: a progress line per poll on stderr, the outcome on stdout', async () => {
  const human = await cli(['rebuild', '--source', 'mirror', '--dev-token']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^rebuild [0-9a-f]{12} \(mirror\): done\n[\d,]+ events/);
  assert.match(human.stderr, /rebuild [0-9a-f]{12} \[#+\] 100% .* done\/finished/);
  const scripted = json<RebuildStatus>(await cli(['--json', '--token', opsToken, 'rebuild', '--source', 'kafka']));
  assert.equal(scripted.state, 'done');
  assert.equal(scripted.source, 'kafka');
  const again = json<RebuildStatus>(await cli(['rebuild-status', scripted.id, '--json', '--token', opsToken]));
  assert.equal(again.id, scripted.id);
  // The dev token minted from the key file carries its own subject into the audit log.
  const audit = json<{ entries: { actor: string }[] }>(await cli(['audit', '--action', 'rebuild', '--json', '--token', opsToken]));
  assert.deepEqual(audit.entries.map((e) => e.actor), ['ops-carol', 'ops-cli-dev']);
});

test('dlq list and retry-all over the API', async () => {
  const list = json<{ letters: unknown[]; pending: number }>(await cli(['dlq', 'list', '--json', '--token', opsToken]));
  assert.deepEqual(list, { letters: [], pending: 0 });
  const all = json<{ retried: number; skippedCount: number }>(await cli(['dlq', 'retry-all', '--json', '--token', opsToken]));
  assert.deepEqual([all.retried, all.skippedCount], [0, 0]);
  const missing = await cli(['dlq', 'retry', '42', '--json', '--token', opsToken]);
  assert.equal(missing.code, 1);
  assert.equal((JSON.parse(missing.stderr) as { code: string }).code, 'TIDINGS_ERR_NOT_FOUND');
});

test('failures exit non-zero with the error code: API errors 1, usage errors 2', async () => {
  const noToken = await cli(['lag']);
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /^error TIDINGS_ERR_AUTH_MISSING: /);

  const readOnly = (await cli(['token', '--sub', 'ops-reader', '--scope', 'ops:read'])).stdout.trim();
  assert.equal((await cli(['lag', '--json', '--token', readOnly])).code, 0);
  const forbidden = await cli(['redeliver', 'cli-user', '--from-time', '2025-01-01T00:00:00Z', '--json', '--token', readOnly]);
  assert.equal(forbidden.code, 1);
  assert.equal((JSON.parse(forbidden.stderr) as { code: string }).code, 'TIDINGS_ERR_FORBIDDEN');

  const badCursor = await cli(['redeliver', 'cli-user', '--from-cursor', 'nope', '--token', opsToken]);
  assert.equal(badCursor.code, 1);
  assert.match(badCursor.stderr, /^error TIDINGS_ERR_VALIDATION: .*\n {2}\/fromCursor is not a cursor/);
  const unknownJob = await cli(['rebuild-status', 'ffffffffffff', '--token', opsToken]);
  assert.deepEqual([unknownJob.code, /TIDINGS_ERR_NOT_FOUND/.test(unknownJob.stderr)], [1, true]);
  const unreachable = await cli(['lag', '--url', 'http://127.0.0.1:9', '--token', opsToken]);
  assert.deepEqual([unreachable.code, /TIDINGS_ERR_UNREACHABLE/.test(unreachable.stderr)], [1, true]);

  assert.equal((await cli(['rebuild', '--source', 'tape', '--token', opsToken])).code, 2);
  assert.equal((await cli(['redeliver', 'cli-user', '--token', opsToken])).code, 2, 'neither --from-cursor nor --from-time');
  assert.equal((await cli(['frobnicate'])).code, 2);
  assert.equal((await cli(['--help'])).code, 0);
});
