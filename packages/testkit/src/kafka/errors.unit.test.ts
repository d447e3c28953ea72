import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KAFKA_LAUNCHER_ERROR_CODES, KafkaLauncherError } from './errors.js';
import { resolveKafkaOptions } from './options.js';

test('every launcher error code is documented in infra/kafka/README.md', () => {
  const readme = readFileSync(join(resolveKafkaOptions({}, {}).infraDir, 'README.md'), 'utf8');
  for (const code of Object.values(KAFKA_LAUNCHER_ERROR_CODES)) {
    assert.ok(readme.includes(code), `${code} missing from README`);
  }
});

test('KafkaLauncherError carries code and cause', () => {
  const cause = new Error('inner');
  const err = new KafkaLauncherError(KAFKA_LAUNCHER_ERROR_CODES.START_FAILED, 'outer', { cause });
  assert.equal(err.code, 'TIDINGS_ERR_KAFKA_START_FAILED');
  assert.equal(err.cause, cause);
  assert.equal(err.name, 'KafkaLauncherError');
  assert.ok(err instanceof Error);
});
