import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseInfra } from './choice.js';

test('environment endpoints win over everything', () => {
  assert.deepEqual(chooseInfra({ kafkaBrokers: 'k:9092', databaseUrl: 'postgres://x', dockerAvailable: true, prefer: 'local' }), {
    kafka: 'env',
    postgres: 'env',
  });
});

test('docker engine → containers, none → local launchers', () => {
  assert.deepEqual(chooseInfra({ dockerAvailable: true }), { kafka: 'containers', postgres: 'containers' });
  assert.deepEqual(chooseInfra({ dockerAvailable: false }), { kafka: 'local', postgres: 'local' });
});

test('each dependency is chosen on its own', () => {
  assert.deepEqual(chooseInfra({ databaseUrl: 'postgres://x', dockerAvailable: false }), { kafka: 'local', postgres: 'env' });
  assert.deepEqual(chooseInfra({ kafkaBrokers: 'k:1', dockerAvailable: true }), { kafka: 'env', postgres: 'containers' });
});

test('prefer overrides the docker probe', () => {
  assert.deepEqual(chooseInfra({ dockerAvailable: true, prefer: 'local' }), { kafka: 'local', postgres: 'local' });
  assert.deepEqual(chooseInfra({ dockerAvailable: false, prefer: 'containers' }), { kafka: 'containers', postgres: 'containers' });
});
