import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { testEnv } from '../testing/config.js';
import { descendants, survivors } from '../testing/processes.js';
import type { ClusterResult } from './run.js';
import { STEPS } from './schedule.js';

/**
 * `npm run cluster` itself, short and small: every node event of the
 * schedule happens, the checks pass, the command exits 0, writes its JSON,
 * and leaves no process behind. The full-size run is in docs/cluster.md.
 */
const env = testEnv();
const bin = fileURLToPath(new URL('../bin/cluster.js', import.meta.url));
const resultsDir = await mkdtemp(join(tmpdir(), 'tidings-cluster-'));
after(() => rm(resultsDir, { recursive: true, force: true }));

test('a short cluster run passes its checks, reports every phase and stops every node it started', { timeout: 150000 }, async () => {
  const proc = spawn(process.execPath, ['--enable-source-maps', bin, '--duration', '20', '--rate', '100', '--users', '10', '--clients-per-user', '2'], {
    env: { ...process.env, KAFKA_BROKERS: env.brokers, DATABASE_URL: env.databaseUrl, CLUSTER_RESULTS_DIR: resultsDir, CLUSTER_DRAIN_TIMEOUT_S: '40' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  // Every node the run has started is seen at the node event that follows it: collect them all.
  const family = new Set<number>();
  const scans: Promise<void>[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) => {
    lines.push(line);
    if (line.startsWith('[cluster]')) scans.push(descendants(proc.pid!).then((pids) => pids.forEach((p) => family.add(p))));
  });
  createInterface({ input: proc.stderr }).on('line', (line) => lines.push(line));
  const [code] = (await once(proc, 'exit')) as [number | null];
  await Promise.all(scans);
  const output = lines.join('\n');
  assert.equal(code, 0, output);

  const [file] = (await readdir(resultsDir)).filter((f) => /^cluster-.*\.json$/.test(f));
  assert.ok(file, `no results file in ${resultsDir}:\n${output}`);
  const result = JSON.parse(await readFile(join(resultsDir, file), 'utf8')) as ClusterResult;
  assert.deepEqual(
    result.phases.map((p) => p.name),
    ['steady', ...STEPS.map((s) => s.phase), 'drain'],
  );
  for (const p of result.phases.slice(0, -1)) assert.ok(p.delivered > 0, `no deliveries during ${p.name}:\n${output}`);
  assert.deepEqual([result.total.lost, result.total.duplicated, result.total.reordered, result.total.unpersisted], [0, 0, 0, 0], output);
  assert.ok(result.watermarks.samples > 0, output);
  assert.deepEqual([result.watermarks.regressions, result.watermarks.overshoots], [[], []], output);
  assert.equal(result.reachedLogEnd, true, output);
  const happened = result.nodeEvents.filter((e) => e.ok).map((e) => e.what);
  for (const what of ['persister-3 joins', 'persister-1 SIGTERM', 'persister-2 SIGKILL', 'persister-2 restarted', 'gateway-1 SIGKILL', 'gateway-4 started', 'ingest-1 SIGTERM', 'ingest-1 started again']) {
    assert.ok(happened.some((w) => w.startsWith(what)), `no "${what}" in the node events:\n${output}`);
  }
  assert.match(output, /phase\s+from\s+accepted/);

  // 7 initial nodes, persister-3, 2 restarts and gateway-4: 11 service processes at least.
  assert.ok(family.size >= 11, `expected at least 11 service processes, saw ${family.size}`);
  const names = await survivors(family);
  assert.deepEqual(names, [], `processes left behind: ${names.join('; ')}`);
});
