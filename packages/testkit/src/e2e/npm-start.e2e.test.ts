import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SyncedMessage } from '@tidings/protocol';
import { requestJson } from '../testing/http.js';
import { descendants, survivors } from '../testing/processes.js';
import { openSocket } from '../testing/ws-client.js';

/**
 * `npm start` itself, from nothing: its own Kafka and Postgres (local
 * launchers), migrations, five service processes; a token from
 * `npm run token`; a notification reaches a socket on each gateway; SIGTERM
 * leaves no process behind.
 */
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const home = await mkdtemp(join(tmpdir(), 'tidings-home-'));
let proc: ChildProcess | undefined;
after(async () => {
  if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  await rm(home, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  return port;
}

test('npm start brings the platform up, serves a notification to both gateways and stops cleanly', async () => {
  const base = await freePort();
  const ports = { INGEST_PORT: String(await freePort()), GATEWAY_PORT: String(base), OPS_PORT: String(await freePort()), PERSISTER_PORT: String(await freePort()), WEB_PORT: String(await freePort()) };
  const env: Record<string, string | undefined> = { ...process.env, TIDINGS_HOME: home, TIDINGS_INFRA: 'local', ...ports };
  delete env['KAFKA_BROKERS'];
  delete env['DATABASE_URL'];
  proc = spawn(process.execPath, [join(root, 'packages/testkit/dist/bin/start.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const up = new Promise<void>((resolve, reject) => {
    createInterface({ input: proc!.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.includes('[tidings] up in')) resolve();
    });
    createInterface({ input: proc!.stderr! }).on('line', (line) => lines.push(line));
    proc!.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${lines.slice(-40).join('\n')}`)));
  });
  await up;
  assert.ok(lines.some((l) => l.includes('kafka from the local launcher')), 'says where Kafka came from');

  const token = (args: string[]) =>
    promisify(execFile)(process.execPath, [join(root, 'packages/auth/dist/bin/token.js'), ...args], { env: { ...process.env, TIDINGS_HOME: home } }).then((r) => r.stdout.trim());
  const userToken = await token(['--sub', 'alice']);
  const serviceToken = await token(['--sub', 'billing', '--scope', 'notifications:write']);

  const sockets = await Promise.all([base, base + 1].map((p) => openSocket(`ws://127.0.0.1:${p}/v1/stream`)));
  for (const s of sockets) s.send({ type: 'hello', token: userToken });
  await Promise.all(sockets.map((s) => s.waitFor<SyncedMessage>((m) => m.type === 'synced')));

  // A 503 is the documented, retryable answer while a brand-new broker still
  // settles its first transactions; a producer retries it with the same
  // Idempotency-Key and gets the same id (G4). Anything else fails at once.
  const post = () =>
    requestJson<{ ids: string[] }>('POST', `http://127.0.0.1:${ports.INGEST_PORT}/v1/notifications`, {
      token: serviceToken,
      headers: { 'idempotency-key': 'npm-start-e2e' },
      body: { userId: 'alice', data: { category: 'hello', title: 'It works' } },
    });
  let res = await post();
  for (let attempt = 1; res.status === 503 && attempt < 5; attempt++) res = await post();
  assert.equal(res.status, 202, JSON.stringify(res.body));
  for (const s of sockets) {
    const [e] = await s.waitForEvents(1);
    assert.equal(e!.event.id, res.body.ids[0]);
  }

  const family = await descendants(proc.pid!);
  assert.ok(family.length >= 7, `expected Kafka, Postgres and 6 services under npm start, saw ${family.length}`);
  proc.kill('SIGTERM');
  const [code] = (await once(proc, 'exit')) as [number | null];
  assert.equal(code, 0, lines.slice(-20).join('\n'));
  for (const s of sockets) assert.equal((await s.closed).code, 1001);
  // Grandchildren (e.g. the Kafka launcher's watchdog) may take a moment to notice their parent is gone.
  const names = await survivors(family);
  assert.deepEqual(names, [], `processes left behind: ${names.join('; ')}`);
});
