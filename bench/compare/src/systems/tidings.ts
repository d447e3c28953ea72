import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { createNamespace, describeDurability, loadStackConfig, postgresDurability, startInfra, startStack, testAuthEnv, tokenFor, topicEndOffsets, waitForWatermarks } from '@tidings/testkit';
import { now } from '../proc.js';
import { sampleLag } from './persister-lag.js';
import { BODY, type SystemHandle, type SystemOptions } from './system.js';

/**
 * Tidings as `npm start` runs it: ingest, persister and `nodes` gateways,
 * each its own process, on the Kafka and Postgres of the environment
 * (KAFKA_BROKERS / DATABASE_URL) or launched locally. Publishing is
 * POST /v1/notifications/batch over keep-alive HTTP; accept = the 202.
 */
export async function startTidings(o: SystemOptions): Promise<SystemHandle> {
  const infra = await startInfra(loadStackConfig(), o.log);
  const ns = await createNamespace(infra.brokers, infra.databaseUrl);
  const secret = randomBytes(32).toString('base64url');
  const ingestEnv = { INGEST_RATE_LIMIT_PER_SEC: '1000000', ...o.tidingsEnv.ingest };
  const gatewayEnv = { GATEWAY_MAX_CONNECTIONS: '200000', ...o.tidingsEnv.gateway };
  // Figures from a throwaway fsync-off Postgres flatter every commit; the record says which it was.
  const postgres = await postgresDurability(ns.databaseUrl);
  o.log(`tidings: namespace ${ns.id}; ingest, persister, ${o.nodes} gateway(s); postgres ${describeDurability(postgres)}`);
  let stack;
  try {
    stack = await startStack({
      env: ns.env,
      authEnv: testAuthEnv(secret),
      gateways: o.nodes,
      extraEnv: { ingest: ingestEnv, gateway: gatewayEnv, persister: { ...o.tidingsEnv.persister } },
    });
  } catch (error) {
    await ns.drop();
    await infra.stop();
    throw error;
  }
  const s = stack;
  const token = await tokenFor(secret, 'bench', ['notifications:write'], 24 * 3600);
  const pool = new Pool(s.ingest.url, { connections: o.lanes, pipelining: 1, keepAliveTimeout: 60_000 });
  const publishErrors: Record<string, number> = {};
  const lag = await sampleLag(ns.brokers, ns.topics.events, ns.databaseUrl);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return {
    endpoints: s.gateways.map((g) => `${g.url.replace(/^http/, 'ws')}/v1/stream`),
    secret,
    settings: { ingest: ingestEnv, gateway: gatewayEnv, gateways: o.nodes, postgres, publish: 'POST /v1/notifications/batch, keep-alive', lanes: o.lanes, maxBatch: o.maxBatch },
    publisher: {
      lanes: o.lanes,
      maxBatch: o.maxBatch,
      async send(_lane, batch) {
        const notifications = batch.map((m) => ({ userId: o.users[m.user]!.id, data: { ...BODY, payload: { s: m.seq } } }));
        const res = await pool.request({ method: 'POST', path: '/v1/notifications/batch', headers, body: JSON.stringify({ notifications }) });
        await res.body.text();
        const at = res.statusCode === 202 ? now() : Number.NaN;
        if (res.statusCode !== 202) publishErrors[`HTTP ${res.statusCode}`] = (publishErrors[`HTTP ${res.statusCode}`] ?? 0) + 1;
        return batch.map(() => at);
      },
      close: () => pool.close(),
    },
    nodePids: () => s.gateways.filter((g) => g.proc.exitCode === null && g.proc.signalCode === null).map((g) => g.proc.pid!),
    pids: () => ({
      ingest: s.ingest.proc.pid!,
      persister: s.persister.proc.pid!,
      ...Object.fromEntries(s.gateways.map((g, i) => [`gateway-${i + 1}`, g.proc.pid!])),
    }),
    async kill() {
      await s.gateways[0]!.kill();
    },
    async beforeBack() {
      // "20 events behind" means stored: wait until the persister's watermarks passed the log end.
      await waitForWatermarks(ns.databaseUrl, await topicEndOffsets(ns.brokers, ns.topics.events), 600_000);
    },
    async diagnostics() {
      // The gateways' own view of resumes: outcome counts and how long they took (Prometheus text).
      const out: Record<string, unknown> = { persisterLag: lag.take(), publishErrors };
      for (const [i, g] of s.gateways.entries()) {
        if (g.proc.exitCode !== null || g.proc.signalCode !== null) continue;
        const text = await (await fetch(`${g.url}/metrics`)).text();
        out[`gateway-${i + 1}`] = text.split('\n').filter((l) => /^tidings_gateway_(resume|slow|heartbeat|delivery)/.test(l) && !l.endsWith(' 0'));
      }
      return out;
    },
    async stop() {
      await lag.stop();
      await pool.close().catch(() => undefined);
      await s.stop();
      await ns.drop();
      await infra.stop();
    },
  };
}
