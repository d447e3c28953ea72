import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { ConfigError, parseConfig } from './config.js';
import { Port, splitList } from './env.js';

const Schema = Type.Object({
  INGEST_PORT: Port(4000),
  KAFKA_BROKERS: Type.String({ minLength: 1 }),
});

test('coerces, applies defaults and freezes', () => {
  const cfg = parseConfig(Schema, { KAFKA_BROKERS: 'a:1', INGEST_PORT: '4100' });
  assert.equal(cfg.INGEST_PORT, 4100);
  assert.equal(cfg.KAFKA_BROKERS, 'a:1');
  assert.ok(Object.isFrozen(cfg));
  assert.equal(parseConfig(Schema, { KAFKA_BROKERS: 'a:1' }).INGEST_PORT, 4000);
});

test('names every missing or bad variable', () => {
  assert.throws(
    () => parseConfig(Schema, { INGEST_PORT: 'not-a-port' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'TIDINGS_ERR_CONFIG');
      assert.match(err.message, /KAFKA_BROKERS is required/);
      return true;
    },
  );
  assert.throws(() => parseConfig(Schema, { KAFKA_BROKERS: 'a:1', INGEST_PORT: '70000' }), /INGEST_PORT/);
});

test('splitList trims and drops empties', () => {
  assert.deepEqual(splitList(' a:1, b:2 ,,'), ['a:1', 'b:2']);
});
