import { rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveArtifacts } from './artifacts.js';
import { KAFKA_LAUNCHER_ERROR_CODES, KafkaLauncherError } from './errors.js';
import { execTool, lastLines } from './exec.js';
import { errorLines, jvmPidFile, spawnBrokerJvm, startWatchdog, tailFile } from './jvm.js';
import type { BrokerJvm, BrokerJvmSpec, Watchdog } from './jvm.js';
import { resolveKafkaOptions } from './options.js';
import type { KafkaLauncherOptions, ResolvedKafkaOptions } from './options.js';
import { freePorts } from './ports.js';
import { newClusterId, renderServerProperties } from './properties.js';
import { waitUntilReady } from './ready.js';

/** Options of {@link RunningKafka.restart}. */
export interface RestartKafkaOptions {
  /** Runs while the broker is down; the restart waits for it (a rejection aborts nothing: the broker still boots, then the error is rethrown). */
  whileDown?: () => Promise<void>;
}

/** A broker started by {@link startKafka}. */
export interface RunningKafka {
  /** Bootstrap list for clients, e.g. `['127.0.0.1:40123']`. */
  readonly brokers: string[];
  /** Kafka version running. */
  readonly version: string;
  readonly port: number;
  readonly controllerPort: number;
  /** PID of the current broker JVM (changes after restart()). */
  readonly pid: number;
  /** Temp dir with data, properties and logs; removed by stop(). */
  readonly dataDir: string;
  /** The broker's log4j log (inside dataDir). */
  readonly logFile: string;
  /**
   * Stops the JVM gracefully and starts it again on the same ports with the
   * same data: topics, records and committed offsets survive. Resolves when
   * the broker is ready again. `whileDown` runs after the old JVM exited and
   * before the new one boots, for tests of what clients do without a broker.
   */
  restart(options?: RestartKafkaOptions): Promise<void>;
  /** Stops the broker and removes dataDir. Idempotent; safe to call concurrently. */
  stop(): Promise<void>;
}

/**
 * Starts a single-node Kafka (KRaft, combined broker+controller) on 127.0.0.1:
 * resolves the jars with mvn into a cache (once), formats fresh storage in a
 * temp dir, spawns the JVM and resolves when an admin client can list topics.
 * Throws a {@link KafkaLauncherError} whose message ends with the broker log's
 * tail when the broker exits or is not ready within startTimeoutMs.
 */
/**
 * Free ports are picked by binding port 0 and closing it, so another process
 * (a parallel test) can take one before the broker binds it. When the ports
 * were ours to choose and the broker lost that race, start again on new ones.
 */
const PORT_RACE_ATTEMPTS = 3;

export async function startKafka(options?: KafkaLauncherOptions): Promise<RunningKafka> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      const chosenByUs = options?.port === undefined && options?.controllerPort === undefined;
      if (!chosenByUs || attempt >= PORT_RACE_ATTEMPTS || !/Address already in use/.test(String((err as Error).message))) throw err;
      resolveKafkaOptions(options).log(`kafka: a picked port was taken before the broker bound it; retrying on new ports (${attempt}/${PORT_RACE_ATTEMPTS - 1})`);
    }
  }
}

async function startOnce(options?: KafkaLauncherOptions): Promise<RunningKafka> {
  const started = Date.now();
  const opts = resolveKafkaOptions(options);
  const artifacts = await resolveArtifacts(opts);
  const [port, controllerPort] = await pickPorts(opts);

  const dataDir = await mkdtemp(join(tmpdir(), 'tidings-kafka-'));
  // From here on, if this process dies the watchdog removes dataDir (and kills the broker).
  const watchdog = startWatchdog(dataDir);
  const spec: BrokerJvmSpec = {
    javaBin: opts.javaBin,
    heapMb: opts.heapMb,
    libDir: artifacts.libDir,
    log4jConfig: join(opts.infraDir, 'log4j2.properties'),
    logFile: join(dataDir, 'server.log'),
    stdoutFile: join(dataDir, 'stdout.log'),
    propertiesFile: join(dataDir, 'server.properties'),
    dataDir,
  };
  const brokers = [`127.0.0.1:${port}`];
  let jvm: BrokerJvm;
  let formatMs: number;
  let bootAt = 0;
  try {
    const logDir = join(dataDir, 'data');
    await mkdir(logDir);
    await writeFile(spec.propertiesFile, renderServerProperties({ port, controllerPort, logDir }));
    formatMs = await formatStorage(opts, spec, dataDir);
    bootAt = Date.now();
    jvm = await boot(opts, spec, brokers);
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    watchdog.dispose();
    throw err;
  }
  opts.log(
    `kafka: started ${opts.version} on ${brokers[0]} in ${Date.now() - started} ms ` +
      `(artifacts ${artifacts.elapsedMs} ms ${artifacts.cached ? 'cached' : 'cold'}, ` +
      `format ${formatMs} ms, boot ${Date.now() - bootAt} ms; pid ${jvm.pid}, data ${dataDir})`,
  );
  return new Broker(opts, spec, brokers, port, controllerPort, jvm, watchdog);
}

class Broker implements RunningKafka {
  readonly version: string;
  #jvm: BrokerJvm;
  /** Set while we are the ones stopping the JVM, so its exit is expected. */
  #intentional = false;
  #stopping: Promise<void> | undefined;
  #restarting: Promise<void> | undefined;

  constructor(
    private readonly opts: ResolvedKafkaOptions,
    private readonly spec: BrokerJvmSpec,
    readonly brokers: string[],
    readonly port: number,
    readonly controllerPort: number,
    jvm: BrokerJvm,
    private readonly watchdog: Watchdog,
  ) {
    this.version = opts.version;
    this.#jvm = jvm;
    this.#watch(jvm);
  }

  get pid(): number {
    return this.#jvm.pid;
  }

  get dataDir(): string {
    return this.spec.dataDir;
  }

  get logFile(): string {
    return this.spec.logFile;
  }

  restart(options: RestartKafkaOptions = {}): Promise<void> {
    if (this.#stopping) return Promise.reject(new Error('kafka: restart() after stop()'));
    // Concurrent restart() calls share one restart rather than bouncing twice.
    this.#restarting ??= this.#restart(options).finally(() => {
      this.#restarting = undefined;
    });
    return this.#restarting;
  }

  async #restart(options: RestartKafkaOptions): Promise<void> {
    const t0 = Date.now();
    this.#intentional = true;
    const { forced } = await this.#jvm.stop(this.opts.stopTimeoutMs);
    this.#intentional = false;
    const stopMs = Date.now() - t0;
    const downError = await options.whileDown?.().then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    this.#jvm = await boot(this.opts, this.spec, this.brokers);
    this.#watch(this.#jvm);
    this.opts.log(
      `kafka: restarted on ${this.brokers[0]} in ${Date.now() - t0} ms ` +
        `(stop ${stopMs} ms${forced ? ', SIGKILLed' : ''}; pid ${this.#jvm.pid})`,
    );
    if (downError) throw downError.error;
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    // A restart in flight finishes first; otherwise we could stop the old JVM
    // while it boots a new one nobody would stop.
    await this.#restarting?.catch(() => {});
    const t0 = Date.now();
    this.#intentional = true;
    const { forced } = await this.#jvm.stop(this.opts.stopTimeoutMs);
    // Remove first, then retire the watchdog: dying in between leaves nothing.
    await rm(this.spec.dataDir, { recursive: true, force: true });
    this.watchdog.dispose();
    this.opts.log(`kafka: stopped ${this.brokers[0]} in ${Date.now() - t0} ms${forced ? ' (SIGKILLed after timeout)' : ''}`);
  }

  #watch(jvm: BrokerJvm): void {
    void jvm.exited.then(({ code, signal }) => {
      if (this.#intentional || jvm !== this.#jvm) return;
      this.opts.log(`kafka: broker pid ${jvm.pid} exited unexpectedly (code ${code}, signal ${signal}); log: ${this.logFile}`);
      this.opts.onUnexpectedExit?.(code, signal);
    });
  }
}

async function pickPorts(opts: ResolvedKafkaOptions): Promise<[number, number]> {
  const free = await freePorts(2);
  const port = opts.port ?? free.find((p) => p !== opts.controllerPort) ?? 0;
  const controllerPort = opts.controllerPort ?? free.find((p) => p !== port) ?? 0;
  return [port, controllerPort];
}

/** Formats KRaft storage (cluster id, node id, metadata log) in the data dir. */
async function formatStorage(opts: ResolvedKafkaOptions, spec: BrokerJvmSpec, dataDir: string): Promise<number> {
  const t0 = Date.now();
  const clusterId = newClusterId();
  const result = await execTool(
    opts.javaBin,
    [
      // A short-lived tool: small heap, serial GC and C1 only start fastest.
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${spec.log4jConfig}`,
      `-Dtidings.kafka.logFile=${join(dataDir, 'format.log')}`,
      '-cp',
      `${spec.libDir}/*`,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      spec.propertiesFile,
    ],
    // Named in jvm.pid so the watchdog also kills a formatter orphaned mid-run.
    { cwd: dataDir, timeoutMs: 60_000, onSpawn: (pid) => writeFileSync(jvmPidFile(dataDir), String(pid)) },
  );
  rmSync(jvmPidFile(dataDir), { force: true });
  if (result.code !== 0) {
    throw new KafkaLauncherError(
      KAFKA_LAUNCHER_ERROR_CODES.FORMAT_FAILED,
      `error formatting Kafka storage in ${dataDir} (exit ${result.code ?? result.signal}):\n` +
        lastLines(result.output, 40) +
        section('format.log', await tailFile(join(dataDir, 'format.log'), 40)),
    );
  }
  return Date.now() - t0;
}

/** Spawns the JVM and waits for readiness; on failure kills it and throws with the log tail. */
async function boot(opts: ResolvedKafkaOptions, spec: BrokerJvmSpec, brokers: string[]): Promise<BrokerJvm> {
  const jvm = await spawnBrokerJvm(spec);
  const outcome = await waitUntilReady({ brokers, exited: jvm.exited, timeoutMs: opts.startTimeoutMs });
  if (outcome.ready) return jvm;
  const what =
    outcome.reason === 'exited'
      ? `exited during startup (code ${outcome.exit.code}, signal ${outcome.exit.signal})`
      : `was not ready within ${opts.startTimeoutMs} ms`;
  await jvm.stop(2_000);
  throw new KafkaLauncherError(
    KAFKA_LAUNCHER_ERROR_CODES.START_FAILED,
    `error starting Kafka ${opts.version} on ${brokers[0]}: broker pid ${jvm.pid} ${what}` +
      (outcome.lastError ? `; last client error: ${outcome.lastError}` : '') +
      section('server.log ERROR lines (last 5)', await errorLines(spec.logFile, 5)) +
      section('server.log (last 40 lines)', await tailFile(spec.logFile, 40)) +
      section('JVM stdout/stderr (last 20 lines)', await tailFile(spec.stdoutFile, 20)),
  );
}

function section(title: string, body: string): string {
  return body ? `\n--- ${title} ---\n${body}` : '';
}
