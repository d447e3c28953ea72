import { spawn } from 'node:child_process';
import { KAFKA_LAUNCHER_ERROR_CODES, KafkaLauncherError } from './errors.js';

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
}

/**
 * Runs a short-lived tool (mvn, the storage formatter) to completion and
 * collects its output. Never throws for a non-zero exit (callers decide what
 * failure means), only when the executable cannot be started at all.
 */
export function execTool(
  file: string,
  args: readonly string[],
  opts: { cwd?: string; timeoutMs: number; onSpawn?: (pid: number) => void },
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs,
      killSignal: 'SIGKILL',
    });
    child.once('spawn', () => {
      if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(
          new KafkaLauncherError(
            KAFKA_LAUNCHER_ERROR_CODES.TOOL_MISSING,
            `error running ${file}: not found (the Kafka launcher needs a JDK 17+ and Maven on PATH; set JAVA_HOME to pick a JDK)`,
            { cause: err },
          ),
        );
      } else {
        reject(new Error(`error running ${file}: ${err.message}`, { cause: err }));
      }
    });
    child.once('close', (code, signal) => {
      resolve({ code, signal, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

/** The last `n` non-empty lines of `text`. */
export function lastLines(text: string, n: number): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-n).join('\n');
}
