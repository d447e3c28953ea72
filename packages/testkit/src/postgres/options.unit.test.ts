import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolvePostgresOptions, serverSettings } from './options.js';

test('defaults: database tidings, not durable, bounded timeouts, 127.0.0.1 only', () => {
  const o = resolvePostgresOptions();
  assert.equal(o.database, 'tidings');
  assert.equal(o.durable, false);
  assert.equal(o.port, undefined);
  assert.equal(o.startTimeoutMs, 60_000);
  assert.equal(o.stopTimeoutMs, 15_000);
  assert.equal(o.osUser, 'postgres');
  assert.equal(o.host, '127.0.0.1');
  assert.ok(Object.isFrozen(o));
});

test('bad options are rejected with the option name', () => {
  assert.throws(() => resolvePostgresOptions({ port: 0 }), /option port/);
  assert.throws(() => resolvePostgresOptions({ port: 70_000 }), /option port/);
  assert.throws(() => resolvePostgresOptions({ port: Number('x') }), /option port/);
  assert.throws(() => resolvePostgresOptions({ startTimeoutMs: 0 }), /option startTimeoutMs/);
  assert.throws(() => resolvePostgresOptions({ database: 'Bad-Name' }), /option database/);
  assert.throws(() => resolvePostgresOptions({ database: 'x; drop' }), /option database/);
  assert.throws(() => resolvePostgresOptions({ osUser: 'a b' }), /option osUser/);
});

test('settings: fsync off only when not durable; commits always synchronous; loopback, 300 connections, no unix socket', () => {
  const fast = serverSettings(resolvePostgresOptions());
  assert.equal(fast['fsync'], 'off');
  // Off would lose acknowledged commits on a server crash (restart({ mode: 'immediate' })).
  assert.equal(fast['synchronous_commit'], undefined);
  assert.equal(fast['full_page_writes'], 'off');
  assert.equal(fast['listen_addresses'], '127.0.0.1');
  assert.equal(fast['max_connections'], '300');
  assert.equal(fast['unix_socket_directories'], '');

  const durable = serverSettings(resolvePostgresOptions({ durable: true }));
  assert.equal(durable['fsync'], undefined);
  assert.equal(durable['synchronous_commit'], undefined);
  assert.equal(durable['full_page_writes'], undefined);
  assert.equal(durable['listen_addresses'], '127.0.0.1');
});

test('initdb and the server get a fixed environment: PATH only from ours', () => {
  const o = resolvePostgresOptions({}, { PATH: '/usr/bin', PGDATA: '/elsewhere', LANG: 'de_DE.UTF-8' } as never);
  assert.deepEqual(o.childEnv, { PATH: '/usr/bin', LC_ALL: 'C', TZ: 'UTC' });
  assert.deepEqual(resolvePostgresOptions({}, {}).childEnv, { LC_ALL: 'C', TZ: 'UTC' });
});
