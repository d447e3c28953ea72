import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type ServiceName = 'ingest' | 'persister' | 'gateway' | 'ops' | 'web';

const ENTRY: Record<ServiceName, string> = {
  ingest: '../../../../services/ingest/dist/main.js',
  persister: '../../../../services/persister/dist/main.js',
  gateway: '../../../../services/gateway/dist/main.js',
  ops: '../../../../services/ops/dist/main.js',
  web: '../../../../services/web/dist/main.js',
};
/** The log line each service prints once it serves. */
const READY_MSG: Record<ServiceName, string> = {
  ingest: 'ingest listening',
  persister: 'persister running',
  gateway: 'gateway listening',
  ops: 'ops listening',
  web: 'web listening',
};

export interface RunningService {
  name: ServiceName;
  label: string;
  proc: ChildProcess;
  /** Where it serves HTTP (health, metrics, its API). */
  url: string;
  /** Recent log lines, for failure messages. */
  logs: string[];
  /** SIGTERM and wait for exit (graceful). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit (crash). */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  label?: string;
  readyTimeoutMs?: number;
  /** Receives each log line (already JSON from pino). */
  onLog?: (label: string, line: string) => void;
}

/**
 * Starts a service's compiled entry point as its own process and resolves
 * when it logs that it is serving. Rejects, with its last log lines, if it
 * exits or stays silent past the timeout.
 */
export async function spawnService(name: ServiceName, env: Record<string, string>, opts: SpawnOptions = {}): Promise<RunningService> {
  const label = opts.label ?? name;
  const entry = fileURLToPath(new URL(ENTRY[name], import.meta.url));
  const proc = spawn(process.execPath, ['--enable-source-maps', entry], {
    // Children inherit this process's environment (PATH, HOME…) plus their own settings.
    // eslint-disable-next-line no-restricted-properties
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  let url = '';
  let ready: () => void = () => undefined;
  const readyP = new Promise<void>((resolve) => (ready = resolve));
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      logs.push(line);
      if (logs.length > 200) logs.shift();
      opts.onLog?.(label, line);
      if (line.includes(`"msg":"${READY_MSG[name]}"`)) {
        url = (JSON.parse(line) as { url?: string }).url ?? '';
        ready();
      }
    });
  }
  const timeoutMs = opts.readyTimeoutMs ?? 60000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    readyP.then(() => 'ready' as const),
    exited.then((code) => `exited with code ${code}` as const),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`not ready within ${timeoutMs} ms`), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    proc.kill('SIGKILL');
    throw new Error(`${label} ${outcome}:\n${logs.slice(-30).join('\n')}`);
  }
  const signal = async (sig: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    return exited;
  };
  return {
    name,
    label,
    proc,
    url,
    logs,
    exited,
    stop: () => signal('SIGTERM'),
    kill: async () => void (await signal('SIGKILL')),
  };
}
