import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, platform } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Every launcher run lives in `<tmpdir>/tidings-pg-XXXXXX/` (mkdtemp). */
export const RUN_DIR_PREFIX = 'tidings-pg-';
const OWNER_FILE = 'owner.json';

interface RunOwner {
  pid: number;
  host: string;
  since: string;
}

/** Records which process owns a run folder, so a later run can tell a leftover from a live one. */
export async function writeOwner(runDir: string): Promise<void> {
  const owner: RunOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  await writeFile(join(runDir, OWNER_FILE), JSON.stringify(owner));
}

/**
 * Removes run folders under `root` whose owner process is gone (it was
 * SIGKILLed, so no exit hook ran), first stopping a server still running in
 * one. Folders of live owners, of other hosts sharing the folder, or without
 * an owner file (being created right now) are left alone. Best effort: a
 * failure is logged, never thrown. Returns how many folders were removed.
 */
export async function reapStaleRuns(root: string, log: (msg: string) => void): Promise<number> {
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => n.startsWith(RUN_DIR_PREFIX));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const runDir = join(root, name);
    try {
      const owner = await readOwner(runDir);
      if (!owner || owner.host !== hostname() || isAlive(owner.pid)) continue;
      await stopOrphanServer(join(runDir, 'data'));
      await rm(runDir, { recursive: true, force: true });
      removed++;
      log(`postgres: removed stale ${runDir} (owner pid ${owner.pid} is gone)`);
    } catch (err) {
      log(`postgres: could not remove stale ${runDir}: ${(err as Error).message}`);
    }
  }
  return removed;
}

async function readOwner(runDir: string): Promise<RunOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(runDir, OWNER_FILE), 'utf8')) as Partial<RunOwner>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' ? (parsed as RunOwner) : undefined;
  } catch {
    return undefined;
  }
}

/** Stops a server left running in `dataDir` (no parent-death signal on this platform, or it was ignored). */
async function stopOrphanServer(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !(await runsIn(pid, dataDir))) return;
  process.kill(pid, 'SIGQUIT');
  for (let waited = 0; existsSync(pidFile) && waited < 5_000; waited += 50) await delay(50);
  if (isAlive(pid) && (await runsIn(pid, dataDir))) process.kill(pid, 'SIGKILL');
}

/** Guards against pid reuse: on Linux the process' command line must name the data dir. */
async function runsIn(pid: number, dataDir: string): Promise<boolean> {
  if (platform() !== 'linux') return true;
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').includes(dataDir);
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
