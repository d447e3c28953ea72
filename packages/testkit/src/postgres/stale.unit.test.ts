import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { reapStaleRuns, RUN_DIR_PREFIX, writeOwner } from './stale.js';

const root = await mkdtemp(join(tmpdir(), 'stale-test-'));
after(() => rm(root, { recursive: true, force: true }));

/** A pid that existed a moment ago and is gone now. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return pid;
}

test('removes folders whose owner is gone; keeps live, foreign-host and ownerless ones', async () => {
  const dead = join(root, `${RUN_DIR_PREFIX}dead`);
  await mkdir(join(dead, 'data'), { recursive: true });
  await writeFile(join(dead, 'owner.json'), JSON.stringify({ pid: deadPid(), host: hostname(), since: '' }));

  const live = join(root, `${RUN_DIR_PREFIX}live`);
  await mkdir(live);
  await writeOwner(live);

  const foreign = join(root, `${RUN_DIR_PREFIX}foreign`);
  await mkdir(foreign);
  await writeFile(join(foreign, 'owner.json'), JSON.stringify({ pid: deadPid(), host: `not-${hostname()}`, since: '' }));

  const creating = join(root, `${RUN_DIR_PREFIX}creating`);
  await mkdir(creating);

  const other = join(root, 'unrelated');
  await mkdir(other);

  const logs: string[] = [];
  assert.equal(await reapStaleRuns(root, (m) => logs.push(m)), 1);
  assert.equal(existsSync(dead), false);
  assert.ok(existsSync(live) && existsSync(foreign) && existsSync(creating) && existsSync(other));
  assert.match(logs.join('\n'), /removed stale .*dead \(owner pid \d+ is gone\)/);
});
