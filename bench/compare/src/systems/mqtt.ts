import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { now, sleep, spawnServer, type ServerProc } from '../proc.js';
import { topicFor } from '../worker/mqtt-conn.js';
import { BODY, type SystemHandle, type SystemOptions } from './system.js';

/**
 * Mosquitto, run by the bench (its own port and persistence directory, so it
 * can be measured and SIGKILLed without touching the machine's broker on
 * :1883), configured as that broker is — `persistence true`, everything
 * else at Mosquitto's documented defaults. Producers publish QoS 1 to the
 * user's topic over `lanes` connections; accept = PUBACK.
 */
const RESTART_AFTER_MS = 1000;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function listening(port: number): Promise<string> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return `mqtt://127.0.0.1:${port}`;
    await sleep(50);
  }
}

export async function startMqtt(o: SystemOptions): Promise<SystemHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const settings = {
    listener: `${port} 127.0.0.1`,
    allow_anonymous: 'true',
    persistence: 'true',
    persistence_location: `${dir}/`,
    // Run as the bench's user (the packaged broker drops to `mosquitto`); logs kept quiet.
    user: 'root',
    log_dest: 'stderr',
    log_type: 'error',
    connection_messages: 'false',
  };
  await writeFile(conf, Object.entries(settings).map(([k, v]) => `${k} ${v}\n`).join(''));
  const spawnBroker = () => spawnServer('mosquitto', ['-c', conf], {}, { probe: () => listening(port) }, 'mosquitto');
  let broker: ServerProc = await spawnBroker();
  const url = `mqtt://127.0.0.1:${port}`;
  const pubs: MqttClient[] = await Promise.all(
    Array.from({ length: o.lanes }, (_, j) =>
      connectAsync(url, { clientId: `bench-pub-${o.runId}-${j}`, protocolVersion: 5, clean: true, reconnectPeriod: 500 }),
    ),
  );
  return {
    endpoints: [url],
    settings: {
      mosquitto: { ...settings, autosave_interval: '1800 (default)', max_queued_messages: '1000 (default)', max_inflight_messages: '20 (default)' },
      client: { protocolVersion: 5, clean: false, sessionExpiryInterval: 3600, qos: 1, reconnectPeriod: 1000, topic: topicFor('<user>') },
      publish: `QoS 1 PUBLISH over ${o.lanes} connections`,
      maxBatch: o.maxBatch,
      restartAfterKillMs: RESTART_AFTER_MS,
    },
    publisher: {
      lanes: o.lanes,
      maxBatch: o.maxBatch,
      send: (lane, batch) =>
        Promise.all(
          batch.map((m) =>
            pubs[lane]!.publishAsync(topicFor(o.users[m.user]!.id), JSON.stringify({ s: m.seq, ...BODY }), { qos: 1 }).then(
              () => now(),
              () => Number.NaN,
            ),
          ),
        ),
      close: async () => void (await Promise.all(pubs.map((p) => p.endAsync(true)))),
    },
    nodePids: () => [broker.proc.pid!],
    pids: () => ({ mosquitto: broker.proc.pid! }),
    async kill() {
      await broker.kill();
      // A supervisor restarts it; it loads whatever its last save wrote.
      await sleep(RESTART_AFTER_MS);
      broker = await spawnBroker();
    },
    beforeBack: async () => undefined,
    async stop() {
      await Promise.all(pubs.map((p) => p.endAsync(true).catch(() => undefined)));
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
