import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@tidings/config';
import { loadClusterOptions } from './options.js';

test('defaults, then variables, then flags', () => {
  assert.equal(loadClusterOptions([], {}).CLUSTER_DURATION_S, 75);
  const o = loadClusterOptions(['--duration', '30', '--rate=200'], { CLUSTER_DURATION_S: '40', CLUSTER_USERS: '7' });
  assert.deepEqual([o.CLUSTER_DURATION_S, o.CLUSTER_RATE, o.CLUSTER_USERS], [30, 200, 7]);
});

test('a bad value is refused with the variable it sets named', () => {
  assert.throws(
    () => loadClusterOptions(['--duration', '5'], {}),
    (e: unknown) => e instanceof ConfigError && e.variables.includes('CLUSTER_DURATION_S'),
  );
  assert.throws(() => loadClusterOptions(['--no-such-flag', '1'], {}), /no-such-flag/);
});
