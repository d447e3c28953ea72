import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KAFKA_VERSION, resolveKafkaOptions } from './options.js';

test('the pom pins the same Kafka version as KAFKA_VERSION', () => {
  const opts = resolveKafkaOptions({}, {});
  const pom = readFileSync(join(opts.infraDir, 'pom.xml'), 'utf8');
  assert.match(pom, new RegExp(`<kafka\\.version>${KAFKA_VERSION.replace(/\./g, '\\.')}</kafka\\.version>`));
});

test('cache dir: TIDINGS_CACHE_DIR, then XDG_CACHE_HOME/tidings, then ~/.cache/tidings', () => {
  assert.equal(
    resolveKafkaOptions({}, { TIDINGS_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }).cacheDir,
    `/c/kafka-${KAFKA_VERSION}`,
  );
  assert.equal(resolveKafkaOptions({}, { XDG_CACHE_HOME: '/x' }).cacheDir, `/x/tidings/kafka-${KAFKA_VERSION}`);
  assert.equal(resolveKafkaOptions({}, {}).cacheDir, join(homedir(), '.cache', 'tidings', `kafka-${KAFKA_VERSION}`));
  assert.equal(resolveKafkaOptions({ version: '3.9.1' }, { XDG_CACHE_HOME: '/x' }).cacheDir, '/x/tidings/kafka-3.9.1');
  assert.equal(resolveKafkaOptions({ cacheDir: '/mine' }, { TIDINGS_CACHE_DIR: '/c' }).cacheDir, '/mine');
});

test('defaults: 512 MiB heap, 60 s start timeout, java from JAVA_HOME when set', () => {
  const opts = resolveKafkaOptions({}, {});
  assert.equal(opts.heapMb, 512);
  assert.equal(opts.startTimeoutMs, 60_000);
  assert.equal(opts.version, KAFKA_VERSION);
  assert.equal(opts.javaBin, 'java');
  assert.equal(resolveKafkaOptions({}, { JAVA_HOME: '/jdk' }).javaBin, '/jdk/bin/java');
  assert.ok(Object.isFrozen(opts));
});

test('bad options are rejected with the option name', () => {
  assert.throws(() => resolveKafkaOptions({ port: 70_000 }, {}), /option port/);
  assert.throws(() => resolveKafkaOptions({ heapMb: 64 }, {}), /option heapMb/);
  assert.throws(() => resolveKafkaOptions({ startTimeoutMs: 1.5 }, {}), /option startTimeoutMs/);
  assert.throws(() => resolveKafkaOptions({ version: '4.1.1 -Dx=y' }, {}), /option version/);
  assert.throws(() => resolveKafkaOptions({ port: 9092, controllerPort: 9092 }, {}), /port and controllerPort/);
});
