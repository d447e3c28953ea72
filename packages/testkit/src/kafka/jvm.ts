import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { KAFKA_LAUNCHER_ERROR_CODES, KafkaLauncherError } from './errors.js';
import { lastLines } from './exec.js';

/** Everything needed to run one broker JVM. */
export interface BrokerJvmSpec {
  javaBin: string;
  heapMb: number;
  /** Directory of jars; passed as the `<libDir>/*` classpath wildcard. */
  libDir: string;
  /** log4j2 configuration file (infra/kafka/log4j2.properties). */
  log4jConfig: string;
  /** Where log4j writes the broker log. */
  logFile: string;
  /** Where the JVM's own stdout/stderr go (JVM warnings, crashes before log4j). */
  stdoutFile: string;
  propertiesFile: string;
  /** The broker's temp data dir (cwd of the JVM; `jvm.pid` is written here for the watchdog). */
  dataDir: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BrokerJvm {
  readonly pid: number;
  /** Settles when the JVM has exited, however that happened. */
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the JVM is gone. */
  stop(timeoutMs: number): Promise<{ forced: boolean; exit: ExitInfo }>;
}

/**
 * JVM flags shared by the broker: a fixed small heap (several brokers and the
 * services share one small machine), G1 with a short pause goal because broker
 * pauses show up directly as end-to-end latency, and die-on-OOM so a broken
 * broker fails fast instead of limping.
 */
export function brokerJvmArgs(spec: Omit<BrokerJvmSpec, 'javaBin' | 'stdoutFile' | 'dataDir'>): string[] {
  return [
    `-Xms${spec.heapMb}m`,
    `-Xmx${spec.heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${spec.log4jConfig}`,
    `-Dtidings.kafka.logFile=${spec.logFile}`,
    '-cp',
    `${spec.libDir}/*`,
    'kafka.Kafka',
    spec.propertiesFile,
  ];
}

/**
 * Starts the broker JVM in its own process group (so a Ctrl-C aimed at the
 * parent does not race our orderly stop) with output going to files, not
 * pipes (a broker we stopped reading from must never block on a full pipe).
 * The child is unref'd: a test that forgets stop() still lets Node exit, and
 * the exit guard below then kills the broker.
 */
export async function spawnBrokerJvm(spec: BrokerJvmSpec): Promise<BrokerJvm> {
  const outFd = openSync(spec.stdoutFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.javaBin, brokerJvmArgs(spec), {
      cwd: spec.dataDir,
      stdio: ['ignore', outFd, outFd],
      detached: true,
    });
    await once(child, 'spawn');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new KafkaLauncherError(
      missing ? KAFKA_LAUNCHER_ERROR_CODES.TOOL_MISSING : KAFKA_LAUNCHER_ERROR_CODES.START_FAILED,
      `error spawning Kafka broker with ${spec.javaBin}: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    closeSync(outFd); // the child holds its own copy
  }
  const pid = child.pid as number;
  child.unref();
  const pidFile = jvmPidFile(spec.dataDir);
  writeFileSync(pidFile, String(pid));

  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      guard.remove(pid);
      // A stale pid file could make the watchdog kill a recycled pid.
      rmSync(pidFile, { force: true });
      resolve(exitInfo);
    });
  });
  guard.add(pid);

  return {
    pid,
    exited,
    hasExited: () => exitInfo !== undefined,
    async stop(timeoutMs) {
      let forced = false;
      if (!exitInfo) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          forced = true;
          child.kill('SIGKILL');
        }, timeoutMs);
        try {
          await exited;
        } finally {
          clearTimeout(timer);
        }
      }
      return { forced, exit: await exited };
    },
  };
}

/**
 * Guarantees that the broker dies with this Node process:
 * - normal exit, process.exit(), an uncaught exception: the 'exit' handler
 *   SIGKILLs every live broker synchronously;
 * - SIGTERM/SIGINT without handlers, SIGKILL, OOM kill, where no JS runs: the
 *   data dir's watchdog (below) notices, kills the broker and removes the dir.
 */
const guard = (() => {
  const live = new Set<number>();
  let installed = false;
  const killAll = (): void => {
    for (const pid of live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  return {
    add(pid: number): void {
      live.add(pid);
      if (!installed) {
        installed = true;
        process.on('exit', killAll);
      }
    },
    remove(pid: number): void {
      live.delete(pid);
    },
  };
})();

/**
 * `<dataDir>/jvm.pid` names the JVM currently working on the data dir (the
 * storage formatter, then the broker) so the watchdog knows what to kill.
 * Whoever starts such a JVM writes it and removes it when the JVM exits.
 */
export function jvmPidFile(dataDir: string): string {
  return join(dataDir, 'jvm.pid');
}

/** Handle on a data dir's watchdog; dispose() once the dir is gone or handed over. */
export interface Watchdog {
  dispose(): void;
}

// The watchdog is a tiny `sh` blocked reading a pipe whose only write end is
// held by this Node process. When this process dies, by any means, the kernel
// closes that end, `read` returns, and the watchdog SIGKILLs the JVM named in
// <dataDir>/jvm.pid (if one is running), waits (bounded) for it to vanish —
// a live JVM would recreate the dir by logging into it — and removes the dir. One watchdog covers a data dir for its
// whole life, across restart() and including the format step. It runs in its
// own session (detached) so terminal signals aimed at us do not take it down.
const WATCHDOG_SCRIPT = [
  // Alive and not a zombie: once we are gone the JVM is reparented, and an
  // init that reaps slowly would otherwise keep `kill -0` succeeding.
  'alive() { if [ -r "/proc/$1/stat" ]; then s=$(sed "s/.*) //" "/proc/$1/stat" 2>/dev/null | cut -c1);' +
    ' [ -n "$s" ] && [ "$s" != Z ]; else kill -0 "$1" 2>/dev/null; fi; }',
  'read -r _',
  'pid=$(cat "$1/jvm.pid" 2>/dev/null)',
  'if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null; i=0;' +
    ' while alive "$pid" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i+1)); done; fi',
  'rm -rf -- "$1"',
].join('\n');

/**
 * Starts the watchdog for `dataDir` (see above). Never throws: without `sh`
 * the 'exit' handler still covers ordinary exits.
 */
export function startWatchdog(dataDir: string): Watchdog {
  let wd: ChildProcess | undefined;
  try {
    wd = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'tidings-kafka-watchdog', dataDir], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    wd.on('error', () => {});
    wd.stdin?.on('error', () => {});
    wd.unref();
    // The pipe must not keep the event loop alive either.
    (wd.stdin as Socket | null)?.unref();
  } catch {
    wd = undefined;
  }
  return {
    dispose: () => {
      // SIGKILL, not closing the pipe: closing would make it fire.
      wd?.kill('SIGKILL');
      wd = undefined;
    },
  };
}

/** The last `n` lines of a log file ('' when it does not exist). */
export async function tailFile(path: string, n: number): Promise<string> {
  return lastLines(await readTail(path), n);
}

/**
 * The last `n` ERROR/FATAL lines of a log4j log: when a broker dies, the tail
 * is often all stack trace and the line saying what failed is above it.
 */
export async function errorLines(path: string, n: number): Promise<string> {
  const lines = (await readTail(path)).split('\n').filter((l) => /^\[[^\]]+\] (ERROR|FATAL) /.test(l));
  return lines.slice(-n).join('\n');
}

async function readTail(path: string, maxBytes = 256 * 1024): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}
