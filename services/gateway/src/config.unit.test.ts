import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@tidings/config';
import { loadConfig } from './config.js';

const BASE = { KAFKA_BROKERS: '127.0.0.1:9', DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' };

test('production refuses a configuration without an Origin allow-list, naming the variable', () => {
  for (const origins of [undefined, '', ' ']) {
    assert.throws(
      () => loadConfig({ ...BASE, NODE_ENV: 'production', ...(origins !== undefined ? { GATEWAY_ALLOWED_ORIGINS: origins } : {}) }),
      (error: unknown) => error instanceof ConfigError && error.variables.includes('GATEWAY_ALLOWED_ORIGINS') && /\*/.test(error.message),
      JSON.stringify(origins),
    );
  }
});

test('production starts with a list, or with * written out; development starts without one', () => {
  assert.equal(loadConfig({ ...BASE, NODE_ENV: 'production', GATEWAY_ALLOWED_ORIGINS: 'https://app.example' }).GATEWAY_ALLOWED_ORIGINS, 'https://app.example');
  assert.equal(loadConfig({ ...BASE, NODE_ENV: 'production', GATEWAY_ALLOWED_ORIGINS: '*' }).GATEWAY_ALLOWED_ORIGINS, '*');
  assert.equal(loadConfig(BASE).GATEWAY_ALLOWED_ORIGINS, undefined);
});

test('the gateway process exits at once, before touching Kafka or Postgres, when production lacks the allow-list', () => {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', ...BASE, NODE_ENV: 'production' };
  const r = spawnSync(process.execPath, [main], { env, encoding: 'utf8', timeout: 20000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /GATEWAY_ALLOWED_ORIGINS is required when NODE_ENV=production/);
});
