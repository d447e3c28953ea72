import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The one Kafka version the testkit runs. Keep in step with `kafka.version` in
 * infra/kafka/pom.xml (options.unit.test.ts checks it).
 */
export const KAFKA_VERSION = '4.1.1';

/** Options of {@link startKafka}. Every field is optional. */
export interface KafkaLauncherOptions {
  /** Kafka version to resolve from Maven Central; defaults to {@link KAFKA_VERSION}. */
  version?: string;
  /**
   * Directory holding the resolved jars for this version (outside the repo).
   * Default: `$TIDINGS_CACHE_DIR/kafka-<version>`, else
   * `$XDG_CACHE_HOME/tidings/kafka-<version>`, else `~/.cache/tidings/kafka-<version>`.
   */
  cacheDir?: string;
  /** PLAINTEXT listener port on 127.0.0.1; default: a free port. */
  port?: number;
  /** KRaft CONTROLLER listener port on 127.0.0.1; default: a free port. */
  controllerPort?: number;
  /** JVM heap (-Xms = -Xmx) in MiB; default 512. */
  heapMb?: number;
  /** Bound on "spawned" → "an admin client can list topics"; default 60 000 ms. */
  startTimeoutMs?: number;
  /** Bound on SIGTERM → exit before the broker is SIGKILLed; default 15 000 ms. */
  stopTimeoutMs?: number;
  /** Bound on waiting for another process's artifact resolution; default 600 000 ms. */
  lockTimeoutMs?: number;
  /** Progress and timing lines ("kafka: started …"); default: discarded. */
  log?: (msg: string) => void;
  /**
   * Called when the broker exits on its own (not through stop()/restart()), e.g.
   * a crash after startup. Default: logged through `log`.
   */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** {@link KafkaLauncherOptions} with defaults applied and values checked. */
export interface ResolvedKafkaOptions {
  readonly version: string;
  readonly cacheDir: string;
  readonly port: number | undefined;
  readonly controllerPort: number | undefined;
  readonly heapMb: number;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly lockTimeoutMs: number;
  /** `java` executable: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on PATH. */
  readonly javaBin: string;
  /** `mvn` executable on PATH. */
  readonly mvnBin: string;
  /** Folder with pom.xml and log4j2.properties (infra/kafka in the repo). */
  readonly infraDir: string;
  readonly log: (msg: string) => void;
  readonly onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
}

/** Environment variables read by {@link resolveKafkaOptions}; nothing else in this folder reads the environment. */
export interface KafkaLauncherEnv {
  /** Root for tidings caches; the jars go to `<it>/kafka-<version>`. Optional. */
  TIDINGS_CACHE_DIR?: string | undefined;
  /** XDG base directory, used when TIDINGS_CACHE_DIR is unset. Optional. */
  XDG_CACHE_HOME?: string | undefined;
  /** JDK to run Kafka with (Java 17+). Optional: `java` on PATH otherwise. */
  JAVA_HOME?: string | undefined;
}

// src/kafka/options.ts and dist/kafka/options.js sit at the same depth, so this
// points at <repo>/infra/kafka from either.
const DEFAULT_INFRA_DIR = fileURLToPath(new URL('../../../../infra/kafka/', import.meta.url));

/** Applies defaults and validates; throws an Error naming the bad option. */
export function resolveKafkaOptions(
  opts: KafkaLauncherOptions = {},
  env: KafkaLauncherEnv = process.env,
): ResolvedKafkaOptions {
  const version = opts.version ?? KAFKA_VERSION;
  // The version becomes part of a path and a Maven property: keep it boring.
  if (!/^\d+\.\d+\.\d+(?:[-.][A-Za-z0-9]+)*$/.test(version)) {
    throw new Error(`kafka launcher: invalid option version=${JSON.stringify(version)}`);
  }
  const log = opts.log ?? (() => {});
  const options: ResolvedKafkaOptions = {
    version,
    cacheDir: opts.cacheDir ?? join(cacheRoot(env), `kafka-${version}`),
    port: checkPort('port', opts.port),
    controllerPort: checkPort('controllerPort', opts.controllerPort),
    heapMb: checkInt('heapMb', opts.heapMb ?? 512, 128, 32_768),
    startTimeoutMs: checkInt('startTimeoutMs', opts.startTimeoutMs ?? 60_000, 1, 3_600_000),
    stopTimeoutMs: checkInt('stopTimeoutMs', opts.stopTimeoutMs ?? 15_000, 1, 3_600_000),
    lockTimeoutMs: checkInt('lockTimeoutMs', opts.lockTimeoutMs ?? 600_000, 1, 3_600_000),
    javaBin: env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java',
    mvnBin: 'mvn',
    infraDir: DEFAULT_INFRA_DIR,
    log,
    onUnexpectedExit: opts.onUnexpectedExit,
  };
  if (options.port !== undefined && options.port === options.controllerPort) {
    throw new Error(`kafka launcher: options port and controllerPort must differ (both ${options.port})`);
  }
  return Object.freeze(options);
}

function cacheRoot(env: KafkaLauncherEnv): string {
  if (env.TIDINGS_CACHE_DIR) return env.TIDINGS_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tidings');
}

function checkPort(name: string, value: number | undefined): number | undefined {
  return value === undefined ? undefined : checkInt(name, value, 1, 65_535);
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`kafka launcher: option ${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}
