import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { reapStaleRuns } from './stale.js';

// What happens to the server when the process that started it ends without
// calling stop(). Each case runs the launcher in a child node process.

const launcher = new URL('./launcher.js', import.meta.url).href;
const START = `
  import { readFileSync } from 'node:fs';
  import { join } from 'node:path';
  import { startPostgres } from ${JSON.stringify(launcher)};
  const pg = await startPostgres();
  const pid = Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\\n')[0]);
  console.log(JSON.stringify({ dataDir: pg.dataDir, pid }));
`;

interface Child {
  started: Promise<{ dataDir: string; pid: number }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

function runChild(script: string): Child {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const started = new Promise<{ dataDir: string; pid: number }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(JSON.parse(line) as { dataDir: string; pid: number });
    });
    child.once('exit', () => reject(new Error(`child exited before starting postgres; stdout: ${out}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { started, exited, kill: (signal) => child.kill(signal) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 50) {
    if (!alive(pid)) return true;
    await delay(50);
  }
  return !alive(pid);
}

test('process.exit() without stop(): the exit hook stops the server and deletes its folder', async () => {
  const child = runChild(`${START}\nprocess.exit(0);`);
  const { dataDir, pid } = await child.started;
  assert.equal((await child.exited).code, 0);
  assert.ok(await waitGone(pid, 5_000), `postmaster ${pid} still running`);
  assert.equal(existsSync(dirname(dataDir)), false);
});

test('a forgotten stop() does not keep the process alive; it exits and cleans up', async () => {
  const child = runChild(START);
  const { dataDir, pid } = await child.started;
  const timeout = new AbortController();
  const hung = delay(20_000, 'hung' as const, { signal: timeout.signal }).catch(() => 'aborted' as const);
  const exit = await Promise.race([child.exited, hung]);
  timeout.abort();
  if (exit === 'hung') child.kill('SIGKILL');
  assert.notEqual(exit, 'hung', 'the child did not exit on its own');
  assert.ok(await waitGone(pid, 5_000), `postmaster ${pid} still running`);
  assert.equal(existsSync(dirname(dataDir)), false);
});

const hasPdeathsig = ((): boolean => {
  try {
    return process.platform === 'linux' && execFileSync('setpriv', ['--help'], { encoding: 'utf8' }).includes('--pdeathsig');
  } catch {
    return false;
  }
})();

test('SIGKILL of the parent: the server is stopped (kernel, else the next run) and the folder removed', async () => {
  const child = runChild(`${START}\nsetInterval(() => {}, 1 << 30);`);
  const { dataDir, pid } = await child.started;
  child.kill('SIGKILL');
  await child.exited;
  if (hasPdeathsig) {
    // Linux with setpriv: the kernel sends the parent-death signal right away.
    assert.ok(await waitGone(pid, 5_000), `postmaster ${pid} outlived its parent`);
  }
  // Elsewhere the next launcher run stops the orphan. Another test process may
  // reap it first; either way it must end up stopped and gone.
  await reapStaleRuns(tmpdir(), () => {});
  assert.ok(await waitGone(pid, 5_000), `postmaster ${pid} still running after reaping`);
  assert.equal(existsSync(dirname(dataDir)), false);
});
