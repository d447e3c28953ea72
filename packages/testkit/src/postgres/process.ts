import { execFile, spawn, type SpawnOptions } from 'node:child_process';
import { platform } from 'node:os';
import type { RunAs } from './os-user.js';
import type { OutputTail } from './output.js';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A child process whose output goes to a tail and whose exit is a promise. */
export interface Supervised {
  /** Undefined only when the spawn itself failed (then `exited` is already settled). */
  readonly pid: number | undefined;
  readonly exited: Promise<ExitInfo>;
  /** The exit, once it happened (synchronous, for the process exit hook). */
  exitInfo(): ExitInfo | undefined;
  /** Sends a signal unless the child has exited; never throws. */
  signal(sig: NodeJS.Signals): void;
  /** Stops the child and its pipes from keeping our event loop alive. */
  unref(): void;
}

export interface SpawnSupervisedOptions {
  runAs: RunAs | undefined;
  cwd: string;
  tail: OutputTail;
  /**
   * Signal the child gets from the kernel when this process dies, even by
   * SIGKILL (Linux PR_SET_PDEATHSIG via setpriv(1), when available).
   */
  deathSignal: NodeJS.Signals;
  /** The child's whole environment. */
  env: Readonly<Record<string, string>>;
}

/**
 * Spawns `bin` as `runAs` (or as us). On Linux with util-linux setpriv the
 * child is started through it, which switches user and sets the parent-death
 * signal after switching (a credential change would clear it), then execs
 * `bin` in place (same pid). Without setpriv, Node switches uid/gid itself and
 * there is no parent-death signal: only the 'exit' hook stops the child.
 */
export async function spawnSupervised(bin: string, args: string[], opts: SpawnSupervisedOptions): Promise<Supervised> {
  const setpriv = await findSetpriv();
  const spawnOpts: SpawnOptions = {
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...opts.env },
  };
  let command = bin;
  let argv = args;
  if (setpriv) {
    const identity = opts.runAs ? [`--reuid=${opts.runAs.uid}`, `--regid=${opts.runAs.gid}`, '--clear-groups'] : [];
    command = setpriv;
    argv = [...identity, `--pdeathsig=${opts.deathSignal}`, '--', bin, ...args];
  } else if (opts.runAs) {
    spawnOpts.uid = opts.runAs.uid;
    spawnOpts.gid = opts.runAs.gid;
  }

  const child = spawn(command, argv, spawnOpts);
  let info: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      info = { code, signal };
      resolve(info);
    });
    child.once('error', (err) => {
      // Spawn failures (ENOENT, EACCES) emit 'error' and may never emit 'exit'.
      opts.tail.push(`spawn ${command}: ${err.message}\n`);
      info ??= { code: null, signal: null };
      resolve(info);
    });
  });
  child.stdout?.on('data', (chunk: Buffer) => opts.tail.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => opts.tail.push(chunk));
  child.once('close', () => opts.tail.end());

  return {
    pid: child.pid,
    exited,
    exitInfo: () => info,
    signal(sig) {
      if (info !== undefined || child.pid === undefined) return;
      try {
        process.kill(child.pid, sig);
      } catch {
        // Exited between the check and the kill (ESRCH): nothing to stop.
      }
    },
    unref() {
      child.unref();
      for (const stream of [child.stdout, child.stderr]) {
        (stream as { unref?: () => void } | null)?.unref?.();
      }
    },
  };
}

let setprivProbe: Promise<string | undefined> | undefined;

/** `setpriv` when it exists and supports --pdeathsig (util-linux ≥ 2.33), else undefined. */
function findSetpriv(): Promise<string | undefined> {
  if (platform() !== 'linux') return Promise.resolve(undefined);
  setprivProbe ??= new Promise((resolve) => {
    execFile('setpriv', ['--help'], (err, stdout) => {
      resolve(!err && stdout.includes('--pdeathsig') ? 'setpriv' : undefined);
    });
  });
  return setprivProbe;
}

/** Resolves with the exit, or undefined when `ms` passes first. The timer keeps the loop alive meanwhile. */
export async function waitForExit(proc: Supervised, ms: number): Promise<ExitInfo | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([proc.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
