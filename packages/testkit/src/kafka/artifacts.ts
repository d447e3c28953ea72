import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KAFKA_LAUNCHER_ERROR_CODES, KafkaLauncherError } from './errors.js';
import { execTool, lastLines } from './exec.js';
import { withDirLock } from './lock.js';
import type { ResolvedKafkaOptions } from './options.js';

export interface ResolvedArtifacts {
  /** Directory of jars; the classpath is `<libDir>/*`. */
  libDir: string;
  jarCount: number;
  /** True when the cache was already complete and mvn did not run. */
  cached: boolean;
  elapsedMs: number;
}

/**
 * Written after a successful copy, last, so its presence means "lib is
 * complete". It records what lib was resolved from: a changed pom (another
 * log4j, say) invalidates the cache instead of silently running stale jars.
 */
interface CacheMarker {
  version: string;
  pomSha256: string;
  jars: string[];
}

const MARKER = 'complete.json';
const MVN_TIMEOUT_MS = 10 * 60_000;

/**
 * Makes sure `<cacheDir>/lib` holds the runtime jars of Kafka `version`,
 * running `mvn dependency:copy-dependencies` only when the cache is missing or
 * stale. Concurrent callers (parallel test files) serialise on a lock dir, and
 * mvn writes into a private temp dir that is renamed into place, so a reader
 * never sees a half-copied lib.
 */
export async function resolveArtifacts(opts: ResolvedKafkaOptions): Promise<ResolvedArtifacts> {
  const started = Date.now();
  const pom = await readFile(join(opts.infraDir, 'pom.xml'));
  const pomSha256 = createHash('sha256').update(pom).digest('hex');
  const libDir = join(opts.cacheDir, 'lib');

  const hit = await checkCache(opts.cacheDir, opts.version, pomSha256);
  if (hit) {
    opts.log(`kafka: resolving artifacts with mvn… (cached, ${hit.jars.length} jars in ${libDir})`);
    return { libDir, jarCount: hit.jars.length, cached: true, elapsedMs: Date.now() - started };
  }

  await mkdir(opts.cacheDir, { recursive: true });
  return withDirLock(
    join(opts.cacheDir, '.lock'),
    {
      timeoutMs: opts.lockTimeoutMs,
      onWait: (owner) => opts.log(`kafka: waiting for artifact cache lock (${owner})`),
    },
    async () => {
      // Someone else may have finished while we waited for the lock.
      const again = await checkCache(opts.cacheDir, opts.version, pomSha256);
      if (again) {
        opts.log(`kafka: resolving artifacts with mvn… (cached by another process)`);
        return { libDir, jarCount: again.jars.length, cached: true, elapsedMs: Date.now() - started };
      }
      opts.log(`kafka: resolving artifacts with mvn… (cold, into ${opts.cacheDir})`);
      const jars = await runMaven(opts, pom);
      const marker: CacheMarker = { version: opts.version, pomSha256, jars };
      const tmpMarker = join(opts.cacheDir, `${MARKER}.tmp-${process.pid}`);
      await writeFile(tmpMarker, JSON.stringify(marker, null, 2));
      await rename(tmpMarker, join(opts.cacheDir, MARKER));
      const elapsedMs = Date.now() - started;
      opts.log(`kafka: resolved ${jars.length} jars in ${elapsedMs} ms`);
      return { libDir, jarCount: jars.length, cached: false, elapsedMs };
    },
  );
}

async function runMaven(opts: ResolvedKafkaOptions, pom: Buffer): Promise<string[]> {
  const { cacheDir } = opts;
  // mvn runs on a copy of the pom inside the cache so nothing (target/, etc.)
  // is ever written into the repo.
  await writeFile(join(cacheDir, 'pom.xml'), pom);
  const tmpLib = join(cacheDir, `lib.tmp-${process.pid}-${Date.now()}`);
  try {
    const result = await execTool(
      opts.mvnBin,
      [
        '-q',
        '-B',
        '-f',
        join(cacheDir, 'pom.xml'),
        `-Dkafka.version=${opts.version}`,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${tmpLib}`,
        '-DincludeScope=runtime',
      ],
      { cwd: cacheDir, timeoutMs: MVN_TIMEOUT_MS },
    );
    const jars = await listJars(tmpLib);
    if (result.code !== 0 || jars.length === 0) {
      throw new KafkaLauncherError(
        KAFKA_LAUNCHER_ERROR_CODES.RESOLVE_FAILED,
        `error resolving Kafka ${opts.version} with mvn (exit ${result.code ?? result.signal}):\n` +
          lastLines(result.output, 40),
      );
    }
    await rm(join(cacheDir, 'lib'), { recursive: true, force: true });
    await rename(tmpLib, join(cacheDir, 'lib'));
    return jars;
  } finally {
    await rm(tmpLib, { recursive: true, force: true });
  }
}

async function checkCache(cacheDir: string, version: string, pomSha256: string): Promise<CacheMarker | undefined> {
  let marker: CacheMarker;
  try {
    marker = JSON.parse(await readFile(join(cacheDir, MARKER), 'utf8')) as CacheMarker;
  } catch {
    return undefined;
  }
  if (marker.version !== version || marker.pomSha256 !== pomSha256 || !Array.isArray(marker.jars)) return undefined;
  const present = new Set(await listJars(join(cacheDir, 'lib')));
  return marker.jars.length > 0 && marker.jars.every((j) => present.has(j)) ? marker : undefined;
}

async function listJars(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.jar')).sort();
  } catch {
    return [];
  }
}
