import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

interface Compose {
  services: Record<string, { image?: string; build?: unknown; command?: string[]; ports?: string[]; environment?: Record<string, unknown> }>;
}

/** docker-compose.yml cannot run here (no Docker engine); check its shape against what the services need. */
test('docker-compose.yml runs Kafka (KRaft), Postgres and every service, ports on 127.0.0.1', async () => {
  const compose = parse(await readFile(new URL('../../../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as Compose;
  const s = compose.services;
  assert.match(s['kafka']?.image ?? '', /^apache\/kafka:4\./);
  assert.equal(s['kafka']?.environment?.['KAFKA_PROCESS_ROLES'], 'broker,controller');
  assert.match(s['postgres']?.image ?? '', /^postgres:/);
  for (const [name, entry] of [
    ['ingest', 'services/ingest/dist/main.js'],
    ['persister', 'services/persister/dist/main.js'],
    ['ops', 'services/ops/dist/main.js'],
    ['gateway-1', 'services/gateway/dist/main.js'],
    ['gateway-2', 'services/gateway/dist/main.js'],
  ] as const) {
    assert.deepEqual(s[name]?.command, ['node', entry], name);
    assert.equal(s[name]?.environment?.['KAFKA_BROKERS'], 'kafka:9092', name);
    assert.match(String(s[name]?.environment?.['DATABASE_URL']), /^postgres:\/\//, name);
  }
  for (const [name, svc] of Object.entries(s)) for (const p of svc.ports ?? []) assert.match(p, /^127\.0\.0\.1:/, `${name} publishes ${p}`);
});
