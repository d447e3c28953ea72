import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A server process this bench started (peer node or broker). */
export interface ServerProc {
  proc: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  /** The last lines it printed (for a post-mortem). */
  lines: string[];
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Spawns `cmd args` and resolves once a stdout line (JSON) has `msg` equal
 * to `readyMsg`, taking its `url`; or once `ready()` resolves for programs
 * that print no such line. Rejects with the last output if it exits first.
 */
export async function spawnServer(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  ready: { msg: string } | { probe: () => Promise<string> },
  label: string,
): Promise<ServerProc> {
  const proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  let url = '';
  let onReady: () => void = () => undefined;
  const readyP = new Promise<void>((r) => (onReady = r));
  for (const s of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: s }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 50) lines.shift();
      if ('msg' in ready && line.startsWith('{') && line.includes(`"msg":"${ready.msg}"`)) {
        url = (JSON.parse(line) as { url: string }).url;
        onReady();
      }
    });
  }
  if ('probe' in ready) void ready.probe().then((u) => ((url = u), onReady()));
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    readyP.then(() => 'ready'),
    exited.then((c) => `exited with ${c}`),
    new Promise<string>((r) => (timer = setTimeout(() => r('not ready in 30 s'), 30000))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    proc.kill('SIGKILL');
    throw new Error(`${label} ${outcome}:\n${lines.join('\n')}`);
  }
  const signal = async (sig: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    await exited;
  };
  return { proc, url, exited, lines, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const now = () => performance.timeOrigin + performance.now();
